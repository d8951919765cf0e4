/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/path.h"

/* The same bound the kernel uses (MAXSYMLINKS), so both resolvers agree. */
#define MAX_SYMLINKS 40

static int
sys_openat2 (int dirfd, const char *path, struct open_how *how)
{
  return (int) syscall (SYS_openat2, dirfd, path, how, sizeof (*how));
}

static int walk_resolve (int root_fd, const char *path, int flags, mode_t mode);

/* openat2 in the root, falling back to the walk; returns an fd or -errno. */
static int
resolve (int root_fd, const char *path, int flags, mode_t mode)
{
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC),
    /* O_TMPFILE includes O_DIRECTORY: test all its bits. */
    .mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  const char *p = *path ? path : ".";
  int fd = -1;

  /* EAGAIN: a concurrent rename raced with ".." resolution; the kernel asks
     for a retry rather than risk an escape. */
  for (int i = 0; i < 16; i++)
    {
      fd = sys_openat2 (root_fd, p, &how);
      if (fd >= 0 || errno != EAGAIN)
        break;
    }
  if (fd >= 0)
    return fd;
  /* ENOSYS: kernel before 5.6. EPERM: seccomp profiles of some container
     engines reject openat2 outright; the walk is equally safe, only slower. */
  if (errno == ENOSYS || errno == EPERM)
    return walk_resolve (root_fd, path, flags, mode);
  return -errno;
}

int
path_open_in_root (int root_fd, const char *path, int flags, mode_t mode, struct ocirt_error **err)
{
  int fd = resolve (root_fd, path, flags, mode);
  if (fd < 0)
    return ocirt_error_set (err, -fd, "open `%s` in the container root", path);
  return fd;
}

/* The directories walked so far: fds[0] is the root, ".." pops but never
   below it, an absolute symlink drops back to it. */
struct walk
{
  int *fds;
  size_t len, cap;
  char *rest; /* what is left of the path */
  int links;
};

static void
walk_free (struct walk *w)
{
  for (size_t i = 0; i < w->len; i++)
    close (w->fds[i]);
  free (w->fds);
  free (w->rest);
}

static int
walk_push (struct walk *w, int fd)
{
  if (w->len == w->cap)
    {
      size_t cap = w->cap ? w->cap * 2 : 16;
      int *n = realloc (w->fds, cap * sizeof (int));
      if (n == NULL)
        {
          close (fd);
          return -ENOMEM;
        }
      w->fds = n;
      w->cap = cap;
    }
  w->fds[w->len++] = fd;
  return 0;
}

static void
walk_pop_to (struct walk *w, size_t len)
{
  while (w->len > len)
    close (w->fds[--w->len]);
}

/* Replaces w->rest by the target of the symlink `name` + "/" + w->rest. */
static int
walk_expand (struct walk *w, int link_dir, const char *name)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (link_dir, name, target, sizeof (target) - 1);
  if (n < 0)
    return -errno;
  target[n] = '\0';
  if (++w->links > MAX_SYMLINKS)
    return -ELOOP;
  if (target[0] == '/')
    walk_pop_to (w, 1);
  size_t len = (size_t) n + strlen (w->rest) + 2;
  char *rest = malloc (len);
  if (rest == NULL)
    return -ENOMEM;
  snprintf (rest, len, "%s/%s", target, w->rest);
  free (w->rest);
  w->rest = rest;
  return 0;
}

/* Handles one component `c`; w->rest already holds what follows it. Returns 1
   when the walk is finished with *ret_fd set, 0 to go on. */
