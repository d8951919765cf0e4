/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/mount.h"
#include "util/log.h"
#include "util/path.h"
#include "util/procfs.h"

int
mount_fs_at (const char *source, int dst_fd, const char *type, unsigned long flags, const char *data,
             struct ocirt_error **err)
{
  char target[32];

  /* The target is the magic link of an fd resolved inside the rootfs: the
     kernel mounts on that very inode, whatever happened to the path since. */
  if (mount (source, procfs_fd_path (target, dst_fd), type, flags, data) < 0)
    return ocirt_error_set (err, errno, "mount %s", type);
  return 0;
}

/* MS_* flags that have a per-mount (not per-superblock) meaning, as attributes. */
static const struct
{
  unsigned long ms;
  uint64_t attr;
} mount_attr_map[] = {
  { MS_RDONLY, MOUNT_ATTR_RDONLY },         { MS_NOSUID, MOUNT_ATTR_NOSUID },
  { MS_NODEV, MOUNT_ATTR_NODEV },           { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
  { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
};

static void
flags_to_attr (unsigned long set, unsigned long clear, struct mount_attr *a)
{
  for (size_t i = 0; i < ARRAY_SIZE (mount_attr_map); i++)
    {
      if (set & mount_attr_map[i].ms)
        a->attr_set |= mount_attr_map[i].attr;
      else if (clear & mount_attr_map[i].ms)
        a->attr_clr |= mount_attr_map[i].attr;
    }
  /* The atime modes are one field: change it only when the options say so,
     otherwise the source's mode stays (it may be locked). "norelatime" asks
     for strict atime; "atime"/"nostrictatime" for the kernel default. */
  int mode = -1;
  if (set & MS_NOATIME)
    mode = MOUNT_ATTR_NOATIME;
  else if (set & MS_STRICTATIME)
    mode = MOUNT_ATTR_STRICTATIME;
  else if (set & MS_RELATIME)
    mode = MOUNT_ATTR_RELATIME;
  else if (clear & MS_RELATIME)
    mode = MOUNT_ATTR_STRICTATIME;
  else if (clear & (MS_NOATIME | MS_STRICTATIME))
    mode = MOUNT_ATTR_RELATIME;
  if (mode >= 0)
    {
      a->attr_set |= (uint64_t) mode;
      a->attr_clr |= MOUNT_ATTR__ATIME;
    }
}

static int
setattr (int fd, bool recursive, struct mount_attr *a, const char *what, struct ocirt_error **err)
{
  unsigned int flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  if (mount_setattr (fd, "", flags, a, sizeof (*a)) < 0)
    {
      if (errno == ENOSYS)
        return ocirt_error_setx (err, ENOSYS, "%s: mount_setattr(2) is missing (Linux 5.12 or later needed)",
                                 what);
      return ocirt_error_set (err, errno, "%s", what);
    }
  return 0;
}

int
mount_set_propagation (int fd, const unsigned long *prop, size_t n, struct ocirt_error **err)
{
  for (size_t i = 0; i < n; i++)
    {
      struct mount_attr a = { .propagation = prop[i] & ~MS_REC };
      int r = setattr (fd, (prop[i] & MS_REC) != 0, &a, "set mount propagation", err);
      if (r < 0)
        return r;
    }
  return 0;
}

int
mount_make_readonly (int fd, bool recursive, struct ocirt_error **err)
{
  struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
  return setattr (fd, recursive, &a, "make read-only", err);
}

/* A detached copy of the mount tree at `src` (relative to `dirfd`). */
static int
clone_tree (int dirfd, const char *src, bool recursive, struct ocirt_error **err)
{
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  if (*src == '\0')
    flags |= AT_EMPTY_PATH;
  int fd = open_tree (dirfd, src, flags);
  if (fd < 0)
    {
      if (errno == ENOSYS)
        return ocirt_error_setx (err, ENOSYS, "open_tree(2) is missing (Linux 5.2 or later needed)");
      return ocirt_error_set (err, errno, "clone mount");
    }
  return fd;
}

/* The per-mount flags of `o` on the top mount, then its recursive attributes. */
static int
apply_options (int tree, const struct mount_options *o, struct ocirt_error **err)
{
  struct mount_attr top = { 0 };
  flags_to_attr (o->flags, o->clear_flags, &top);
  if ((top.attr_set || top.attr_clr) && setattr (tree, false, &top, "set mount flags", err) < 0)
    return -(*err)->code;
  struct mount_attr rec = { .attr_set = o->rec_attr_set, .attr_clr = o->rec_attr_clr };
  if ((rec.attr_set || rec.attr_clr) && setattr (tree, true, &rec, "set recursive mount flags", err) < 0)
    return -(*err)->code;
  return 0;
}

int
mount_attach_tree (int tree, int dst_fd, struct ocirt_error **err)
{
  if (move_mount (tree, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return ocirt_error_set (err, errno, "attach mount");
  return 0;
}

int
mount_bind (int src_dirfd, const char *src, int dst_fd, bool recursive, const struct mount_options *opts,
            const struct mount_env *env, struct ocirt_error **err)
{
  (void) env;
  _cleanup_close_ int tree = clone_tree (src_dirfd, src, recursive, err);
  if (tree < 0)
    return tree;
  if (opts && apply_options (tree, opts, err) < 0)
    return -(*err)->code;
  if (mount_attach_tree (tree, dst_fd, err) < 0)
    return -(*err)->code;
  return opts ? mount_set_propagation (tree, opts->propagation, opts->propagation_len, err) : 0;
}

int
mount_new_tmpfs (const char *source, const char *mode, unsigned int attr, struct ocirt_error **err)
{
  _cleanup_close_ int fs = fsopen ("tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0)
    return ocirt_error_set (err, errno, "fsopen tmpfs");
  if ((source && fsconfig (fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
      || (mode && fsconfig (fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0)
      || fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return ocirt_error_set (err, errno, "create tmpfs");
  int mnt = fsmount (fs, FSMOUNT_CLOEXEC, attr);
  return mnt < 0 ? ocirt_error_set (err, errno, "fsmount tmpfs") : mnt;
}

int
mount_empty_tmpfs_ro (int dst_fd, struct ocirt_error **err)
{
  _cleanup_close_ int mnt = mount_new_tmpfs (
      NULL, NULL, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
  return mnt < 0 ? mnt : mount_attach_tree (mnt, dst_fd, err);
}

/* --- idmapped mounts ------------------------------------------------------- */

static int
write_map (pid_t pid, const char *file, const struct oci_id_mapping *m, size_t n, struct ocirt_error **err)
{
  char path[64], buf[4096];
  size_t len = 0;

  for (size_t i = 0; i < n && len < sizeof (buf); i++)
    len += (size_t) snprintf (buf + len, sizeof (buf) - len, "%u %u %u\n", m[i].container_id, m[i].host_id,
                              m[i].size);
  if (len >= sizeof (buf))
    return ocirt_error_setx (err, E2BIG, "idmap: too many mappings");
  snprintf (path, sizeof (path), "/proc/%d/%s", (int) pid, file);
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, buf, len) != (ssize_t) len)
    return ocirt_error_set (err, errno, "idmap: write %s", path);
  return 0;
}

/* A user namespace with the given maps, held by a short-lived child that
   waits on a pipe: the namespace outlives it through the returned fd. */
static int
userns_fd (const struct oci_id_mapping *u, size_t nu, const struct oci_id_mapping *g, size_t ng,
           struct ocirt_error **err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return ocirt_error_set (err, errno, "idmap: pipe");
  _cleanup_close_ int rd = p[0], wr = p[1];
  pid_t pid = (pid_t) syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0)
    return ocirt_error_set (err, errno, "idmap: create user namespace");
  if (pid == 0)
    {
      char c;
      close (wr);
      (void) read (rd, &c, 1);
      _exit (0);
    }
  int r = write_map (pid, "uid_map", u, nu, err);
  if (r == 0)
    r = write_map (pid, "gid_map", g, ng, err);
  char path[64];
  snprintf (path, sizeof (path), "/proc/%d/ns/user", (int) pid);
  int fd = r < 0 ? -1 : open (path, O_RDONLY | O_CLOEXEC);
  if (r == 0 && fd < 0)
    r = ocirt_error_set (err, errno, "idmap: open %s", path);
  close (TAKE_FD (wr));
  (void) waitpid (pid, NULL, 0);
  return r < 0 ? r : fd;
}

static int
apply_idmap (int tree, const struct oci_mount *m, const struct mount_options *o, const struct mount_env *env,
             struct ocirt_error **err)
{
  const struct oci_id_mapping *u = m->uid_mappings, *g = m->gid_mappings;
  size_t nu = m->uid_mappings_len, ng = m->gid_mappings_len;

  if (nu == 0 && ng == 0)
    {
      u = env->uid_mappings, nu = env->uid_mappings_len;
      g = env->gid_mappings, ng = env->gid_mappings_len;
    }
  if (nu == 0 || ng == 0)
    return ocirt_error_setx (err, EINVAL,
                             "idmap needs uidMappings and gidMappings on the mount or a user namespace");
  _cleanup_close_ int ns = userns_fd (u, nu, g, ng, err);
  if (ns < 0)
    return ns;
  struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) ns };
  return setattr (tree, o->idmap_rec, &a, "idmap mount", err);
}

/* --- mount entries --------------------------------------------------------- */

static int
open_bind_source (const struct oci_mount *m, const struct mount_env *env, struct ocirt_error **err)
{
  char buf[4096];
  const char *src = m->source;

  if (src == NULL || *src == '\0')
    return ocirt_error_setx (err, EINVAL, "bind mount to `%s` has no source", m->destination);
  /* config.md: relative bind sources are relative to the bundle. */
  if (src[0] != '/' && env->bundle)
    {
      snprintf (buf, sizeof (buf), "%s/%s", env->bundle, src);
      src = buf;
    }
  int fd = open (src, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return ocirt_error_set (err, errno, "mount `%s` to `%s`", src, m->destination);
  return fd;
}

static bool
is_bind (const struct oci_mount *m, const struct mount_options *o)
{
  return (o->flags & MS_BIND) || (m->type && strcmp (m->type, "bind") == 0);
}

int
mount_prepare_bind_tree (const struct oci_mount *m, const char *bundle, int *ret_tree,
                         struct ocirt_error **err)
{
  const struct mount_env env = { .bundle = bundle, .source_tree = -1 };
  _cleanup_close_ int src = -1, tree = -1;
  struct mount_options o;
  int r = mountopt_parse (m->options, m->options_len, &o, err);

  *ret_tree = -1;
  if (r < 0)
    return r;
  if (is_bind (m, &o) && !o.idmap)
    {
      src = open_bind_source (m, &env, err);
      if (src < 0)
        r = src;
      else if ((tree = clone_tree (src, "", (o.flags & MS_REC) != 0, err)) < 0
               || apply_options (tree, &o, err) < 0)
        r = ocirt_error_prefix (err, "mount `%s` to `%s`", m->source, m->destination);
      else
        *ret_tree = TAKE_FD (tree);
    }
  mountopt_clear (&o);
  return r;
}

static int
bind_entry (int root_fd, const struct oci_mount *m, const struct mount_options *o,
            const struct mount_env *env, struct ocirt_error **err)
{
  struct stat st;
  _cleanup_close_ int src = -1, tree = -1;

  /* A tree the runtime cloned for us: already has its flags. */
  if (env->source_tree >= 0)
    src = env->source_tree;
  else
    src = open_bind_source (m, env, err);
  if (src < 0)
    return src;
  if (fstat (src, &st) < 0)
    return ocirt_error_set (err, errno, "stat `%s`", m->source);
  _cleanup_close_ int dst = path_create_in_root (root_fd, m->destination, S_ISDIR (st.st_mode), 0755, err);
  if (dst < 0)
    return dst;
  if (env->source_tree >= 0)
    tree = TAKE_FD (src);
  else if ((tree = clone_tree (src, "", (o->flags & MS_REC) != 0, err)) < 0
           || apply_options (tree, o, err) < 0)
    return ocirt_error_prefix (err, "mount `%s` to `%s`", m->source, m->destination);
  if (o->idmap && apply_idmap (tree, m, o, env, err) < 0)
    return -(*err)->code;
  if (mount_attach_tree (tree, dst, err) < 0)
    return ocirt_error_prefix (err, "mount `%s` to `%s`", m->source, m->destination);
  return mount_set_propagation (tree, o->propagation, o->propagation_len, err);
}

/* procfs and sysfs only on a real directory: a symlink there (CVE-2023-28642)
   or a file would put them somewhere the spec did not ask for. */
static int
open_fs_destination (int root_fd, const char *type, const char *dest, struct ocirt_error **err)
{
  if (strcmp (type, "proc") != 0 && strcmp (type, "sysfs") != 0)
    return path_mkdir_in_root (root_fd, dest, 0755, err);

  struct stat st;
  int fd = path_open_in_root (root_fd, dest, O_PATH | O_NOFOLLOW, 0, NULL);
  if (fd == -ENOENT)
    fd = path_mkdir_in_root (root_fd, dest, 0755, err);
  else if (fd < 0)
    return ocirt_error_set (err, -fd, "open `%s`", dest);
  if (fd < 0)
    return fd;
  if (fstat (fd, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      close (fd);
      return ocirt_error_setx (err, ENOTDIR, "%s must be mounted on ordinary directory, `%s` is not one",
                               type, dest);
    }
  return fd;
}

static int
fs_entry (int root_fd, const struct oci_mount *m, const struct mount_options *o, struct ocirt_error **err)
{
  /* A read-only tmpfs (often /dev) is filled by the runtime first and made
     read-only at the end. */
  bool defer_ro = strcmp (m->type, "tmpfs") == 0 && (o->flags & MS_RDONLY);
  unsigned long flags = o->flags & ~(defer_ro ? MS_RDONLY : 0);

  if (o->idmap)
    return ocirt_error_setx (err, ENOTSUP, "idmap is supported on bind mounts only");
  if (o->tmpcopyup)
    log_warn ("mount `%s`: tmpcopyup is not supported, ignoring it", m->destination);
  _cleanup_close_ int dst = open_fs_destination (root_fd, m->type, m->destination, err);
  if (dst < 0)
    return dst;
  int r = mount_fs_at (m->source ? m->source : m->type, dst, m->type, flags, o->data, err);
  if (r < 0)
    return r;
  if (o->propagation_len == 0 && o->rec_attr_set == 0 && o->rec_attr_clr == 0)
    return defer_ro;
  /* The fd still names the directory under the new mount: look again. */
  _cleanup_close_ int top = path_open_in_root (root_fd, m->destination, O_PATH | O_DIRECTORY, 0, err);
  if (top < 0)
    return top;
  struct mount_attr rec = { .attr_set = o->rec_attr_set, .attr_clr = o->rec_attr_clr };
  if ((rec.attr_set || rec.attr_clr) && setattr (top, true, &rec, "set recursive mount flags", err) < 0)
    return -(*err)->code;
  r = mount_set_propagation (top, o->propagation, o->propagation_len, err);
  return r < 0 ? r : defer_ro;
}

int
mount_entry (int root_fd, const struct oci_mount *m, const struct mount_env *env, struct ocirt_error **err)
{
  struct mount_options o;
  int r = mountopt_parse (m->options, m->options_len, &o, err);
  if (r < 0)
    return r;

  const char *type = m->type;
  if (type && strcmp (type, "bind") == 0)
    o.flags |= MS_BIND;
  if (o.flags & MS_BIND)
    r = bind_entry (root_fd, m, &o, env, err);
  else if (type == NULL || *type == '\0')
    r = ocirt_error_setx (err, EINVAL, "mount to `%s` has no type and is not a bind mount", m->destination);
  else if (strcmp (type, "cgroup") == 0 || strcmp (type, "cgroup2") == 0)
    r = mount_cgroup_entry (root_fd, m, &o, env, err);
  else
    r = fs_entry (root_fd, m, &o, err);
  mountopt_clear (&o);
  return r;
}
