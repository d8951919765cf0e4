/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/defaults.h"
#include "ocispec.h"

/* The values of runc 1.1's `runc spec`, which people and tools expect from
   `spec`. Lists are NULL-terminated. */

static const char *const default_env[] = {
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "TERM=xterm",
  NULL,
};

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };

struct default_mount
{
  const char *destination, *type, *source;
  const char *options[8];
};

static const struct default_mount default_mounts[] = {
  { "/proc", "proc", "proc", { NULL } },
  { "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
  { "/dev/pts",
    "devpts",
    "devpts",
    { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
  { "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
  { "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
  { "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
  { "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro", NULL } },
};

/* Without a user namespace of its own the caller cannot mount a new sysfs:
   bind the host's read-only instead (what runc does for --rootless). */
static const struct default_mount rootless_sys
    = { "/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro", NULL } };

static const char *const default_namespaces[] = { "pid", "network", "ipc", "uts", "mount", NULL };
static const char *const rootless_namespaces[] = { "pid", "ipc", "uts", "mount", "user", NULL };

static const char *const default_masked[] = {
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/sys/firmware",
  "/proc/scsi",
  NULL,
};

static const char *const default_readonly[]
    = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };

/* Copies a NULL-terminated list, leaving out entries starting with `skip`
   (when not NULL). Returns -ENOMEM; an empty result stays NULL (absent). */
static int
strv_copy (const char *const *list, const char *skip, char ***ret, size_t *ret_len)
{
  size_t n = 0, len = 0;
  char **v;

  while (list[n])
    n++;
  if (n == 0)
    return 0;
  if ((v = calloc (n, sizeof *v)) == NULL)
    return -ENOMEM;
  *ret = v; /* owned by the config from here on, freed with it */
  for (size_t i = 0; i < n; i++)
    {
      if (skip && strncmp (list[i], skip, strlen (skip)) == 0)
        continue;
      if ((v[len] = strdup (list[i])) == NULL)
        return -ENOMEM;
      *ret_len = ++len;
    }
  return 0;
}

static int
set_str (char **dst, const char *value)
{
  return (*dst = strdup (value)) ? 0 : -ENOMEM;
}

static int
build_process (struct oci_process *p)
{
  struct oci_capabilities *caps;

  p->terminal = true;
  p->cwd = strdup ("/");
  p->user = calloc (1, sizeof *p->user); /* uid 0, gid 0 */
  p->capabilities = caps = calloc (1, sizeof *caps);
  p->rlimits = calloc (1, sizeof *p->rlimits);
  if (p->cwd == NULL || p->user == NULL || caps == NULL || p->rlimits == NULL)
    return -ENOMEM;
  p->rlimits_len = 1;
  p->rlimits[0].soft = p->rlimits[0].hard = 1024;
  p->no_new_privileges = true;
  /* No inheritable or ambient set: they would let a process that is not
     root keep these capabilities across execve. */
  if (set_str (&p->rlimits[0].type, "RLIMIT_NOFILE") < 0
      || strv_copy ((const char *const[]){ "sh", NULL }, NULL, &p->args, &p->args_len) < 0
      || strv_copy (default_env, NULL, &p->env, &p->env_len) < 0
      || strv_copy (default_caps, NULL, &caps->bounding, &caps->bounding_len) < 0
      || strv_copy (default_caps, NULL, &caps->effective, &caps->effective_len) < 0
      || strv_copy (default_caps, NULL, &caps->permitted, &caps->permitted_len) < 0)
    return -ENOMEM;
  return 0;
}

static int
build_mounts (struct oci_config *c, bool rootless)
{
  c->mounts = calloc (ARRAY_SIZE (default_mounts), sizeof *c->mounts);
  if (c->mounts == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < ARRAY_SIZE (default_mounts); i++)
    {
      const struct default_mount *d = &default_mounts[i];
      struct oci_mount *m = &c->mounts[i];

      if (rootless && strcmp (d->destination, "/sys") == 0)
        d = &rootless_sys;
      c->mounts_len = i + 1;
      /* gid=5 names the host's tty group, which is unmapped in a rootless
         user namespace: devpts would refuse the mount. */
      if (set_str (&m->destination, d->destination) < 0 || set_str (&m->type, d->type) < 0
          || set_str (&m->source, d->source) < 0
          || strv_copy (d->options, rootless ? "gid=" : NULL, &m->options, &m->options_len) < 0)
        return -ENOMEM;
    }
  return 0;
}

static int
build_id_mapping (struct oci_id_mapping **ret, size_t *ret_len, uint32_t host_id)
{
  if ((*ret = calloc (1, sizeof **ret)) == NULL)
    return -ENOMEM;
  *ret_len = 1;
  (*ret)->host_id = host_id;
  (*ret)->size = 1;
  return 0;
}

static int
build_linux (struct oci_linux *l, bool rootless)
{
  const char *const *ns = rootless ? rootless_namespaces : default_namespaces;
  size_t n = 0;

  while (ns[n])
    n++;
  if ((l->namespaces = calloc (n, sizeof *l->namespaces)) == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < n; i++)
    {
      l->namespaces_len = i + 1;
      if (set_str (&l->namespaces[i].type, ns[i]) < 0)
        return -ENOMEM;
    }
  if (strv_copy (default_masked, NULL, &l->masked_paths, &l->masked_paths_len) < 0
      || strv_copy (default_readonly, NULL, &l->readonly_paths, &l->readonly_paths_len) < 0)
    return -ENOMEM;
  if (rootless)
    /* An unprivileged user cannot program the devices controller, so the
       rootless variant has no resources at all. */
    return build_id_mapping (&l->uid_mappings, &l->uid_mappings_len, geteuid ()) < 0
                   || build_id_mapping (&l->gid_mappings, &l->gid_mappings_len, getegid ()) < 0
               ? -ENOMEM
               : 0;
  /* Deny every device; the runtime allows the default ones itself. */
  if ((l->resources = calloc (1, sizeof *l->resources)) == NULL
      || (l->resources->devices = calloc (1, sizeof *l->resources->devices)) == NULL)
    return -ENOMEM;
  l->resources->devices_len = 1;
  return set_str (&l->resources->devices[0].access, "rwm");
}

int
defaults_config (bool rootless, struct oci_config **ret, struct ocirt_error **err)
{
  _cleanup_config_ struct oci_config *c = calloc (1, sizeof *c);

  if (c == NULL)
    return ocirt_error_set (err, ENOMEM, "default config");
  c->root = calloc (1, sizeof *c->root);
  c->process = calloc (1, sizeof *c->process);
  c->linux_ = calloc (1, sizeof *c->linux_);
  if (c->root == NULL || c->process == NULL || c->linux_ == NULL)
    return ocirt_error_set (err, ENOMEM, "default config");
  c->root->readonly = true;
  if (set_str (&c->oci_version, OCI_VERSION) < 0 || set_str (&c->root->path, "rootfs") < 0
      || set_str (&c->hostname, "ocirt") < 0 || build_process (c->process) < 0
      || build_mounts (c, rootless) < 0 || build_linux (c->linux_, rootless) < 0)
    return ocirt_error_set (err, ENOMEM, "default config");
  *ret = TAKE_PTR (c);
  return 0;
}
