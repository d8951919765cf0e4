/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/cgroup.h"
#include "core/mount.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/path.h"

/* The `cgroup` and `cgroup2` mount entries. On a v1 or hybrid host a `cgroup`
   entry becomes, as with runc, a tmpfs holding one directory per v1 hierarchy:
   the container's own cgroup of that hierarchy bound there, or, with a cgroup
   namespace, a fresh cgroup mount of it. On a pure v2 host it is cgroup2. */

/* One cgroup hierarchy the runtime is in: where the host mounts it and which
   cgroup of it the process belongs to. */
struct hierarchy
{
  char *mountpoint;
  char *source;      /* mountpoint + our cgroup's path relative to the mount root */
  char *controllers; /* "cpu,cpuacct", "name=systemd", "" for v2 */
};

static void
hierarchies_free (struct hierarchy *h, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (h[i].mountpoint);
      free (h[i].source);
      free (h[i].controllers);
    }
  free (h);
}

/* Finds, in the text of /proc/self/cgroup ("4:cpu,cpuacct:/a/b" lines), the
   line of the hierarchy named `controllers` ("" is cgroup2's "0::" line);
   returns its path, or NULL. */
static char *
cgroup_line_for (const char *own, const char *controllers)
{
  size_t want = strlen (controllers);

  for (const char *p = own; *p;)
    {
      size_t len = strcspn (p, "\n");
      const char *c1 = memchr (p, ':', len);
      const char *c2 = c1 ? memchr (c1 + 1, ':', len - (size_t) (c1 + 1 - p)) : NULL;
      if (c2 && (size_t) (c2 - c1 - 1) == want && memcmp (c1 + 1, controllers, want) == 0)
        return strndup (c2 + 1, len - (size_t) (c2 + 1 - p));
      p += len + (p[len] == '\n');
    }
  return NULL;
}

static int
add_hierarchy (struct hierarchy **h, size_t *n, const char *own, const struct cgroup_host_mount *m)
{
  _cleanup_free_ char *cg = cgroup_line_for (own, m->controllers);
  if (cg == NULL)
    return 0; /* not ours (a hierarchy mounted twice, or in no line) */
  /* A hierarchy mounted twice on the host (bind mounts of it) once only. */
  for (size_t i = 0; i < *n; i++)
    if (strcmp ((*h)[i].controllers, m->controllers) == 0)
      return 0;
  /* Our cgroup relative to the root of that mount (which is not always the
     hierarchy's root). */
  const char *root = m->mount_root;
  size_t rl = strlen (root);
  const char *rel = strcmp (root, "/") == 0 ? cg : strncmp (cg, root, rl) == 0 ? cg + rl : "";
  struct hierarchy *nh = realloc (*h, (*n + 1) * sizeof (**h));
  if (nh == NULL)
    return -ENOMEM;
  *h = nh;
  struct hierarchy *e = &nh[(*n)++];
  *e = (struct hierarchy){ .controllers = strdup (m->controllers), .mountpoint = strdup (m->mountpoint) };
  if (asprintf (&e->source, "%s%s", m->mountpoint, rel) < 0)
    e->source = NULL;
  return e->source && e->mountpoint && e->controllers ? 0 : -ENOMEM;
}

/* The host's cgroup mounts of type v1 or cgroup2, with the container's
   cgroup in each: `member` as /proc/PID/cgroup shows it, or NULL for the
   cgroups this process is in now (the init, which joined them). */
static int
find_hierarchies (bool v2, const char *member, struct hierarchy **ret, size_t *ret_n,
                  struct ocirt_error **err)
{
  _cleanup_free_ struct cgroup_host_mount *mounts = NULL;
  _cleanup_free_ char *read = NULL;
  const char *own = member;
  struct hierarchy *h = NULL;
  size_t n = 0, n_mounts = 0;
  int r;

  if (cgroup_host_mounts (v2, &mounts, &n_mounts, err) < 0)
    return -(*err)->code;
  if (own == NULL)
    {
      r = fs_read_all (AT_FDCWD, "/proc/self/cgroup", &read, NULL);
      if (r < 0)
        return ocirt_error_set (err, -r, "read /proc/self/cgroup");
      own = read;
    }
  for (size_t i = 0; i < n_mounts; i++)
    {
      r = add_hierarchy (&h, &n, own, &mounts[i]);
      if (r < 0)
        {
          hierarchies_free (h, n);
          return ocirt_error_set (err, -r, "read cgroup mounts");
        }
    }
  *ret = h;
  *ret_n = n;
  return 0;
}

static const char *
basename_of (const char *p)
{
  const char *s = strrchr (p, '/');
  return s ? s + 1 : p;
}

/* One v1 hierarchy below the tmpfs `top`: a fresh mount with a cgroup
   namespace (it then shows the namespace's root), else our cgroup bound. */
