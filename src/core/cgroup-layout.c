/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup.h"
#include "util/fs.h"
#include "util/log.h"

/* Layout detection: which cgroup hierarchies are mounted where (mountinfo),
   and where this process sits in each (/proc/self/cgroup). Tests point the
   module at a fake tree holding `mountinfo`, `cgroup` (the two /proc files)
   and the mount points below it. */

static char *test_root;
static struct cgroup_layout *cached;
/* The mount point of each hierarchy of `cached`, opened and checked once
   per process (cgroup_hier_open), or -1. */
static int *mount_fds;

static void
layout_free (struct cgroup_layout *l)
{
  if (l == NULL)
    return;
  for (size_t i = 0; i < l->n; i++)
    {
      free (l->h[i].mount);
      free (l->h[i].mount_root);
      free (l->h[i].key);
      free (l->h[i].own);
    }
  free (l->h);
  cleanup_strvp (&l->v2_controllers);
  free (l);
}

static void
mount_fds_free (size_t n)
{
  for (size_t i = 0; mount_fds && i < n; i++)
    cleanup_closep (&mount_fds[i]);
  free (mount_fds);
  mount_fds = NULL;
}

void
cgroup_set_root_for_tests (const char *root)
{
  free (test_root);
  test_root = root ? strdup (root) : NULL;
  mount_fds_free (cached ? cached->n : 0);
  layout_free (cached);
  cached = NULL;
}

const char *
cgroup_test_root (void)
{
  return test_root;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void
unescape (char *s)
{
  char *out = s;

  for (; *s; s++)
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3])
      {
        *out++ = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
        s += 3;
      }
    else
      *out++ = *s;
  *out = '\0';
}

/* The controller options of a v1 super block: its options minus the
   generic ones ("rw,nosuid,cpu,cpuacct" -> "cpu,cpuacct"). */
static char *
v1_key (const char *super_opts)
{
  static const char *const generic[]
      = { "rw",      "ro",    "nosuid",         "nodev",    "noexec",         "relatime",
          "noatime", "xattr", "clone_children", "noprefix", "cpuset_v2_mode", NULL };
  _cleanup_free_ char *copy = strdup (super_opts);
  char *out = calloc (1, strlen (super_opts) + 1), *save = NULL;

  if (copy == NULL || out == NULL)
    return out;
  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    {
      bool skip = strncmp (t, "release_agent=", 14) == 0;
      for (size_t i = 0; generic[i] && !skip; i++)
        skip = strcmp (t, generic[i]) == 0;
      if (skip)
        continue;
      if (*out)
        strcat (out, ",");
      strcat (out, t);
    }
  return out;
}

static int
add_hier (struct cgroup_layout *l, const char *mount, const char *mroot, const char *key, bool v2)
{
  struct cgroup_hier *h = realloc (l->h, (l->n + 1) * sizeof *h);

  if (h == NULL)
    return -ENOMEM;
  l->h = h;
  for (size_t i = 0; i < l->n; i++)
    if (strcmp (h[i].key, key) == 0 && h[i].v2 == v2)
      return 0; /* the same hierarchy mounted twice: the first mount is enough */
  h[l->n] = (struct cgroup_hier){ .v2 = v2 };
  if (asprintf (&h[l->n].mount, "%s%s", test_root ? test_root : "", mount) < 0)
    return -ENOMEM;
  h[l->n].mount_root = strdup (mroot);
  h[l->n].key = strdup (key);
  if (h[l->n].mount_root == NULL || h[l->n].key == NULL)
    return -ENOMEM;
  if (v2)
    l->v2 = (int) l->n;
  l->n++;
  return 0;
}

