/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/spec-linux.h"
#include "core/spec.h"

#define FAIL(...) ocirt_error_setx (err, EINVAL, __VA_ARGS__)
#define STR(s) ((s) ? (s) : "")

/* --- namespaces and what depends on them -------------------------------- */

static int
check_namespaces (const struct oci_linux *l, struct ocirt_error **err)
{
  static const char *const types[]
      = { "mount", "pid", "network", "uts", "ipc", "user", "cgroup", "time", NULL };

  for (size_t i = 0; i < l->namespaces_len; i++)
    {
      const struct oci_namespace *ns = &l->namespaces[i];

      if (!spec_in_list (ns->type, types))
        return FAIL ("linux.namespaces[%zu].type: unknown namespace type \"%s\"", i, STR (ns->type));
      for (size_t j = 0; j < i; j++)
        if (strcmp (l->namespaces[j].type, ns->type) == 0)
          return FAIL ("linux.namespaces[%zu]: duplicate %s namespace", i, ns->type);
      if (ns->path && ns->path[0] != '/')
        return FAIL ("linux.namespaces[%zu].path: must be an absolute path, got \"%s\"", i, ns->path);
    }
  return 0;
}

static bool
ranges_overlap (uint32_t a, uint32_t b, uint32_t size_a, uint32_t size_b)
{
  return (uint64_t) a < (uint64_t) b + size_b && (uint64_t) b < (uint64_t) a + size_a;
}

/* The kernel's rules for uid_map and gid_map (user_namespaces(7)): without
   them the write fails with a bare EINVAL that names no entry. A range may
   not reach 2^32 - 1 ((uid_t) -1 is never an id), and since Linux 4.15
   ranges overlap on neither side and there are at most 340. */
int
spec_check_id_mappings (const char *name, const struct oci_id_mapping *m, size_t len,
                        struct ocirt_error **err)
{
  if (len > 340)
    return FAIL ("%s: %zu entries, the kernel takes at most 340", name, len);
  for (size_t i = 0; i < len; i++)
    {
      if (m[i].size == 0)
        return FAIL ("%s[%zu].size: must not be 0", name, i);
      if ((uint64_t) m[i].container_id + m[i].size > UINT32_MAX)
        return FAIL ("%s[%zu]: containerID %" PRIu32 " + size %" PRIu32 " goes past the last id 4294967294",
                     name, i, m[i].container_id, m[i].size);
      if ((uint64_t) m[i].host_id + m[i].size > UINT32_MAX)
        return FAIL ("%s[%zu]: hostID %" PRIu32 " + size %" PRIu32 " goes past the last id 4294967294", name,
                     i, m[i].host_id, m[i].size);
      for (size_t j = 0; j < i; j++)
        if (ranges_overlap (m[i].container_id, m[j].container_id, m[i].size, m[j].size)
            || ranges_overlap (m[i].host_id, m[j].host_id, m[i].size, m[j].size))
          return FAIL ("%s[%zu]: overlaps %s[%zu]", name, i, name, j);
    }
  return 0;
}

static int
check_id_mappings (const struct oci_linux *l, struct ocirt_error **err)
{
  const struct oci_namespace *user = spec_find_namespace (l, "user");

  if (spec_check_id_mappings ("linux.uidMappings", l->uid_mappings, l->uid_mappings_len, err) < 0
      || spec_check_id_mappings ("linux.gidMappings", l->gid_mappings, l->gid_mappings_len, err) < 0)
    return -(*err)->code;

  if (user == NULL)
    {
      if (l->uid_mappings_len || l->gid_mappings_len)
        return FAIL ("linux.uidMappings: user namespace mappings need a user namespace in linux.namespaces");
      return 0;
    }
  /* A new user namespace without maps leaves every id unmapped (nobody),
     so nothing could even be set up inside it: refuse it as runc does. */
  if (user->path == NULL && l->uid_mappings_len == 0)
    return FAIL ("linux.uidMappings: a new user namespace needs uid mappings");
  if (user->path == NULL && l->gid_mappings_len == 0)
    return FAIL ("linux.gidMappings: a new user namespace needs gid mappings");
  return 0;
}

/* Offsets can only be written to a time namespace no process has entered
   yet (time_namespaces(7)), so they need a new one. */
