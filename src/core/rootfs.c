/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/devices.h"
#include "core/mount.h"
#include "core/mountopt.h"
#include "core/rootfs.h"
#include "util/log.h"
#include "util/path.h"
#include "util/procfs.h"

struct rootfs_ctx
{
  const struct oci_config *config;
  char *rootfs;
  int root_fd;               /* O_PATH: the root of the rootfs bind mount, "/" after the pivot */
  unsigned long propagation; /* linux.rootfsPropagation as MS_* flags, 0 if absent */
  char **ro_later;           /* read-only tmpfs destinations mounted read-write for now */
  size_t ro_later_len;
  const int *bind_trees; /* per mounts[] entry: a tree the runtime made, or -1 (NULL: none) */
  bool *mounted;         /* per mounts[] entry: done ahead (rootfs_setup_ahead) */
  bool root_prepared;    /* prepare_root done */
  bool devices_done;     /* the devices and /dev links made */
};

void
rootfs_ctx_free (struct rootfs_ctx *ctx)
{
  if (ctx == NULL)
    return;
  if (ctx->root_fd >= 0)
    close (ctx->root_fd);
  for (size_t i = 0; i < ctx->ro_later_len; i++)
    free (ctx->ro_later[i]);
  free (ctx->ro_later);
  free (ctx->mounted);
  free (ctx->rootfs);
  free (ctx);
}

static const struct oci_linux *
linux_of (const struct rootfs_ctx *ctx)
{
  static const struct oci_linux none = { 0 };
  return ctx->config->linux_ ? ctx->config->linux_ : &none;
}

/* The mount holding `path` (the longest mount point that is `path` or one of
   its parents), from /proc/self/mountinfo; *ret_shared if it propagates. */
static int
parent_mount (const char *path, char **ret, bool *ret_shared)
{
  /* thread-self: the mount namespace of the caller itself, whatever
     thread it is. */
  _cleanup_fclose_ FILE *f = fopen ("/proc/thread-self/mountinfo", "re");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0, best = 0;

  if (f == NULL)
    return -errno;
  *ret = NULL;
  while (getline (&line, &cap, f) > 0)
    {
      char mp[4096];
      if (sscanf (line, "%*s %*s %*s %*s %4095s", mp) != 1)
        continue;
      size_t n = strlen (mp);
      bool parent
          = strcmp (mp, "/") == 0 || (strncmp (path, mp, n) == 0 && (path[n] == '/' || path[n] == '\0'));
      if (!parent || n < best)
        continue;
      char *dash = strstr (line, " - ");
      char *shared = strstr (line, " shared:");
      free (*ret);
      *ret = strdup (mp);
      if (*ret == NULL)
        return -ENOMEM;
      *ret_shared = shared && (dash == NULL || shared < dash);
      best = n;
    }
  return *ret ? 0 : -ENOENT;
}

/* runc's prepareRoot: "/" rslave (or the configured propagation) so nothing
   done here reaches the host, the rootfs's parent mount private (pivot_root
   refuses a shared parent, and the bind below must not propagate), then the
   rootfs bound onto itself so it is a mount point of its own. */