static int
parse_mountinfo_line (struct cgroup_layout *l, char *line)
{
  char *fields[12] = { NULL }, *save = NULL, *dash;
  size_t n = 0;

  dash = strstr (line, " - ");
  if (dash == NULL)
    return 0;
  *dash = '\0';
  for (char *t = strtok_r (line, " ", &save); t && n < 5; t = strtok_r (NULL, " ", &save))
    fields[n++] = t;
  if (n < 5)
    return 0;
  save = NULL;
  char *fstype = strtok_r (dash + 3, " ", &save), *source = strtok_r (NULL, " ", &save);
  char *opts = strtok_r (NULL, " \n", &save);
  if (fstype == NULL || source == NULL || opts == NULL)
    return 0;
  unescape (fields[3]);
  unescape (fields[4]);
  if (strcmp (fstype, "cgroup2") == 0)
    return add_hier (l, fields[4], fields[3], "", true);
  if (strcmp (fstype, "cgroup") == 0)
    {
      _cleanup_free_ char *key = v1_key (opts);
      if (key == NULL)
        return -ENOMEM;
      return add_hier (l, fields[4], fields[3], key, false);
    }
  return 0;
}

/* A /proc/self file (or the test tree's copy of it), whole. */
static int
read_proc_file (const char *name, char **ret)
{
  char path[4096];

  if (test_root)
    snprintf (path, sizeof path, "%s/%s", test_root, name);
  else
    snprintf (path, sizeof path, "/proc/self/%s", name);
  return fs_read_all (AT_FDCWD, path, ret, NULL);
}

/* Cuts the first line off *text (NUL-terminated in place); NULL at the end. */
static char *
next_line (char **text)
{
  char *line = *text, *nl;

  if (line == NULL || *line == '\0')
    return NULL;
  nl = strchr (line, '\n');
  if (nl)
    *nl++ = '\0';
  *text = nl;
  return line;
}

/* Does the comma-separated `list` contain `word`? */
static bool
list_has (const char *list, const char *word)
{
  size_t len = strlen (word);

  for (const char *p = list; p && *p;)
    {
      const char *end = strchrnul (p, ',');
      if ((size_t) (end - p) == len && strncmp (p, word, len) == 0)
        return true;
      p = *end ? end + 1 : end;
    }
  return false;
}

/* "4:memory:/a/b" lines: our own cgroup in each hierarchy. */
static int
read_own_cgroups (struct cgroup_layout *l)
{
  _cleanup_free_ char *text = NULL;
  char *rest, *line;
  int r = read_proc_file ("cgroup", &text);

  if (r < 0)
    return r;
  rest = text;
  while ((line = next_line (&rest)) != NULL)
    {
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      *c2 = '\0';
      for (size_t i = 0; i < l->n; i++)
        {
          bool match = l->h[i].v2 ? c1[1] == '\0' : strcmp (c1 + 1, l->h[i].key) == 0;
          if (match && l->h[i].own == NULL && (l->h[i].own = strdup (c2 + 1)) == NULL)
            return -ENOMEM;
        }
    }
  for (size_t i = 0; i < l->n; i++)
    if (l->h[i].own == NULL && (l->h[i].own = strdup ("/")) == NULL)
      return -ENOMEM;
  return 0;
}

static int
read_v2_controllers (struct cgroup_layout *l)
{
  _cleanup_free_ char *text = NULL, *path = NULL;
  _cleanup_close_ int fd = -1;
  size_t n = 0;
  char *save = NULL;

  if (l->v2 < 0)
    return 0;
  fd = open (l->h[l->v2].mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || cgroup_read (fd, "cgroup.controllers", &text) < 0)
    text = strdup ("");
  if (text == NULL)
    return -ENOMEM;
  l->v2_controllers = calloc (strlen (text) / 2 + 2, sizeof (char *));
  if (l->v2_controllers == NULL)
    return -ENOMEM;
  for (char *t = strtok_r (text, " \n", &save); t; t = strtok_r (NULL, " \n", &save))
    if ((l->v2_controllers[n++] = strdup (t)) == NULL)
      return -ENOMEM;
  return 0;
}

static int
detect (struct cgroup_layout **ret)
{
  struct cgroup_layout *l = calloc (1, sizeof *l);
  _cleanup_free_ char *mountinfo = NULL;
  char *rest, *line;
  int r;

  if (l == NULL)
    return -ENOMEM;
  l->v2 = -1;
  l->test_mode = test_root != NULL;
  r = read_proc_file ("mountinfo", &mountinfo);
  rest = mountinfo;
  while (r == 0 && (line = next_line (&rest)) != NULL)
    r = parse_mountinfo_line (l, line);
  if (r == 0)
    r = read_own_cgroups (l);
  if (r == 0)
    r = read_v2_controllers (l);
  if (r < 0)
    {
      layout_free (l);
      return r;
    }
  *ret = l;
  return 0;
}