static int
check_time_offsets (const struct oci_linux *l, struct ocirt_error **err)
{
  const struct oci_namespace *time_ns = spec_find_namespace (l, "time");

  if (l->time_offsets == NULL)
    return 0;
  if (time_ns == NULL || time_ns->path)
    return FAIL ("linux.timeOffsets: needs a new time namespace in linux.namespaces");
  return 0;
}

/* --- devices and network devices ----------------------------------------- */

static int
check_devices (const struct oci_linux *l, struct ocirt_error **err)
{
  static const char *const types[] = { "c", "b", "u", "p", NULL };

  for (size_t i = 0; i < l->devices_len; i++)
    {
      const struct oci_device *d = &l->devices[i];

      if (!spec_in_list (d->type, types))
        return FAIL ("linux.devices[%zu].type: must be c, b, u or p, got \"%s\"", i, STR (d->type));
      if (d->path == NULL || d->path[0] != '/')
        return FAIL ("linux.devices[%zu].path: must be an absolute path, got \"%s\"", i, STR (d->path));
      if (strcmp (d->type, "p") == 0 && (d->major || d->minor))
        return FAIL ("linux.devices[%zu]: a fifo (type p) takes no major/minor", i);
      if (d->major < 0 || d->minor < 0)
        return FAIL ("linux.devices[%zu]: major and minor must not be negative", i);
    }
  return 0;
}

/* The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':'
   or white space. */
