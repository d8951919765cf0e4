/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"

int
fs_write_full (int fd, const void *data, size_t len)
{
  const char *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -errno;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

int
fs_write_atomic (int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
  char tmp[256];
  _cleanup_close_ int fd = -1;
  int r;

  r = snprintf (tmp, sizeof tmp, ".%s.%d.tmp", name, (int) getpid ());
  if (r < 0 || (size_t) r >= sizeof tmp)
    return -ENAMETOOLONG;
  fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return -errno;
  /* No fsync: rename() alone makes the replacement atomic for every reader
     and against a killed writer; the state lives on tmpfs (/run) and does
     not outlive a reboot, so durability would buy nothing and cost a disk
     flush per container. */
  r = fs_write_full (fd, data, len);
  if (r == 0 && renameat (dirfd, tmp, dirfd, name) < 0)
    r = -errno;
  if (r < 0)
    (void) unlinkat (dirfd, tmp, 0);
  return r;
}

static ssize_t
read_retry (int fd, char *buf, size_t len)
{
  ssize_t n;

  do
    n = read (fd, buf, len);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

/* Most of what we read (state, config, /proc and cgroup files) is a few
   hundred bytes: it goes through a stack buffer into an allocation of its
   own size. A large buffer up front would cost, with some allocators, a
   mapping, its page faults and an unmapping per read. */
int
fs_read_fd (int fd, char **ret, size_t *ret_len)
{
  char first[4096];
  _cleanup_free_ char *buf = NULL;
  size_t len = 0, cap;
  ssize_t n = 0;

  while (len < sizeof first && (n = read_retry (fd, first + len, sizeof first - len)) > 0)
    len += (size_t) n;
  if (n < 0)
    return (int) n;
  /* All of it when it fit; otherwise room to go on. */
  cap = len < sizeof first ? len + 1 : 4 * sizeof first;
  buf = malloc (cap);
  if (buf == NULL)
    return -ENOMEM;
  memcpy (buf, first, len);
  while (len >= sizeof first)
    {
      if (cap - len < 2048)
        {
          char *nb = realloc (buf, cap * 2);
          if (nb == NULL)
            return -ENOMEM;
          buf = nb;
          cap *= 2;
        }
      n = read_retry (fd, buf + len, cap - len - 1);
      if (n < 0)
        return (int) n;
      if (n == 0)
        break;
      len += (size_t) n;
    }
  buf[len] = '\0';
  *ret = TAKE_PTR (buf);
  if (ret_len)
    *ret_len = len;
  return 0;
}

int
fs_read_all (int dirfd, const char *name, char **ret, size_t *ret_len)
{
  _cleanup_close_ int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return -errno;
  return fs_read_fd (fd, ret, ret_len);
}

static int
remove_dir_contents (int fd)
{
  _cleanup_closedir_ DIR *d = fdopendir (fd);
  struct dirent *de;
  int r = 0;

  if (d == NULL)
    {
      close (fd);
      return -errno;
    }
  while ((de = readdir (d)) != NULL)
    {
      int q;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      q = fs_remove_tree (dirfd (d), de->d_name);
      if (q < 0 && r == 0)
        r = q;
    }
  return r;
}

int
fs_remove_tree (int dirfd, const char *name)
{
  int fd, r;

  if (unlinkat (dirfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return -errno;
  fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : -errno;
  r = remove_dir_contents (fd);
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
    r = -errno;
  return r;
}