int
cgroup_layout_get (const struct cgroup_layout **ret, struct ocirt_error **err)
{
  if (cached == NULL)
    {
      int r = detect (&cached);
      if (r < 0)
        return ocirt_error_set (err, -r, "detect the cgroup hierarchies");
      mount_fds = malloc ((cached->n + 1) * sizeof *mount_fds);
      if (mount_fds == NULL)
        return ocirt_error_set (err, ENOMEM, "detect the cgroup hierarchies");
      for (size_t i = 0; i < cached->n; i++)
        mount_fds[i] = -1;
    }
  *ret = cached;
  return 0;
}

enum cgroup_mode
cgroup_mode (void)
{
  const struct cgroup_layout *l;
  _cleanup_error_ struct ocirt_error *err = NULL;
  bool v1 = false;

  if (cgroup_layout_get (&l, &err) < 0)
    return CGROUP_MODE_NONE;
  for (size_t i = 0; i < l->n; i++)
    v1 |= !l->h[i].v2 && strncmp (l->h[i].key, "name=", 5) != 0;
  if (v1)
    return l->v2 >= 0 ? CGROUP_MODE_HYBRID : CGROUP_MODE_LEGACY;
  return l->v2 >= 0 ? CGROUP_MODE_UNIFIED : CGROUP_MODE_NONE;
}

int
cgroup_host_mounts (bool v2, struct cgroup_host_mount **ret, size_t *ret_n, struct ocirt_error **err)
{
  const struct cgroup_layout *l;
  struct cgroup_host_mount *m;
  size_t n = 0;
  int r = cgroup_layout_get (&l, err);

  if (r < 0)
    return r;
  m = calloc (l->n + 1, sizeof *m);
  if (m == NULL)
    return ocirt_error_set (err, ENOMEM, "cgroup mounts");
  for (size_t i = 0; i < l->n; i++)
    if (l->h[i].v2 == v2)
      m[n++] = (struct cgroup_host_mount){ l->h[i].mount, l->h[i].mount_root, l->h[i].key };
  *ret = m;
  *ret_n = n;
  return 0;
}

int
cgroup_layout_v1_index (const struct cgroup_layout *l, const char *controller)
{
  for (size_t i = 0; i < l->n; i++)
    if (!l->h[i].v2 && list_has (l->h[i].key, controller))
      return (int) i;
  return -1;
}

bool
cgroup_layout_v2_has (const struct cgroup_layout *l, const char *controller)
{
  for (size_t i = 0; l->v2_controllers && l->v2_controllers[i]; i++)
    if (strcmp (l->v2_controllers[i], controller) == 0)
      return true;
  return false;
}

bool
cgroup_layout_has (const struct cgroup_layout *l, const char *controller)
{
  return cgroup_layout_v1_index (l, controller) >= 0 || cgroup_layout_v2_has (l, controller);
}

void
cgroup_paths_free (char **paths, size_t n)
{
  for (size_t i = 0; paths && i < n; i++)
    free (paths[i]);
  free (paths);
}

/* One "KEY:PATH" line of a per-hierarchy identifier. */
static int
parse_ident_line (const struct cgroup_layout *l, const char *line, size_t len, char **paths)
{
  const char *colon = memchr (line, ':', len);

  if (colon == NULL || colon[1] != '/')
    return -EINVAL;
  for (size_t i = 0; i < l->n; i++)
    {
      const char *key = l->h[i].key;
      if ((size_t) (colon - line) == strlen (key) && strncmp (line, key, strlen (key)) == 0
          && paths[i] == NULL)
        {
          paths[i] = strndup (colon + 1, len - (size_t) (colon - line) - 1);
          return paths[i] ? 0 : -ENOMEM;
        }
    }
  return 0; /* a hierarchy that is no longer mounted */
}