static int
mount_v1_hierarchy (int top, const struct hierarchy *h, const struct mount_options *o,
                    const struct mount_env *env, struct ocirt_error **err)
{
  const char *name = basename_of (h->mountpoint);
  if (mkdirat (top, name, 0755) < 0 && errno != EEXIST)
    return ocirt_error_set (err, errno, "mkdir `%s`", name);
  _cleanup_close_ int dir = openat (top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0)
    return ocirt_error_set (err, errno, "open `%s`", name);
  int r;
  if (env->cgroupns)
    r = mount_fs_at ("cgroup", dir, "cgroup", o->flags & ~(MS_BIND | MS_REC), h->controllers, err);
  else
    r = mount_bind (AT_FDCWD, h->source, dir, false, o, env, err);
  if (r < 0)
    return ocirt_error_prefix (err, "cgroup `%s`", name);
  /* Co-mounted controllers ("cpu,cpuacct") get a symlink each, as on the host. */
  if (strchr (name, ',') == NULL)
    return 0;
  _cleanup_free_ char *copy = strdup (name);
  char *save = NULL;
  for (char *t = copy ? strtok_r (copy, ",", &save) : NULL; t; t = strtok_r (NULL, ",", &save))
    if (symlinkat (name, top, t) < 0 && errno != EEXIST)
      return ocirt_error_set (err, errno, "symlink cgroup `%s`", t);
  return 0;
}

/* Fills the tmpfs `top`: a directory per v1 hierarchy, then read-only if
   the entry says so. */
static int
fill_v1_tmpfs (int top, const char *member, const struct mount_options *o, const struct mount_env *env,
               struct ocirt_error **err)
{
  struct hierarchy *h = NULL;
  size_t n = 0;
  int r = 0;

  if (find_hierarchies (false, member, &h, &n, err) < 0)
    return -(*err)->code;
  for (size_t i = 0; i < n && r == 0; i++)
    r = mount_v1_hierarchy (top, &h[i], o, env, err);
  hierarchies_free (h, n);
  if (r == 0 && (o->flags & MS_RDONLY))
    r = mount_make_readonly (top, false, err);
  return r;
}

static int
mount_cgroup_v1 (int root_fd, const struct oci_mount *m, const struct mount_options *o,
                 const struct mount_env *env, struct ocirt_error **err)
{
  _cleanup_close_ int dst = path_mkdir_in_root (root_fd, m->destination, 0755, err);
  if (dst < 0)
    return dst;
  /* Made by the runtime while we joined our cgroups (mount_cgroup_tree). */
  if (env->source_tree >= 0)
    {
      _cleanup_close_ int tree = env->source_tree;
      return mount_attach_tree (tree, dst, err);
    }
  int r = mount_fs_at ("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", err);
  if (r < 0)
    return r;
  _cleanup_close_ int top = path_open_in_root (root_fd, m->destination, O_PATH | O_DIRECTORY, 0, err);
  if (top < 0)
    return top;
  return fill_v1_tmpfs (top, NULL, o, env, err);
}

/* cgroup2: a fresh mount, or without a cgroup namespace where that is refused
   (EPERM in a user namespace, EBUSY...), our own cgroup bound from the host. */
static int
mount_cgroup_v2 (int root_fd, const struct oci_mount *m, const struct mount_options *o,
                 const struct mount_env *env, struct ocirt_error **err)
{
  _cleanup_close_ int dst = path_mkdir_in_root (root_fd, m->destination, 0755, err);
  _cleanup_error_ struct ocirt_error *first = NULL;
  struct hierarchy *h = NULL;
  size_t n = 0;

  if (dst < 0)
    return dst;
  int r = mount_fs_at ("cgroup2", dst, "cgroup2", o->flags & ~(MS_BIND | MS_REC), o->data, &first);
  if (r == 0 || env->cgroupns || (first->code != EPERM && first->code != EBUSY))
    {
      if (r < 0)
        *err = TAKE_PTR (first);
      return r;
    }
  if (find_hierarchies (true, NULL, &h, &n, err) < 0)
    return -(*err)->code;
  r = n ? mount_bind (AT_FDCWD, h[0].source, dst, true, o, env, err)
        : ocirt_error_setx (err, ENOENT, "mount cgroup2: no cgroup2 hierarchy on the host");
  hierarchies_free (h, n);
  return r;
}

static bool
host_is_v2 (void)
{
  struct statfs sfs;
  return statfs ("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

int
mount_cgroup_entry (int root_fd, const struct oci_mount *m, const struct mount_options *o,
                    const struct mount_env *env, struct ocirt_error **err)
{
  if (strcmp (m->type, "cgroup2") == 0 || host_is_v2 ())
    return mount_cgroup_v2 (root_fd, m, o, env, err);
  return mount_cgroup_v1 (root_fd, m, o, env, err);
}

/* --- built by the runtime ---------------------------------------------------- */

ssize_t
mount_cgroup_tree_entry (const struct oci_config *config)
{
  const struct oci_linux *l = config->linux_;

  for (size_t i = 0; l && i < l->namespaces_len; i++)
    if (strcmp (l->namespaces[i].type, "cgroup") == 0 || strcmp (l->namespaces[i].type, "user") == 0)
      return -1;
  for (size_t i = 0; i < config->mounts_len; i++)
    {
      const struct oci_mount *m = &config->mounts[i];
      if (m->type && strcmp (m->type, "cgroup") == 0 && !mountopt_names_bind (m->options, m->options_len))
        return host_is_v2 () ? -1 : (ssize_t) i;
    }
  return -1;
}

int
mount_cgroup_tree (const struct oci_mount *m, const char *member, int *ret_tree, struct ocirt_error **err)
{
  const struct mount_env env = { .source_tree = -1 };
  struct mount_options o;
  _cleanup_close_ int top = -1;
  int r = mountopt_parse (m->options, m->options_len, &o, err);

  if (r < 0)
    return r;
  top = mount_new_tmpfs ("tmpfs", "755", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
  r = top < 0 ? top : fill_v1_tmpfs (top, member, &o, &env, err);
  mountopt_clear (&o);
  if (r == 0)
    *ret_tree = TAKE_FD (top);
  return r;
}