static int
prepare_root (struct rootfs_ctx *ctx, struct ocirt_error **err)
{
  unsigned long flag = ctx->propagation ? ctx->propagation : MS_SLAVE | MS_REC;
  _cleanup_free_ char *parent = NULL;
  bool shared = false;

  if (mount ("", "/", NULL, flag, NULL) < 0)
    return ocirt_error_set (err, errno, "set the propagation of `/`");
  /* After a recursive slave, private or unbindable no mount of ours is
     shared: only other propagations need the parent looked up. */
  bool none_shared = (flag & MS_REC) && (flag & (MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE));
  int r = none_shared ? 0 : parent_mount (ctx->rootfs, &parent, &shared);
  if (r < 0)
    return ocirt_error_set (err, -r, "find the mount of `%s`", ctx->rootfs);
  /* A slave parent is enough for pivot_root and keeps receiving the host's
     mount events, which rootfsPropagation "slave" promises. */
  if (shared && mount ("", parent, NULL, (flag & MS_SLAVE) ? MS_SLAVE : MS_PRIVATE, NULL) < 0)
    return ocirt_error_set (err, errno, "make `%s` private", parent);
  if (mount (ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return ocirt_error_set (err, errno, "bind the rootfs `%s` onto itself", ctx->rootfs);
  ctx->root_fd = open (ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ctx->root_fd < 0)
    return ocirt_error_set (err, errno, "open the rootfs `%s`", ctx->rootfs);
  return 0;
}

/* Walks *a and *b past the path components they share ("/dev/", "dev" and
   "//dev" are one path, "/dev2" another); true when one of them has no
   component left. */
static bool
walk_shared (const char **a, const char **b)
{
  for (;;)
    {
      *a += strspn (*a, "/");
      *b += strspn (*b, "/");
      if (**a == '\0' || **b == '\0')
        return true;
      size_t la = strcspn (*a, "/"), lb = strcspn (*b, "/");
      if (la != lb || strncmp (*a, *b, la) != 0)
        return false;
      *a += la;
      *b += lb;
    }
}

/* Is one of the two paths the other or below it? */
static bool
nested (const char *a, const char *b)
{
  return walk_shared (&a, &b);
}

static bool
is_dev (const char *dest)
{
  const char *dev = "/dev";

  return walk_shared (&dest, &dev) && *dest == '\0' && *dev == '\0';
}

/* runc creates devices unless /dev is a bind mount (then they are the host's). */
static bool
needs_dev_setup (const struct oci_config *config)
{
  for (size_t i = 0; i < config->mounts_len; i++)
    {
      const struct oci_mount *m = &config->mounts[i];
      bool bind = m->type && strcmp (m->type, "bind") == 0;
      for (size_t j = 0; !bind && j < m->options_len; j++)
        bind = strcmp (m->options[j], "bind") == 0 || strcmp (m->options[j], "rbind") == 0;
      if (bind && m->destination && is_dev (m->destination))
        return false;
    }
  return true;
}

static bool
has_namespace (const struct oci_linux *l, const char *type)
{
  for (size_t i = 0; i < l->namespaces_len; i++)
    if (l->namespaces[i].type && strcmp (l->namespaces[i].type, type) == 0)
      return true;
  return false;
}

static int
remember_ro (struct rootfs_ctx *ctx, const char *dest)
{
  char **n = realloc (ctx->ro_later, (ctx->ro_later_len + 1) * sizeof (char *));
  if (n == NULL)
    return -ENOMEM;
  ctx->ro_later = n;
  n[ctx->ro_later_len] = strdup (dest);
  if (n[ctx->ro_later_len] == NULL)
    return -ENOMEM;
  ctx->ro_later_len++;
  return 0;
}

static int
mount_one (struct rootfs_ctx *ctx, size_t i, struct ocirt_error **err)
{
  const struct oci_linux *l = linux_of (ctx);
  const struct oci_mount *m = &ctx->config->mounts[i];
  const char *dest = m->destination ? m->destination : "";
  struct mount_env env = {
    .cgroupns = has_namespace (l, "cgroup"),
    .uid_mappings = l->uid_mappings,
    .uid_mappings_len = l->uid_mappings_len,
    .gid_mappings = l->gid_mappings,
    .gid_mappings_len = l->gid_mappings_len,
    .source_tree = ctx->bind_trees ? ctx->bind_trees[i] : -1,
  };
  int r = mount_entry (ctx->root_fd, m, &env, err);

  if (r > 0)
    r = remember_ro (ctx, dest) < 0 ? ocirt_error_set (err, ENOMEM, "mount") : 0;
  if (r < 0)
    return ocirt_error_prefix (err, "mounts[%zu] (%s)", i, dest);
  ctx->mounted[i] = true;
  return 0;
}

/* The devices and /dev links, once, unless /dev is a bind mount. */
static int
make_devices (struct rootfs_ctx *ctx, struct ocirt_error **err)
{
  const struct oci_linux *l = linux_of (ctx);

  if (!ctx->devices_done && needs_dev_setup (ctx->config)
      && (devices_create (ctx->root_fd, l->devices, l->devices_len, err) < 0
          || devices_create_links (ctx->root_fd, err) < 0))
    return -(*err)->code;
  ctx->devices_done = true;
  return 0;
}

/* What of step 1 is left: the root, the mounts in order, the devices. */
static int
setup_rest (struct rootfs_ctx *ctx, struct ocirt_error **err)
{
  if (!ctx->root_prepared && prepare_root (ctx, err) < 0)
    return -(*err)->code;
  ctx->root_prepared = true;
  for (size_t i = 0; i < ctx->config->mounts_len; i++)
    if (!ctx->mounted[i] && mount_one (ctx, i, err) < 0)
      return -(*err)->code;
  return make_devices (ctx, err);
}

static int
ctx_new (const struct oci_config *config, const char *rootfs_path, struct rootfs_ctx **ret,
         struct ocirt_error **err)
{
  _cleanup_ (rootfs_ctx_freep) struct rootfs_ctx *ctx = calloc (1, sizeof (*ctx));
  if (ctx == NULL)
    return ocirt_error_set (err, ENOMEM, "rootfs");
  ctx->root_fd = -1;
  ctx->config = config;
  ctx->rootfs = strdup (rootfs_path);
  ctx->mounted = calloc (config->mounts_len + 1, sizeof (bool));
  if (ctx->rootfs == NULL || ctx->mounted == NULL)
    return ocirt_error_set (err, ENOMEM, "rootfs");
  const struct oci_linux *l = linux_of (ctx);
  if (l->rootfs_propagation && mountopt_propagation_flags (l->rootfs_propagation, &ctx->propagation) < 0)
    return ocirt_error_setx (err, EINVAL, "linux.rootfsPropagation: unknown value `%s`",
                             l->rootfs_propagation);
  *ret = TAKE_PTR (ctx);
  return 0;
}

int
rootfs_setup (const struct oci_config *config, const char *rootfs_path, const int *bind_trees,
              struct rootfs_ctx **ctx, struct ocirt_error **err)
{
  if (*ctx == NULL && ctx_new (config, rootfs_path, ctx, err) < 0)
    return -(*err)->code;
  (*ctx)->bind_trees = bind_trees;
  /* Every mount below goes through /proc/self/fd of this (the runtime's own)
     procfs: make sure it is one. */
  _cleanup_close_ int proc = procfs_open_root (err);
  if (proc < 0)
    return proc;
  return setup_rest (*ctx, err);
}

/* --- ahead of the init ------------------------------------------------------ */

/* Mounts that need nothing of what comes later: not cgroup (the cgroups),
   not a bind (sources, idmaps). */
static bool
type_ahead (const struct oci_mount *m)
{
  static const char *const types[] = { "proc", "tmpfs", "devpts", "mqueue", "sysfs" };
  bool known = false;

  for (size_t i = 0; m->type && i < ARRAY_SIZE (types); i++)
    known |= strcmp (m->type, types[i]) == 0;
  return known && !mountopt_names_bind (m->options, m->options_len);
}

/* No symlink on the way: the destination is then where its text says, and
   nested() tells every dependency between it and the mounts left to the
   init. One lookup tells: resolution stops at the first symlink (ELOOP) or
   at the first missing component (ENOENT: from there on we make plain
   directories). */
static bool
plain_path (int root_fd, const char *dest)
{
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
  const char *rel = dest + strspn (dest, "/");
  int fd;

  if (*rel == '\0' || strstr (dest, "..") != NULL)
    return false;
  fd = (int) syscall (SYS_openat2, root_fd, rel, &how, sizeof how);
  if (fd >= 0)
    close (fd);
  return fd >= 0 || errno == ENOENT;
}

int
rootfs_setup_ahead (const struct oci_config *config, const char *rootfs_path, struct rootfs_ctx **ret_ctx,
                    struct ocirt_error **err)
{
  _cleanup_ (rootfs_ctx_freep) struct rootfs_ctx *ctx = NULL;
  _cleanup_close_ int proc = -1;
  bool dev_left = false;

  if (ctx_new (config, rootfs_path, &ctx, err) < 0)
    return -(*err)->code;
  proc = procfs_open_root (err);
  if (proc < 0)
    return proc;
  if (prepare_root (ctx, err) < 0)
    return -(*err)->code;
  ctx->root_prepared = true;
  for (size_t i = 0; i < config->mounts_len; i++)
    {
      const struct oci_mount *m = &config->mounts[i];
      const char *dest = m->destination ? m->destination : "";
      bool ahead = type_ahead (m) && plain_path (ctx->root_fd, dest);
      /* After every earlier mount left to the init that it depends on. */
      for (size_t j = 0; ahead && j < i; j++)
        ahead = ctx->mounted[j]
                || !nested (dest, config->mounts[j].destination ? config->mounts[j].destination : "");
      if (ahead && mount_one (ctx, i, err) < 0)
        return -(*err)->code;
      dev_left |= !ctx->mounted[i] && nested (dest, "/dev");
    }
  if (!dev_left && make_devices (ctx, err) < 0)
    return -(*err)->code;
  *ret_ctx = TAKE_PTR (ctx);
  return 0;
}

int
rootfs_mount_console (struct rootfs_ctx *ctx, int console_fd, struct ocirt_error **err)
{
  return devices_mount_console (ctx->root_fd, console_fd, err);
}

/* --- step 2 ------------------------------------------------------------------ */

static int
pivot (struct rootfs_ctx *ctx, struct ocirt_error **err)
{
  _cleanup_close_ int oldroot = open ("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0)
    return ocirt_error_set (err, errno, "open `/`");
  if (fchdir (ctx->root_fd) < 0)
    return ocirt_error_set (err, errno, "chdir to the rootfs");
  /* pivot_root(".", "."): the old root ends up stacked on the new one, where
     it can be detached without needing a directory for it in the rootfs. */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return ocirt_error_set (err, errno, "pivot_root");
  if (fchdir (oldroot) < 0)
    return ocirt_error_set (err, errno, "chdir to the old root");
  /* rslave first, so the detach below does not unmount anything on the host. */
  if (mount ("", ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return ocirt_error_set (err, errno, "make the old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return ocirt_error_set (err, errno, "detach the old root");
  if (chdir ("/") < 0)
    return ocirt_error_set (err, errno, "chdir /");
  return 0;
}

/* The host's full procfs and sysfs mounts outside the rootfs stay reachable
   after a chroot; the kernel allows new proc/sysfs mounts only when no hidden
   one exists ("mount_too_revealing"), and they must not stay visible anyway:
   detach them, or cover them where that is not allowed. */
static int
hide_host_proc_sys (const char *rootfs, struct ocirt_error **err)
{
  _cleanup_fclose_ FILE *f = fopen ("/proc/self/mountinfo", "re");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0, rl = strlen (rootfs);

  if (f == NULL)
    return ocirt_error_set (err, errno, "open /proc/self/mountinfo");
  while (getline (&line, &cap, f) > 0)
    {
      char root[4096], mp[4096], type[64];
      char *dash = strstr (line, " - ");
      if (dash == NULL || sscanf (line, "%*s %*s %*s %4095s %4095s", root, mp) != 2
          || sscanf (dash + 3, "%63s", type) != 1)
        continue;
      if (strcmp (root, "/") != 0 || (strcmp (type, "proc") != 0 && strcmp (type, "sysfs") != 0)
          || (strncmp (mp, rootfs, rl) == 0 && (mp[rl] == '/' || mp[rl] == '\0')))
        continue;
      if (mount ("", mp, NULL, MS_SLAVE | MS_REC, NULL) < 0)
        {
          if (errno == ENOENT)
            continue; /* under something already detached */
          return ocirt_error_set (err, errno, "make `%s` rslave", mp);
        }
      if (umount2 (mp, MNT_DETACH) < 0 && mount ("tmpfs", mp, "tmpfs", MS_RDONLY, NULL) < 0)
        return ocirt_error_set (err, errno, "hide `%s`", mp);
    }
  return 0;
}

static int
move_root (struct rootfs_ctx *ctx, struct ocirt_error **err)
{
  if (hide_host_proc_sys (ctx->rootfs, err) < 0)
    return -(*err)->code;
  if (fchdir (ctx->root_fd) < 0)
    return ocirt_error_set (err, errno, "chdir to the rootfs");
  if (mount (ctx->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
    return ocirt_error_set (err, errno, "move the rootfs to `/`");
  if (chroot (".") < 0)
    return ocirt_error_set (err, errno, "chroot");
  if (chdir ("/") < 0)
    return ocirt_error_set (err, errno, "chdir /");
  return 0;
}

int
rootfs_pivot (struct rootfs_ctx *ctx, bool no_pivot, struct ocirt_error **err)
{
  if ((no_pivot ? move_root (ctx, err) : pivot (ctx, err)) < 0)
    return -(*err)->code;
  /* As runc: the configured propagation applies to the new "/" (private was
     already achieved before the pivot, and applying it to the old "/" would
     have reached the host when it is shared). */
  if (ctx->propagation && !(ctx->propagation & MS_PRIVATE)
      && mount ("", "/", NULL, ctx->propagation, NULL) < 0)
    return ocirt_error_set (err, errno, "linux.rootfsPropagation: set the propagation of `/`");
  return 0;
}

/* --- step 3 ------------------------------------------------------------------ */

static int
write_sysctls (struct rootfs_ctx *ctx, const struct oci_map *sysctl, struct ocirt_error **err)
{
  _cleanup_close_ int proc = path_open_in_root (ctx->root_fd, "/proc", O_PATH | O_DIRECTORY, 0, err);
  if (proc < 0 || procfs_check_proc (proc, "/proc", err) < 0)
    return ocirt_error_prefix (err, "linux.sysctl");
  for (size_t i = 0; i < sysctl->len; i++)
    {
      char path[4096];
      const char *key = sysctl->keys[i], *value = sysctl->values[i];
      /* sysctl(8): with a slash in the key the separator is "/", and dots are
         part of names (net/ipv4/conf/eth0.100/forwarding). */
      bool slashes = strchr (key, '/') != NULL;
      snprintf (path, sizeof (path), "sys/%s", key + strspn (key, "/"));
      for (char *p = path + 4; !slashes && *p; p++)
        if (*p == '.')
          *p = '/';
      _cleanup_close_ int fd = procfs_open (proc, path, O_WRONLY | O_TRUNC, err);
      size_t len = strlen (value);
      if (fd < 0)
        return ocirt_error_prefix (err, "linux.sysctl `%s`", key);
      if (write (fd, value, len) != (ssize_t) len)
        return ocirt_error_set (err, errno, "linux.sysctl `%s`: write `/proc/%s`", key, path);
    }
  return 0;
}

/* Opens a masked or read-only path; 0 (and no fd) when it does not exist. */
static int
open_listed_path (struct rootfs_ctx *ctx, const char *path, int *ret_fd, struct ocirt_error **err)
{
  int fd = path_open_in_root (ctx->root_fd, path, O_PATH, 0, NULL);
  if (fd == -ENOENT)
    return 0;
  if (fd < 0)
    return ocirt_error_set (err, -fd, "open `%s`", path);
  *ret_fd = fd;
  return 1;
}

static int
readonly_paths (struct rootfs_ctx *ctx, struct ocirt_error **err)
{
  const struct oci_linux *l = linux_of (ctx);
  /* Recursively read-only; every other flag (nosuid, nodev...) of what is
     there is kept, so locked flags never get in the way. */
  struct mount_options ro = { .rec_attr_set = MOUNT_ATTR_RDONLY };

  for (size_t i = 0; i < l->readonly_paths_len; i++)
    {
      _cleanup_close_ int fd = -1;
      int r = open_listed_path (ctx, l->readonly_paths[i], &fd, err);
      if (r > 0)
        r = mount_bind (fd, "", fd, true, &ro, NULL, err);
      if (r < 0)
        return ocirt_error_prefix (err, "linux.readonlyPaths[%zu] (%s)", i, l->readonly_paths[i]);
    }
  return 0;
}

static int
masked_paths (struct rootfs_ctx *ctx, struct ocirt_error **err)
{
  const struct oci_linux *l = linux_of (ctx);
  _cleanup_close_ int null_fd = -1;

  for (size_t i = 0; i < l->masked_paths_len; i++)
    {
      _cleanup_close_ int fd = -1;
      struct stat st;
      int r = open_listed_path (ctx, l->masked_paths[i], &fd, err);
      if (r > 0 && fstat (fd, &st) < 0)
        r = ocirt_error_set (err, errno, "stat");
      if (r > 0 && S_ISDIR (st.st_mode))
        r = mount_empty_tmpfs_ro (fd, err);
      else if (r > 0)
        {
          if (null_fd < 0)
            null_fd = devices_open_null (ctx->root_fd, err);
          r = null_fd < 0 ? null_fd : mount_bind (null_fd, "", fd, false, NULL, NULL, err);
        }
      if (r < 0)
        return ocirt_error_prefix (err, "linux.maskedPaths[%zu] (%s)", i, l->masked_paths[i]);
    }
  return 0;
}

int
rootfs_finalize (struct rootfs_ctx *ctx, struct ocirt_error **err)
{
  const struct oci_linux *l = linux_of (ctx);

  for (size_t i = 0; i < ctx->ro_later_len; i++)
    {
      _cleanup_close_ int fd
          = path_open_in_root (ctx->root_fd, ctx->ro_later[i], O_PATH | O_DIRECTORY, 0, err);
      if (fd < 0 || mount_make_readonly (fd, false, err) < 0)
        return ocirt_error_prefix (err, "remount `%s` read-only", ctx->ro_later[i]);
    }
  if (ctx->config->root && ctx->config->root->readonly && mount_make_readonly (ctx->root_fd, false, err) < 0)
    return ocirt_error_prefix (err, "root.readonly");
  if (l->sysctl && l->sysctl->len && write_sysctls (ctx, l->sysctl, err) < 0)
    return -(*err)->code;
  if (readonly_paths (ctx, err) < 0 || masked_paths (ctx, err) < 0)
    return -(*err)->code;
  return 0;
}
