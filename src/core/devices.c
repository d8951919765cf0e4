/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/devices.h"
#include "core/mount.h"
#include "util/path.h"

struct dev
{
  const char *path;
  mode_t type; /* S_IFCHR, S_IFBLK, S_IFIFO */
  dev_t rdev;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

/* config-linux.md "Default Devices". */
static const struct
{
  const char *path;
  unsigned int major, minor;
} default_devices[] = {
  { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
  { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static bool
is_expected (const struct stat *st, const struct dev *d)
{
  return (st->st_mode & S_IFMT) == d->type && (d->type == S_IFIFO || st->st_rdev == d->rdev);
}

static int
make_node (int pfd, const char *base, const struct dev *d)
{
  struct stat st;
  /* The mode is the spec's fileMode exactly: no umask. */
  mode_t old = umask (0);
  int r = mknodat (pfd, base, d->type | (d->mode & 07777), d->rdev);
  if (r < 0 && errno == EEXIST && fstatat (pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR (st.st_mode)
      && unlinkat (pfd, base, 0) == 0)
    r = mknodat (pfd, base, d->type | (d->mode & 07777), d->rdev);
  int saved = errno;
  umask (old);
  if (r < 0)
    return -saved;
  if (fchownat (pfd, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  if (fstatat (pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  return is_expected (&st, d) ? 0 : -EEXIST;
}

/* In a user namespace: an empty regular file inside the root, with the host's
   node bound on it; whatever the image had there (a symlink...) is replaced,
   never followed. */
static int
bind_node (int pfd, const char *base, const struct dev *d, struct ocirt_error **err)
{
  struct stat st;
  if (fstatat (pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG (st.st_mode) && !S_ISCHR (st.st_mode)
      && !S_ISBLK (st.st_mode) && unlinkat (pfd, base, 0) < 0)
    return ocirt_error_set (err, errno, "remove `%s`", d->path);
  _cleanup_close_ int created
      = openat (pfd, base, O_CREAT | O_NOFOLLOW | O_WRONLY | O_CLOEXEC | O_EXCL, 0644);
  if (created < 0 && errno != EEXIST)
    return ocirt_error_set (err, errno, "create `%s`", d->path);
  _cleanup_close_ int dst = openat (pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0)
    return ocirt_error_set (err, errno, "open `%s`", d->path);
  _cleanup_close_ int src = open (d->path, O_PATH | O_CLOEXEC);
  if (src < 0 || fstat (src, &st) < 0)
    return ocirt_error_set (err, errno, "open host device `%s`", d->path);
  if (!is_expected (&st, d))
    return ocirt_error_setx (err, ENODEV, "host `%s` is not the device %u:%u", d->path, major (d->rdev),
                             minor (d->rdev));
  return mount_bind (src, "", dst, false, NULL, NULL, err);
}

static int
create_one (int root_fd, const struct dev *d, bool *use_bind, struct ocirt_error **err)
{
  _cleanup_free_ char *parent = NULL;
  _cleanup_free_ char *base = NULL;
  if (path_split (d->path, &parent, &base) < 0)
    return ocirt_error_set (err, ENOMEM, "device `%s`", d->path);
  _cleanup_close_ int pfd = path_mkdir_in_root (root_fd, parent, 0755, err);
  if (pfd < 0)
    return pfd;
  if (!*use_bind || d->type == S_IFIFO)
    {
      int r = make_node (pfd, base, d);
      if (r == 0)
        return 0;
      if (r != -EPERM || d->type == S_IFIFO)
        return ocirt_error_set (err, -r, "mknod `%s`", d->path);
      *use_bind = true;
    }
  return bind_node (pfd, base, d, err);
}

static int
from_config (const struct oci_device *c, struct dev *d, struct ocirt_error **err)
{
  const char *t = c->type ? c->type : "";
  if (strcmp (t, "c") == 0 || strcmp (t, "u") == 0)
    d->type = S_IFCHR;
  else if (strcmp (t, "b") == 0)
    d->type = S_IFBLK;
  else if (strcmp (t, "p") == 0)
    d->type = S_IFIFO;
  else
    return ocirt_error_setx (err, EINVAL, "device `%s`: unknown type `%s`", c->path, t);
  d->path = c->path;
  d->rdev = d->type == S_IFIFO ? 0 : makedev ((unsigned int) c->major, (unsigned int) c->minor);
  d->mode = c->file_mode_present ? (c->file_mode & 07777) : 0666;
  d->uid = c->uid_present ? c->uid : 0;
  d->gid = c->gid_present ? c->gid : 0;
  return 0;
}

static bool
in_config (const struct oci_device *devices, size_t n, const char *path)
{
  for (size_t i = 0; i < n; i++)
    if (devices[i].path && strcmp (devices[i].path, path) == 0)
      return true;
  return false;
}

int
devices_create (int root_fd, const struct oci_device *devices, size_t n, struct ocirt_error **err)
{
  bool use_bind = false;

  for (size_t i = 0; i < ARRAY_SIZE (default_devices); i++)
    {
      if (in_config (devices, n, default_devices[i].path))
        continue;
      struct dev d = { .path = default_devices[i].path,
                       .type = S_IFCHR,
                       .mode = 0666,
                       .rdev = makedev (default_devices[i].major, default_devices[i].minor) };
      if (create_one (root_fd, &d, &use_bind, err) < 0)
        return -(*err)->code;
    }
  for (size_t i = 0; i < n; i++)
    {
      struct dev d;
      if (from_config (&devices[i], &d, err) < 0 || create_one (root_fd, &d, &use_bind, err) < 0)
        return ocirt_error_prefix (err, "linux.devices[%zu]", i);
    }
  return 0;
}

int
devices_create_links (int root_fd, struct ocirt_error **err)
{
  static const char *const links[][2] = {
    { "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
    { "/proc/self/fd/2", "stderr" }, { "/proc/kcore", "core" },
  };
  _cleanup_close_ int dev = path_mkdir_in_root (root_fd, "/dev", 0755, err);
  if (dev < 0)
    return dev;
  for (size_t i = 0; i < ARRAY_SIZE (links); i++)
    {
      if (strcmp (links[i][1], "core") == 0 && access ("/proc/kcore", F_OK) < 0)
        continue;
      if (symlinkat (links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
        return ocirt_error_set (err, errno, "symlink `/dev/%s`", links[i][1]);
    }
  /* config-linux.md: /dev/ptmx is the container's own devpts multiplexer. */
  if (unlinkat (dev, "ptmx", 0) < 0 && errno != ENOENT)
    return ocirt_error_set (err, errno, "remove `/dev/ptmx`");
  if (symlinkat ("pts/ptmx", dev, "ptmx") < 0)
    return ocirt_error_set (err, errno, "symlink `/dev/ptmx`");
  mode_t old = umask (0);
  int r = (mkdirat (dev, "pts", 0755) < 0 && errno != EEXIST) ? -1 : 0;
  if (r == 0 && mkdirat (dev, "shm", 01777) < 0 && errno != EEXIST)
    r = -1;
  int saved = errno;
  umask (old);
  return r < 0 ? ocirt_error_set (err, saved, "mkdir in `/dev`") : 0;
}

static int
bind_same_inode (int fd, int dst, struct ocirt_error **err)
{
  char link[32], path[4096];
  struct stat a, b;
  snprintf (link, sizeof (link), "/proc/self/fd/%d", fd);
  ssize_t n = readlink (link, path, sizeof (path) - 1);
  if (n < 0)
    return ocirt_error_set (err, errno, "readlink `%s`", link);
  path[n] = '\0';
  _cleanup_close_ int same = open (path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (same < 0 || fstat (same, &a) < 0 || fstat (fd, &b) < 0)
    return ocirt_error_set (err, errno, "open `%s`", path);
  if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
    return ocirt_error_setx (err, EXDEV, "`%s` is not the terminal passed in", path);
  return mount_bind (same, "", dst, false, NULL, NULL, err);
}

int
devices_mount_console (int root_fd, int console_fd, struct ocirt_error **err)
{
  struct stat st;
  if (fstat (console_fd, &st) < 0 || !S_ISCHR (st.st_mode))
    return ocirt_error_setx (err, ENOTTY, "console: fd %d is not a terminal", console_fd);
  _cleanup_close_ int dev = path_mkdir_in_root (root_fd, "/dev", 0755, err);
  if (dev < 0)
    return dev;
  if (fstatat (dev, "console", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG (st.st_mode)
      && !S_ISCHR (st.st_mode) && unlinkat (dev, "console", 0) < 0)
    return ocirt_error_set (err, errno, "remove `/dev/console`");
  _cleanup_close_ int created
      = openat (dev, "console", O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0600);
  if (created < 0 && errno != EEXIST)
    return ocirt_error_set (err, errno, "create `/dev/console`");
  _cleanup_close_ int dst = openat (dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0 || fstat (dst, &st) < 0)
    return ocirt_error_set (err, errno, "open `/dev/console`");
  if (!S_ISREG (st.st_mode) && !S_ISCHR (st.st_mode))
    return ocirt_error_setx (err, EINVAL, "`/dev/console` is neither a file nor a device");
  int r = mount_bind (console_fd, "", dst, false, NULL, NULL, err);
  if (r == -EINVAL)
    {
      /* The pty was opened in another mount namespace (the runtime's), whose
         mounts cannot be cloned here: take the same node by its path in this
         namespace's copy of the tree, checked to be the very same inode. */
      ocirt_error_free (TAKE_PTR (*err));
      r = bind_same_inode (console_fd, dst, err);
    }
  return r < 0 ? ocirt_error_prefix (err, "bind the console over `/dev/console`") : 0;
}

int
devices_open_null (int root_fd, struct ocirt_error **err)
{
  struct stat st;
  _cleanup_close_ int fd = path_open_in_root (root_fd, "/dev/null", O_PATH | O_NOFOLLOW, 0, err);
  if (fd < 0)
    return fd;
  if (fstat (fd, &st) < 0)
    return ocirt_error_set (err, errno, "stat `/dev/null`");
  if (!S_ISCHR (st.st_mode) || st.st_rdev != makedev (1, 3))
    return ocirt_error_setx (err, EINVAL, "`/dev/null` in the container is not the null device");
  return TAKE_FD (fd);
}