static bool
ifname_valid (const char *name)
{
  size_t len = name ? strlen (name) : 0;

  if (len == 0 || len >= 16 || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return false;
  return strpbrk (name, "/: \t\n\r\v\f") == NULL;
}

static int
check_net_devices (const struct oci_linux *l, struct ocirt_error **err)
{
  const struct oci_net_devices *nd = l->net_devices;

  if (nd == NULL || nd->len == 0)
    return 0;
  /* Moving an interface into the host's own namespace is meaningless. */
  if (spec_find_namespace (l, "network") == NULL)
    return FAIL ("linux.netDevices: needs a network namespace in linux.namespaces");
  for (size_t i = 0; i < nd->len; i++)
    {
      if (!ifname_valid (nd->keys[i]))
        return FAIL ("linux.netDevices: invalid interface name \"%s\"", STR (nd->keys[i]));
      if (nd->values[i].name && !ifname_valid (nd->values[i].name))
        return FAIL ("linux.netDevices.%s.name: invalid interface name \"%s\"", nd->keys[i],
                     nd->values[i].name);
    }
  return 0;
}

/* --- sysctl --------------------------------------------------------------- */

/* sysctl(8) also accepts '/' as the separator ("net/ipv4/ip_forward"); then
   a '.' inside a component (an interface "eth0.100") is literal. Returns the
   dotted form, malloc'ed, or NULL. */
static char *
sysctl_dotted (const char *key)
{
  char *s = strdup (key);
  size_t sep = strcspn (s ? s : "", "./");

  if (s && s[sep] == '/')
    for (char *p = s; *p; p++)
      *p = *p == '/' ? '.' : *p == '.' ? '/' : *p;
  return s;
}

/* Whether the network namespace the container uses is the runtime's own. */
static int
uses_host_netns (const struct oci_linux *l, bool *ret, struct ocirt_error **err)
{
  const struct oci_namespace *net = spec_find_namespace (l, "network");
  struct stat self, other;

  *ret = net == NULL;
  if (net == NULL || net->path == NULL)
    return 0;
  if (stat ("/proc/self/ns/net", &self) < 0)
    return ocirt_error_set (err, errno, "stat `/proc/self/ns/net`");
  if (stat (net->path, &other) < 0)
    return ocirt_error_set (err, errno, "linux.namespaces: network path `%s`", net->path);
  *ret = self.st_dev == other.st_dev && self.st_ino == other.st_ino;
  return 0;
}

/* Only sysctls that the namespaces of the container isolate may be set:
   anything else would change the host (the rules runc applies). */
static int
check_sysctl_key (const struct oci_linux *l, const char *key, struct ocirt_error **err)
{
  static const char *const ipc_keys[]
      = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",          "kernel.sem", "kernel.shmall",
          "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL };
  _cleanup_free_ char *k = sysctl_dotted (key);
  bool hostnet;

  if (k == NULL)
    return ocirt_error_set (err, ENOMEM, "linux.sysctl");
  if (spec_in_list (k, ipc_keys) || strncmp (k, "fs.mqueue.", 10) == 0)
    {
      if (spec_find_namespace (l, "ipc") == NULL)
        return FAIL ("linux.sysctl: \"%s\" needs an ipc namespace in linux.namespaces", key);
      return 0;
    }
  if (strncmp (k, "net.", 4) == 0)
    {
      if (uses_host_netns (l, &hostnet, err) < 0)
        return ocirt_error_prefix (err, "linux.sysctl: \"%s\"", key);
      if (hostnet)
        return FAIL ("linux.sysctl: \"%s\" is not allowed in the host's network namespace", key);
      return 0;
    }
  if (spec_find_namespace (l, "uts") && strcmp (k, "kernel.domainname") == 0)
    return 0;
  if (spec_find_namespace (l, "uts") && strcmp (k, "kernel.hostname") == 0)
    return FAIL ("linux.sysctl: \"%s\" is not allowed, set the `hostname` field instead", key);
  return FAIL ("linux.sysctl: \"%s\" is not isolated by any namespace of the container", key);
}

static int
check_sysctl (const struct oci_linux *l, struct ocirt_error **err)
{
  for (size_t i = 0; l->sysctl && i < l->sysctl->len; i++)
    if (check_sysctl_key (l, STR (l->sysctl->keys[i]), err) < 0)
      return -(*err)->code;
  return 0;
}

/* --- seccomp -------------------------------------------------------------- */

static const char *const seccomp_actions[] = {
  "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",   "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY", NULL,
};

static const char *const seccomp_arches[] = {
  "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",     "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",    "SCMP_ARCH_MIPS",
  "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",         "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",
  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",      "SCMP_ARCH_SHEB",
  "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64", NULL,
};

static const char *const seccomp_operators[] = {
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
  "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static const char *const seccomp_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
  NULL,
};

/* config-linux.md: only actions that carry an errno may have errnoRet. */
static bool
action_takes_errno (const char *action)
{
  return strcmp (action, "SCMP_ACT_ERRNO") == 0 || strcmp (action, "SCMP_ACT_TRACE") == 0;
}

static int
check_syscall (const struct oci_seccomp *s, size_t i, struct ocirt_error **err)
{
  const struct oci_syscall *sc = &s->syscalls[i];

  if (sc->names_len == 0)
    return FAIL ("linux.seccomp.syscalls[%zu].names: must contain at least one entry", i);
  if (!spec_in_list (sc->action, seccomp_actions))
    return FAIL ("linux.seccomp.syscalls[%zu].action: unknown action \"%s\"", i, STR (sc->action));
  if (sc->errno_ret_present && !action_takes_errno (sc->action))
    return FAIL ("linux.seccomp.syscalls[%zu].errnoRet: %s takes no errno", i, sc->action);
  /* The notify fd is handed over by the runtime with write(2)-family calls
     after the filter is loaded; trapping write would hang it (runc refuses
     the same). */
  for (size_t j = 0; strcmp (sc->action, "SCMP_ACT_NOTIFY") == 0 && j < sc->names_len; j++)
    if (strcmp (STR (sc->names[j]), "write") == 0)
      return FAIL ("linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY cannot be used for the write syscall", i);
  for (size_t j = 0; j < sc->args_len; j++)
    {
      if (sc->args[j].index > 5)
        return FAIL ("linux.seccomp.syscalls[%zu].args[%zu].index: %" PRIu32 " is outside 0..5", i, j,
                     sc->args[j].index);
      if (!spec_in_list (sc->args[j].op, seccomp_operators))
        return FAIL ("linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"", i, j,
                     STR (sc->args[j].op));
    }
  return 0;
}

static bool
seccomp_uses_notify (const struct oci_seccomp *s)
{
  for (size_t i = 0; i < s->syscalls_len; i++)
    if (s->syscalls[i].action && strcmp (s->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
      return true;
  return false;
}

static int
check_seccomp (const struct oci_seccomp *s, struct ocirt_error **err)
{
  if (s == NULL)
    return 0;
  if (!spec_in_list (s->default_action, seccomp_actions))
    return FAIL ("linux.seccomp.defaultAction: unknown action \"%s\"", STR (s->default_action));
  /* Every syscall of the container, the runtime's last steps included, would
     wait for an agent that has not been given the fd yet. */
  if (strcmp (s->default_action, "SCMP_ACT_NOTIFY") == 0)
    return FAIL ("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  if (s->default_errno_ret_present && !action_takes_errno (s->default_action))
    return FAIL ("linux.seccomp.defaultErrnoRet: %s takes no errno", s->default_action);
  for (size_t i = 0; i < s->architectures_len; i++)
    if (!spec_in_list (s->architectures[i], seccomp_arches))
      return FAIL ("linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i,
                   STR (s->architectures[i]));
  for (size_t i = 0; i < s->flags_len; i++)
    if (!spec_in_list (s->flags[i], seccomp_flags))
      return FAIL ("linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, STR (s->flags[i]));
  if (s->listener_metadata && s->listener_path == NULL)
    return FAIL ("linux.seccomp.listenerMetadata: must not be set without listenerPath");
  if (s->listener_path && s->listener_path[0] != '/')
    return FAIL ("linux.seccomp.listenerPath: must be an absolute path, got \"%s\"", s->listener_path);
  if (seccomp_uses_notify (s) && s->listener_path == NULL)
    return FAIL ("linux.seccomp.listenerPath: SCMP_ACT_NOTIFY needs a listener socket");
  for (size_t i = 0; i < s->syscalls_len; i++)
    if (check_syscall (s, i, err) < 0)
      return -(*err)->code;
  return 0;
}

/* --- paths, propagation, cgroupsPath ------------------------------------- */

static int
check_path_list (const char *name, char **paths, size_t len, struct ocirt_error **err)
{
  for (size_t i = 0; i < len; i++)
    if (paths[i] == NULL || paths[i][0] != '/')
      return FAIL ("linux.%s[%zu]: must be an absolute path, got \"%s\"", name, i, STR (paths[i]));
  return 0;
}

static int
check_paths (const struct oci_linux *l, struct ocirt_error **err)
{
  /* runc accepts the recursive spellings too, and callers send them. */
  static const char *const propagations[]
      = { "private", "shared", "slave", "unbindable", "rprivate", "rshared", "rslave", "runbindable", NULL };

  if (l->rootfs_propagation && !spec_in_list (l->rootfs_propagation, propagations))
    return FAIL ("linux.rootfsPropagation: unknown propagation \"%s\"", l->rootfs_propagation);
  if (check_path_list ("maskedPaths", l->masked_paths, l->masked_paths_len, err) < 0
      || check_path_list ("readonlyPaths", l->readonly_paths, l->readonly_paths_len, err) < 0)
    return -(*err)->code;
  /* Masking paths in the host's mount namespace would hide them on the host. */
  if ((l->masked_paths_len || l->readonly_paths_len) && spec_find_namespace (l, "mount") == NULL)
    return FAIL ("linux.maskedPaths: masked and read-only paths need a mount namespace in linux.namespaces");
  /* A ".." component would climb out of the cgroup hierarchy we manage. */
  if (l->cgroups_path)
    for (const char *p = l->cgroups_path; (p = strstr (p, "..")) != NULL; p += 2)
      if ((p == l->cgroups_path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
        return FAIL ("linux.cgroupsPath: must not contain \"..\" components, got \"%s\"", l->cgroups_path);
  return 0;
}

/* --- linux.resources ---------------------------------------------------- */

static int
check_device_rules (const struct oci_resources *r, const char *pfx, struct ocirt_error **err)
{
  static const char *const types[] = { "a", "c", "b", NULL };

  for (size_t i = 0; i < r->devices_len; i++)
    {
      const struct oci_device_cgroup *d = &r->devices[i];

      if (d->type && !spec_in_list (d->type, types))
        return FAIL ("%s.devices[%zu].type: must be a, c or b, got \"%s\"", pfx, i, d->type);
      if (d->access && d->access[strspn (d->access, "rwm")] != '\0')
        return FAIL ("%s.devices[%zu].access: only the letters r, w and m are allowed, got \"%s\"", pfx, i,
                     d->access);
      if ((d->major_present && d->major < -1) || (d->minor_present && d->minor < -1))
        return FAIL ("%s.devices[%zu]: major and minor must be -1 (all) or a device number", pfx, i);
    }
  return 0;
}

/* Limits are bytes or -1 for unlimited. The swap rule is the kernel's:
   memory.memsw (v1) cannot be below memory.limit, and the v2 conversion
   (swap - limit) needs both. */
static int
check_memory (const struct oci_memory *m, const char *pfx, struct ocirt_error **err)
{
  const struct
  {
    const char *name;
    int64_t value;
    bool present;
  } limits[] = {
    { "limit", m->limit, m->limit_present },
    { "reservation", m->reservation, m->reservation_present },
    { "swap", m->swap, m->swap_present },
    { "kernel", m->kernel, m->kernel_present },
    { "kernelTCP", m->kernel_tcp, m->kernel_tcp_present },
  };

  for (size_t i = 0; i < ARRAY_SIZE (limits); i++)
    if (limits[i].present && limits[i].value < -1)
      return FAIL ("%s.memory.%s: %" PRId64 " is below -1", pfx, limits[i].name, limits[i].value);
  if (m->swap_present && m->swap > 0)
    {
      /* `update --memory-swap` alone keeps the limit the cgroup has. */
      if ((!m->limit_present || m->limit <= 0) && strcmp (pfx, SPEC_UPDATE_PREFIX) != 0)
        return FAIL ("%s.memory.swap: a swap limit needs a memory limit", pfx);
      if (m->limit_present && m->limit > 0 && m->swap < m->limit)
        return FAIL ("%s.memory.swap: %" PRId64 " is below memory.limit %" PRId64
                     " (swap counts memory+swap)",
                     pfx, m->swap, m->limit);
    }
  if (m->swappiness_present && m->swappiness > 100)
    return FAIL ("%s.memory.swappiness: %" PRIu64 " is outside 0..100", pfx, m->swappiness);
  return 0;
}

static int
check_cpu (const struct oci_cpu *c, const char *pfx, struct ocirt_error **err)
{
  if (c->quota_present && c->quota < -1)
    return FAIL ("%s.cpu.quota: %" PRId64 " is below -1", pfx, c->quota);
  /* config-linux.md: burst MUST be no larger than a positive quota. */
  if (c->burst_present && c->quota_present && c->quota > 0 && c->burst > (uint64_t) c->quota)
    return FAIL ("%s.cpu.burst: %" PRIu64 " is larger than quota %" PRId64, pfx, c->burst, c->quota);
  /* The CFS period the kernel accepts: 1ms..1s (0 leaves it unset). */
  if (c->period_present && c->period != 0 && (c->period < 1000 || c->period > 1000000))
    return FAIL ("%s.cpu.period: %" PRIu64 " is outside 1000..1000000 microseconds", pfx, c->period);
  if (c->realtime_runtime_present && c->realtime_runtime < -1)
    return FAIL ("%s.cpu.realtimeRuntime: %" PRId64 " is below -1", pfx, c->realtime_runtime);
  if (c->cpus && !spec_cpu_list_valid (c->cpus))
    return FAIL ("%s.cpu.cpus: invalid CPU list \"%s\"", pfx, c->cpus);
  if (c->mems && !spec_cpu_list_valid (c->mems))
    return FAIL ("%s.cpu.mems: invalid node list \"%s\"", pfx, c->mems);
  if (c->idle_present && c->idle != 0 && c->idle != 1)
    return FAIL ("%s.cpu.idle: must be 0 or 1, got %" PRId64, pfx, c->idle);
  return 0;
}

/* blkio weights are 10..1000; 0 means "not set" to runc and its callers. */
static bool
weight_valid (uint16_t w)
{
  return w == 0 || (w >= 10 && w <= 1000);
}

static int
check_block_io (const struct oci_block_io *b, const char *pfx, struct ocirt_error **err)
{
  if (b->weight_present && !weight_valid (b->weight))
    return FAIL ("%s.blockIO.weight: %u is outside 10..1000", pfx, b->weight);
  if (b->leaf_weight_present && !weight_valid (b->leaf_weight))
    return FAIL ("%s.blockIO.leafWeight: %u is outside 10..1000", pfx, b->leaf_weight);
  for (size_t i = 0; i < b->weight_device_len; i++)
    {
      const struct oci_block_io_device_weight *w = &b->weight_device[i];

      /* config-linux.md: at least one of weight and leafWeight MUST be given. */
      if (!w->weight_present && !w->leaf_weight_present)
        return FAIL ("%s.blockIO.weightDevice[%zu]: needs weight or leafWeight", pfx, i);
      if ((w->weight_present && !weight_valid (w->weight))
          || (w->leaf_weight_present && !weight_valid (w->leaf_weight)))
        return FAIL ("%s.blockIO.weightDevice[%zu]: weights must be within 10..1000", pfx, i);
    }
  return 0;
}

/* "2MB", "1GB", "64KB": the names of the hugetlb controller's files. */
static bool
page_size_valid (const char *s)
{
  size_t digits = s ? strspn (s, "0123456789") : 0;

  return digits > 0 && s[0] != '0' && strchr ("KMG", s[digits]) && s[digits] != '\0' && s[digits + 1] == 'B'
         && s[digits + 2] == '\0';
}

/* Each key names a file of the container's cgroup directory; it must not
   reach any other. */
static bool
unified_key_valid (const char *k)
{
  return k && k[0] && strcmp (k, ".") != 0 && strcmp (k, "..") != 0 && strchr (k, '/') == NULL;
}

static int
check_resource_maps (const struct oci_resources *r, const char *pfx, struct ocirt_error **err)
{
  for (size_t i = 0; i < r->hugepage_limits_len; i++)
    if (!page_size_valid (r->hugepage_limits[i].page_size))
      return FAIL ("%s.hugepageLimits[%zu].pageSize: expected a size such as \"2MB\", got \"%s\"", pfx, i,
                   STR (r->hugepage_limits[i].page_size));
  for (size_t i = 0; r->rdma && i < r->rdma->len; i++)
    if (!r->rdma->values[i].hca_handles_present && !r->rdma->values[i].hca_objects_present)
      return FAIL ("%s.rdma.%s: needs hcaHandles or hcaObjects", pfx, STR (r->rdma->keys[i]));
  for (size_t i = 0; r->unified && i < r->unified->len; i++)
    if (!unified_key_valid (r->unified->keys[i]))
      return FAIL ("%s.unified: \"%s\" is not a cgroup file name", pfx, STR (r->unified->keys[i]));
  return 0;
}

int
spec_validate_resources (const struct oci_resources *r, const char *pfx, struct ocirt_error **err)
{
  /* config-linux.md: -1 is "no limit" and 0 a real limit; nothing else
     below 0 means anything. */
  if (r->pids && r->pids->limit < -1)
    return FAIL ("%s.pids.limit: %" PRId64 " is below -1", pfx, r->pids->limit);
  if (check_device_rules (r, pfx, err) < 0 || (r->memory && check_memory (r->memory, pfx, err) < 0)
      || (r->cpu && check_cpu (r->cpu, pfx, err) < 0)
      || (r->block_io && check_block_io (r->block_io, pfx, err) < 0) || check_resource_maps (r, pfx, err) < 0)
    return -(*err)->code;
  return 0;
}

/* --- intelRdt, personality, memoryPolicy --------------------------------- */

static int
check_intel_rdt (const struct oci_intel_rdt *r, struct ocirt_error **err)
{
  if (r == NULL)
    return 0;
  /* closID names a directory of resctrl; "/" is the spec's default CLOS. */
  if (r->clos_id && strcmp (r->clos_id, "/") != 0
      && (r->clos_id[0] == '\0' || strcmp (r->clos_id, ".") == 0 || strcmp (r->clos_id, "..") == 0
          || strchr (r->clos_id, '/')))
    return FAIL ("linux.intelRdt.closID: invalid name \"%s\"", r->clos_id);
  if (r->mem_bw_schema && (strncmp (r->mem_bw_schema, "MB:", 3) != 0 || strchr (r->mem_bw_schema, '\n')))
    return FAIL ("linux.intelRdt.memBwSchema: must start with \"MB:\" and be one line");
  if (r->l3_cache_schema && strchr (r->l3_cache_schema, '\n'))
    return FAIL ("linux.intelRdt.l3CacheSchema: must be one line");
  for (size_t i = 0; i < r->schemata_len; i++)
    if (r->schemata[i] && strchr (r->schemata[i], '\n'))
      return FAIL ("linux.intelRdt.schemata[%zu]: must be one line", i);
  /* config-linux.md: a runtime that cannot place the container in resctrl
     MUST fail, not run it unconfined (config.md, "Valid values"). */
  return FAIL ("linux.intelRdt: Intel RDT (resctrl) is not supported by ocirt");
}

static int
check_personality (const struct oci_personality *p, struct ocirt_error **err)
{
  static const char *const domains[] = { "LINUX", "LINUX32", NULL };

  if (p == NULL)
    return 0;
  if (!spec_in_list (p->domain, domains))
    return FAIL ("linux.personality.domain: must be LINUX or LINUX32, got \"%s\"", STR (p->domain));
  /* config-linux.md: "Currently no flag values are supported". */
  if (p->flags_len)
    return FAIL ("linux.personality.flags: no flags are supported, got \"%s\"", STR (p->flags[0]));
  return 0;
}

static int
check_memory_policy (const struct oci_memory_policy *m, struct ocirt_error **err)
{
  static const char *const modes[]
      = { "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
          "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",      NULL };
  static const char *const no_nodes[] = { "MPOL_DEFAULT", "MPOL_LOCAL", NULL };
  static const char *const need_nodes[]
      = { "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED_MANY", NULL };
  static const char *const flags[]
      = { "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES", NULL };
  bool has_nodes, relative = false, fixed = false;

  if (m == NULL)
    return 0;
  if (!spec_in_list (m->mode, modes))
    return FAIL ("linux.memoryPolicy.mode: unknown mode \"%s\"", STR (m->mode));
  if (m->nodes && !spec_cpu_list_valid (m->nodes))
    return FAIL ("linux.memoryPolicy.nodes: invalid node list \"%s\"", m->nodes);
  has_nodes = m->nodes && m->nodes[strspn (m->nodes, " ")] != '\0';
  /* set_mempolicy(2) fails with EINVAL for these combinations. */
  if (has_nodes && spec_in_list (m->mode, no_nodes))
    return FAIL ("linux.memoryPolicy.nodes: %s takes no nodes", m->mode);
  if (!has_nodes && spec_in_list (m->mode, need_nodes))
    return FAIL ("linux.memoryPolicy.nodes: %s needs at least one node", m->mode);
  for (size_t i = 0; i < m->flags_len; i++)
    {
      if (!spec_in_list (m->flags[i], flags))
        return FAIL ("linux.memoryPolicy.flags[%zu]: unknown flag \"%s\"", i, STR (m->flags[i]));
      relative |= strcmp (m->flags[i], "MPOL_F_RELATIVE_NODES") == 0;
      fixed |= strcmp (m->flags[i], "MPOL_F_STATIC_NODES") == 0;
    }
  if (relative && fixed)
    return FAIL (
        "linux.memoryPolicy.flags: MPOL_F_RELATIVE_NODES and MPOL_F_STATIC_NODES exclude each other");
  return 0;
}

int
spec_validate_linux (const struct oci_linux *l, struct ocirt_error **err)
{
  if (check_namespaces (l, err) < 0 || check_id_mappings (l, err) < 0 || check_time_offsets (l, err) < 0
      || check_devices (l, err) < 0 || check_net_devices (l, err) < 0 || check_paths (l, err) < 0
      || check_seccomp (l->seccomp, err) < 0 || check_intel_rdt (l->intel_rdt, err) < 0
      || check_personality (l->personality, err) < 0 || check_memory_policy (l->memory_policy, err) < 0)
    return -(*err)->code;
  if (l->resources && spec_validate_resources (l->resources, "linux.resources", err) < 0)
    return -(*err)->code;
  /* Last: it is the only check that looks at the host (a netns path). */
  if (check_sysctl (l, err) < 0)
    return -(*err)->code;
  return 0;
}