static int
walk_step (struct walk *w, const char *c, int flags, mode_t mode, int *ret_fd)
{
  int top = w->fds[w->len - 1];
  bool last = w->rest[strspn (w->rest, "/")] == '\0';
  struct stat st;

  if (strcmp (c, ".") == 0 || strcmp (c, "..") == 0)
    {
      if (c[1] == '.' && w->len > 1)
        walk_pop_to (w, w->len - 1);
      if (!last)
        return 0;
      *ret_fd = openat (w->fds[w->len - 1], ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
      return *ret_fd < 0 ? -errno : 1;
    }
  if (fstatat (top, c, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno != ENOENT || !last || !(flags & O_CREAT))
        return -errno;
      st.st_mode = 0;
    }
  if (S_ISLNK (st.st_mode) && !(last && (flags & O_NOFOLLOW)))
    return walk_expand (w, top, c);
  if (last)
    {
      /* O_NOFOLLOW: if a symlink was swapped in since fstatat, fail. */
      *ret_fd = openat (top, c, flags | O_NOFOLLOW | O_CLOEXEC, mode);
      return *ret_fd < 0 ? -errno : 1;
    }
  if (!S_ISDIR (st.st_mode))
    return -ENOTDIR;
  int fd = openat (top, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  int r = walk_push (w, fd);
  return r < 0 ? r : 0;
}

static int
walk_run (struct walk *w, int flags, mode_t mode)
{
  for (;;)
    {
      const char *p = w->rest + strspn (w->rest, "/");
      size_t n = strcspn (p, "/");
      _cleanup_free_ char *c = n ? strndup (p, n) : strdup (".");
      char *rest = strdup (p + n);
      if (c == NULL || rest == NULL)
        {
          free (rest);
          return -ENOMEM;
        }
      free (w->rest);
      w->rest = rest;
      int fd = -1;
      int r = walk_step (w, c, flags, mode, &fd);
      if (r < 0)
        return r;
      if (r > 0)
        return fd;
    }
}

static int
walk_resolve (int root_fd, const char *path, int flags, mode_t mode)
{
  struct walk w = { 0 };
  int r;

  w.rest = strdup (path);
  if (w.rest == NULL)
    return -ENOMEM;
  int fd = openat (root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  r = fd < 0 ? -errno : walk_push (&w, fd);
  if (r == 0)
    r = walk_run (&w, flags, mode);
  walk_free (&w);
  return r;
}

int
path_open_in_root_walk (int root_fd, const char *path, int flags, mode_t mode, struct ocirt_error **err)
{
  int fd = walk_resolve (root_fd, path, flags, mode);
  if (fd < 0)
    return ocirt_error_set (err, -fd, "open `%s` in the container root", path);
  return fd;
}

/* One more component of `path`: [*pos, *pos + len) after skipping slashes. */
static bool
next_component (const char *path, size_t *pos, size_t *len)
{
  *pos += strspn (path + *pos, "/");
  *len = strcspn (path + *pos, "/");
  return *len > 0;
}

int
path_mkdir_in_root (int root_fd, const char *path, mode_t mode, struct ocirt_error **err)
{
  _cleanup_close_ int cur = openat (root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_free_ char *prefix = strdup (path);
  size_t pos = 0, len;

  if (cur < 0 || prefix == NULL)
    return ocirt_error_set (err, cur < 0 ? errno : ENOMEM, "create directory `%s`", path);
  while (next_component (path, &pos, &len))
    {
      _cleanup_free_ char *name = strndup (path + pos, len);
      pos += len;
      prefix[pos] = '\0';
      if (name == NULL)
        return ocirt_error_set (err, ENOMEM, "create directory `%s`", path);
      int fd = resolve (root_fd, prefix, O_PATH | O_DIRECTORY, 0);
      if (fd == -ENOENT)
        {
          /* mkdirat never follows a symlink in its last component: a dangling
             one makes it fail with EEXIST, and the lookup below reports it. */
          if (mkdirat (cur, name, mode) < 0 && errno != EEXIST)
            return ocirt_error_set (err, errno, "create directory `%s`", prefix);
          /* Take what is there now from the parent we hold: resolving the
             prefix from the root again would fail if a directory on the way
             was swapped for a symlink meanwhile (a volume shared with another
             container, CVE-2021-30465). O_NOFOLLOW: a symlink put in its
             place is not followed here but resolved in the root below. */
          fd = openat (cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (fd < 0)
            fd = resolve (root_fd, prefix, O_PATH | O_DIRECTORY, 0);
        }
      if (fd < 0)
        return ocirt_error_set (err, -fd, "create directory `%s`", prefix);
      close (cur);
      cur = fd;
      memcpy (prefix, path, strlen (path) + 1);
    }
  return TAKE_FD (cur);
}

int
path_create_in_root (int root_fd, const char *path, bool dir, mode_t mode, struct ocirt_error **err)
{
  _cleanup_free_ char *parent = NULL;
  _cleanup_free_ char *base = NULL;

  if (dir)
    return path_mkdir_in_root (root_fd, path, mode, err);
  if (path_split (path, &parent, &base) < 0)
    return ocirt_error_set (err, ENOMEM, "create `%s`", path);
  _cleanup_close_ int pfd = path_mkdir_in_root (root_fd, parent, 0755, err);
  if (pfd < 0)
    return pfd;
  int fd = resolve (root_fd, path, O_PATH, 0);
  if (fd != -ENOENT)
    return fd >= 0 ? fd : ocirt_error_set (err, -fd, "open `%s` in the container root", path);
  /* O_NOFOLLOW|O_EXCL: a dangling symlink here is refused, not written through. */
  _cleanup_close_ int wfd = openat (pfd, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode);
  if (wfd < 0 && errno != EEXIST)
    return ocirt_error_set (err, errno, "create `%s`", path);
  /* The file we made, by the parent we hold (see path_mkdir_in_root): the
     name is looked up without following and must still be that file. */
  struct stat made, seen;
  _cleanup_close_ int mfd = wfd < 0 ? -1 : openat (pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (mfd >= 0 && fstat (wfd, &made) == 0 && fstat (mfd, &seen) == 0 && made.st_dev == seen.st_dev
      && made.st_ino == seen.st_ino)
    return TAKE_FD (mfd);
  return path_open_in_root (root_fd, path, O_PATH, 0, err);
}

int
path_split (const char *path, char **ret_dir, char **ret_base)
{
  size_t end = strlen (path);
  while (end > 1 && path[end - 1] == '/')
    end--;
  size_t slash = end;
  while (slash > 0 && path[slash - 1] != '/')
    slash--;
  char *base = end == slash ? strdup (".") : strndup (path + slash, end - slash);
  size_t dlen = slash;
  while (dlen > 1 && path[dlen - 1] == '/')
    dlen--;
  char *dir = slash == 0 ? strdup (".") : strndup (path, dlen);
  if (dir == NULL || base == NULL)
    {
      free (dir);
      free (base);
      return -ENOMEM;
    }
  *ret_dir = dir;
  *ret_base = base;
  return 0;
}