int
cgroup_paths_parse (const struct cgroup_layout *l, const char *ident, char ***ret, struct ocirt_error **err)
{
  char **paths = calloc (l->n + 1, sizeof (char *));
  int r = 0;

  if (paths == NULL)
    return ocirt_error_set (err, ENOMEM, "cgroup");
  if (ident[0] == '/')
    for (size_t i = 0; i < l->n && r == 0; i++)
      r = (paths[i] = strdup (ident)) ? 0 : -ENOMEM;
  else
    for (const char *p = ident; *p && r == 0;)
      {
        size_t len = strcspn (p, "\n");
        r = parse_ident_line (l, p, len, paths);
        p += len + (p[len] == '\n');
      }
  if (r < 0)
    {
      cgroup_paths_free (paths, l->n);
      return ocirt_error_set (err, -r, "invalid cgroup identifier `%s`", ident);
    }
  *ret = paths;
  return 0;
}

/* The mount's root may be a sub-cgroup (a bind mount, a cgroup namespace):
   the cgroup path is then relative to it. */
const char *
cgroup_hier_relpath (const struct cgroup_hier *h, const char *path)
{
  size_t n = strlen (h->mount_root);

  if (strcmp (h->mount_root, "/") != 0 && strncmp (path, h->mount_root, n) == 0
      && (path[n] == '/' || path[n] == '\0'))
    path += n;
  while (*path == '/')
    path++;
  return *path ? path : ".";
}

/* The mount point of hierarchy `i` (of `cached`: the only layout there
   is), checked to be a cgroup file system. */
static int
hier_mount_fd (const struct cgroup_layout *l, size_t i, struct ocirt_error **err)
{
  _cleanup_close_ int mnt = -1;
  struct statfs sfs;

  if (mount_fds[i] >= 0)
    return mount_fds[i];
  mnt = open (l->h[i].mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (mnt < 0)
    return ocirt_error_set (err, errno, "open cgroup mount `%s`", l->h[i].mount);
  if (!l->test_mode
      && (fstatfs (mnt, &sfs) < 0 || (sfs.f_type != CGROUP_SUPER_MAGIC && sfs.f_type != CGROUP2_SUPER_MAGIC)))
    return ocirt_error_setx (err, EXDEV, "`%s` is not a cgroup file system", l->h[i].mount);
  mount_fds[i] = TAKE_FD (mnt);
  return mount_fds[i];
}

int
cgroup_hier_open (const struct cgroup_layout *l, size_t i, const char *path, int flags,
                  struct ocirt_error **err)
{
  struct open_how how = {
    .flags = (uint64_t) (O_RDONLY | O_DIRECTORY | O_CLOEXEC | flags),
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
  };
  int mnt = hier_mount_fd (l, i, err), fd;

  if (mnt < 0)
    return mnt;
  fd = (int) syscall (SYS_openat2, mnt, cgroup_hier_relpath (&l->h[i], path), &how, sizeof how);
  if (fd < 0)
    return ocirt_error_set (err, errno, "open cgroup `%s` in `%s`", path, l->h[i].mount);
  return fd;
}

static int
open_value_file (const struct cgroup_layout *l, int dirfd, const char *file)
{
  int flags = l->test_mode ? O_WRONLY | O_CREAT | O_APPEND : O_WRONLY | O_TRUNC;
  int fd = openat (dirfd, file, flags | O_CLOEXEC | O_NOFOLLOW, 0644);

  return fd < 0 ? -errno : fd;
}

static int
write_to (const struct cgroup_layout *l, int fd, const char *value)
{
  int r = fs_write_full (fd, value, strlen (value));

  if (r == 0 && l->test_mode)
    r = fs_write_full (fd, "\n", 1);
  return r;
}

static int
write_value (const struct cgroup_layout *l, int dirfd, const char *file, const char *value)
{
  _cleanup_close_ int fd = open_value_file (l, dirfd, file);

  return fd < 0 ? fd : write_to (l, fd, value);
}

int
cgroup_write_kept (const struct cgroup_layout *l, int dirfd, struct cgroup_file *f, const char *path,
                   const char *value, struct ocirt_error **err)
{
  int r = 0;

  if (f->fd < 0)
    r = f->fd = open_value_file (l, dirfd, f->name);
  if (r >= 0)
    r = write_to (l, f->fd, value);
  if (r < 0)
    return ocirt_error_set (err, -r, "write `%s` to `%s` of cgroup `%s`", value, f->name, path);
  log_debug ("cgroup %s: %s = %s", path, f->name, value);
  return 0;
}

int
cgroup_write (const struct cgroup_layout *l, int dirfd, const char *path, const char *file, const char *value,
              struct ocirt_error **err)
{
  int r = write_value (l, dirfd, file, value);

  if (r < 0)
    return ocirt_error_set (err, -r, "write `%s` to `%s` of cgroup `%s`", value, file, path);
  log_debug ("cgroup %s: %s = %s", path, file, value);
  return 0;
}

int
cgroup_writef (const struct cgroup_layout *l, int dirfd, const char *path, const char *file,
               struct ocirt_error **err, const char *fmt, ...)
{
  _cleanup_free_ char *value = NULL;
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vasprintf (&value, fmt, ap);
  va_end (ap);
  if (n < 0)
    return ocirt_error_set (err, ENOMEM, "cgroup");
  return cgroup_write (l, dirfd, path, file, value, err);
}

int
cgroup_write_pids_limit (const struct cgroup_layout *l, int dirfd, const char *path, int64_t limit,
                         struct ocirt_error **err)
{
  if (limit == 0)
    return 0;
  if (limit < 0)
    return cgroup_write (l, dirfd, path, "pids.max", "max", err);
  return cgroup_writef (l, dirfd, path, "pids.max", err, "%" PRId64, limit);
}

int
cgroup_read (int dirfd, const char *file, char **ret)
{
  size_t len = 0;
  char *text = NULL;
  int r = fs_read_all (dirfd, file, &text, &len);

  if (r < 0)
    return r;
  while (len > 0 && text[len - 1] == '\n')
    text[--len] = '\0';
  *ret = text;
  return 0;
}

int
cgroup_read_u64 (int dirfd, const char *file, uint64_t *ret)
{
  _cleanup_free_ char *text = NULL;
  char *end;
  int r = cgroup_read (dirfd, file, &text);

  if (r < 0)
    return r;
  if (strcmp (text, "max") == 0)
    {
      *ret = UINT64_MAX;
      return 0;
    }
  errno = 0;
  *ret = strtoull (text, &end, 10);
  return errno || end == text ? -EINVAL : 0;
}

int
cgroup_read_keyed (int dirfd, const char *file, const char *key, uint64_t *ret)
{
  _cleanup_free_ char *text = NULL;
  size_t klen = strlen (key);
  int r = cgroup_read (dirfd, file, &text);

  if (r < 0)
    return r;
  for (char *p = text; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (strncmp (p, key, klen) == 0 && p[klen] == ' ')
      {
        *ret = strtoull (p + klen + 1, NULL, 10);
        return 0;
      }
  return -ENOENT;
}

static int
append_procs (int dirfd, pid_t **pids, size_t *len)
{
  _cleanup_free_ char *text = NULL;
  int r = cgroup_read (dirfd, "cgroup.procs", &text);

  if (r == -ENOENT)
    return 0;
  if (r < 0)
    return r;
  for (char *p = text; *p;)
    {
      char *end;
      long pid = strtol (p, &end, 10);
      if (end == p)
        break;
      pid_t *n = realloc (*pids, (*len + 1) * sizeof *n);
      if (n == NULL)
        return -ENOMEM;
      *pids = n;
      n[(*len)++] = (pid_t) pid;
      p = end + strspn (end, "\n");
    }
  return 0;
}

int
cgroup_collect_pids (int dirfd, pid_t **pids, size_t *len)
{
  _cleanup_closedir_ DIR *d = NULL;
  struct dirent *de;
  int r = append_procs (dirfd, pids, len), fd;

  if (r < 0)
    return r;
  fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return -errno;
    }
  while ((de = readdir (d)) != NULL)
    {
      _cleanup_close_ int sub = -1;
      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      sub = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0 && (r = cgroup_collect_pids (sub, pids, len)) < 0)
        return r;
    }
  return 0;
}
