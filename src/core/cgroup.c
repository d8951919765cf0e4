/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup-systemd.h"
#include "cgroup-v1.h"
#include "cgroup-v2.h"
#include "cgroup.h"
#include "spec-linux.h"
#include "util/log.h"

/* The driver-neutral part: where a container's cgroup goes, creating,
   joining, freezing, killing and removing it in every hierarchy. The files
   each resource goes to are in cgroup-v1.c and cgroup-v2.c. */

bool
cgroup_v2_handles (const struct cgroup_layout *l, const char *v1_name)
{
  if (l->v2 < 0 || cgroup_layout_v1_index (l, v1_name) >= 0)
    return false;
  if (strcmp (v1_name, "devices") == 0)
    return true; /* an eBPF program, no controller to enable */
  return cgroup_layout_v2_has (l, strcmp (v1_name, "blkio") == 0 ? "io" : v1_name);
}

/* What every container may use whatever its config says (runc's list):
   mknod of anything, and the standard character devices and ptys. */
static const struct cgroup_dev_rule always_allowed[] = {
  { true, 'c', -1, -1, "m" }, { true, 'b', -1, -1, "m" }, { true, 'c', 1, 3, "rwm" },
  { true, 'c', 1, 8, "rwm" }, { true, 'c', 1, 7, "rwm" }, { true, 'c', 5, 0, "rwm" },
  { true, 'c', 1, 5, "rwm" }, { true, 'c', 1, 9, "rwm" }, { true, 'c', 136, -1, "rwm" },
  { true, 'c', 5, 2, "rwm" },
};

int
cgroup_device_rules (const struct oci_linux *linux_, struct cgroup_dev_rule **ret, size_t *ret_len)
{
  const struct oci_resources *res = linux_ ? linux_->resources : NULL;
  size_t n_res = res ? res->devices_len : 0, n = 0;
  /* linux.devices are created, not allowed: access to them is what
     linux.resources.devices says (runc's behaviour, which its tests check). */
  struct cgroup_dev_rule *rules = calloc (n_res + ARRAY_SIZE (always_allowed), sizeof *rules);

  if (rules == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < n_res; i++, n++)
    {
      const struct oci_device_cgroup *d = &res->devices[i];
      rules[n].allow = d->allow;
      rules[n].type = d->type && *d->type ? d->type[0] : 'a';
      rules[n].major = d->major_present ? d->major : -1;
      rules[n].minor = d->minor_present ? d->minor : -1;
      snprintf (rules[n].access, sizeof rules[n].access, "%s", d->access ? d->access : "rwm");
    }
  memcpy (rules + n, always_allowed, sizeof always_allowed);
  *ret = rules;
  *ret_len = n + ARRAY_SIZE (always_allowed);
  return 0;
}

/* --- planning ------------------------------------------------------------ */

static bool
cpu_used (const struct oci_cpu *c)
{
  return c
         && (c->shares_present || c->quota_present || c->period_present || c->burst_present
             || c->realtime_runtime_present || c->realtime_period_present || c->idle_present);
}

/* "invalid configuration": runc's words, which its callers and tests match. */
static int
check_unified (const struct cgroup_layout *l, const struct oci_map *u, struct ocirt_error **err)
{
  if (u == NULL || u->len == 0)
    return 0;
  if (l->v2 < 0)
    return ocirt_error_setx (err, ENOTSUP,
                             "invalid configuration: linux.resources.unified: needs cgroup v2, and this host "
                             "only has cgroup v1");
  for (size_t i = 0; i < u->len; i++)
    {
      const char *k = u->keys[i];
      size_t n = strcspn (k, ".");
      _cleanup_free_ char *ctrl = strndup (k, n);
      if (ctrl == NULL)
        return ocirt_error_set (err, ENOMEM, "cgroup");
      /* On a hybrid host a v1 controller's files are not in the v2 cgroup. */
      if (strcmp (ctrl, "cgroup") != 0 && !cgroup_layout_v2_has (l, ctrl))
        return ocirt_error_setx (err, ENOTSUP,
                                 "invalid configuration: linux.resources.unified: `%s`: the %s controller "
                                 "is not on this host's cgroup v2 hierarchy",
                                 k, ctrl);
    }
  return 0;
}

/* Refuses resources this host has no controller for, before anything exists. */
static int
check_host (const struct cgroup_layout *l, const struct oci_resources *res, struct ocirt_error **err)
{
  const struct
  {
    const char *v1, *v2, *field;
    bool used;
  } need[] = {
    { "memory", "memory", "memory", res->memory != NULL },
    { "cpu", "cpu", "cpu", cpu_used (res->cpu) },
    { "cpuset", "cpuset", "cpu.cpus/mems", res->cpu && (res->cpu->cpus || res->cpu->mems) },
    { "blkio", "io", "blockIO", res->block_io != NULL },
    { "pids", "pids", "pids", res->pids != NULL },
    { "hugetlb", "hugetlb", "hugepageLimits", res->hugepage_limits_len > 0 },
    { "rdma", "rdma", "rdma", res->rdma && res->rdma->len > 0 },
    { "net_cls", NULL, "network.classID", res->network && res->network->class_id_present },
    { "net_prio", NULL, "network.priorities", res->network && res->network->priorities_len > 0 },
  };

  for (size_t i = 0; i < ARRAY_SIZE (need); i++)
    if (need[i].used && cgroup_layout_v1_index (l, need[i].v1) < 0
        && !(need[i].v2 && cgroup_layout_v2_has (l, need[i].v2)))
      return ocirt_error_setx (err, ENOTSUP,
                               "linux.resources.%s: the %s controller is not available on this host",
                               need[i].field, need[i].v2 && l->v2 >= 0 ? need[i].v2 : need[i].v1);
  return check_unified (l, res->unified, err);
}

/* base + "/" + rel, without empty or "." components. */
static char *
join_path (const char *base, const char *rel)
{
  size_t cap = strlen (base) + strlen (rel) + 3, n = 0;
  char *out = malloc (cap), *copy = NULL, *save = NULL;

  if (out == NULL || asprintf (&copy, "%s/%s", base, rel) < 0)
    {
      free (out);
      return NULL;
    }
  for (char *t = strtok_r (copy, "/", &save); t; t = strtok_r (NULL, "/", &save))
    if (strcmp (t, ".") != 0)
      n += (size_t) snprintf (out + n, cap - n, "/%s", t);
  if (n == 0)
    strcpy (out, "/");
  free (copy);
  return out;
}

static char *
parent_of (const char *path)
{
  char *p = strdup (path), *slash = p ? strrchr (p, '/') : NULL;

  if (slash)
    *(slash == p ? slash + 1 : slash) = '\0';
  return p;
}

/* One path per hierarchy; the identifier is that path when they agree. */
static int
make_ident (const struct cgroup_layout *l, const char *rel, char **ret)
{
  _cleanup_free_ char *out = calloc (1, 1);
  bool same = true;
  char *first = NULL;

  for (size_t i = 0; out && i < l->n; i++)
    {
      _cleanup_free_ char *base = l->h[i].v2 ? parent_of (l->h[i].own) : strdup (l->h[i].own);
      _cleanup_free_ char *path = base ? join_path (base, rel) : NULL;
      char *grown = NULL;
      if (path == NULL || asprintf (&grown, "%s%s%s:%s", out, i ? "\n" : "", l->h[i].key, path) < 0)
        return -ENOMEM;
      free (out);
      out = grown;
      if (i == 0)
        first = strdup (path);
      same &= first && strcmp (first, path) == 0;
    }
  if (out == NULL || (l->n && first == NULL))
    return -ENOMEM;
  if (same && first)
    {
      *ret = first;
      return 0;
    }
  free (first);
  *ret = TAKE_PTR (out);
  return 0;
}

int
cgroup_plan (const char *id, const struct oci_linux *linux_, bool systemd, char **ret_path,
             struct ocirt_error **err)
{
  const struct oci_resources *res = linux_ ? linux_->resources : NULL;
  const char *cg = linux_ && linux_->cgroups_path && *linux_->cgroups_path ? linux_->cgroups_path : id;
  const struct cgroup_layout *l;
  int r;

  if (res && (r = spec_validate_resources (res, "linux.resources", err)) < 0)
    return r;
  if (strchr (cg, '\n'))
    return ocirt_error_setx (err, EINVAL, "linux.cgroupsPath: must not contain a newline");
  r = cgroup_layout_get (&l, err);
  if (r < 0)
    return r;
  if (res && (r = check_host (l, res, err)) < 0)
    return r;
  if (systemd)
    return cgroup_systemd_check (id, linux_ ? linux_->cgroups_path : NULL, ret_path, err);
  if (l->n == 0)
    {
      *ret_path = NULL;
      return 0;
    }
  if (cg[0] == '/')
    *ret_path = join_path ("/", cg);
  else if ((r = make_ident (l, cg, ret_path)) < 0)
    return ocirt_error_set (err, -r, "cgroup path");
  if (*ret_path == NULL)
    return ocirt_error_set (err, ENOMEM, "cgroup path");
  return 0;
}

/* --- creating and joining ------------------------------------------------ */

/* mkdir -p of `path` in hierarchy `i`; returns an fd of the leaf, and sets
 *existed when the leaf was there already. */
static int
make_dirs (const struct cgroup_layout *l, size_t i, const char *path, bool *existed, struct ocirt_error **err)
{
  _cleanup_free_ char *rel = strdup (cgroup_hier_relpath (&l->h[i], path));
  _cleanup_close_ int fd = cgroup_hier_open (l, i, "/", 0, err);
  bool cpuset = cgroup_layout_v1_index (l, "cpuset") == (int) i;
  char *save = NULL;

  if (fd < 0)
    return fd;
  if (rel == NULL)
    return ocirt_error_set (err, ENOMEM, "cgroup");
  *existed = true; /* the top of the mount, until a level is made */
  for (char *t = strtok_r (rel, "/", &save); t; t = strtok_r (NULL, "/", &save))
    {
      int child;
      if (strcmp (t, ".") == 0)
        continue;
      if (l->h[i].v2)
        cgroup_v2_enable_controllers (l, fd, path);
      *existed = mkdirat (fd, t, 0755) < 0;
      if (*existed && errno != EEXIST)
        return ocirt_error_set (err, errno, "create cgroup `%s` in `%s`", path, l->h[i].mount);
      child = openat (fd, t, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0)
        return ocirt_error_set (err, errno, "open cgroup `%s` in `%s`", path, l->h[i].mount);
      if (cpuset && cgroup_v1_cpuset_inherit (l, fd, child, path, err) < 0)
        {
          close (child);
          return -(*err)->code;
        }
      cleanup_closep (&fd);
      fd = child;
    }
  return TAKE_FD (fd);
}

/* Runs `fn` on the open cgroup of every hierarchy the identifier names;
   with `create`, made first where missing (*existed: it was somewhere). */
typedef int (*hier_fn) (const struct cgroup_layout *l, size_t i, int fd, const char *path, void *data,
                        struct ocirt_error **err);

static int
for_each_hier (const char *ident, enum cgroup_kind kinds, bool create, bool *existed, hier_fn fn, void *data,
               struct ocirt_error **err)
{
  const struct cgroup_layout *l;
  char **paths = NULL;
  int r = cgroup_layout_get (&l, err);

  if (r == 0)
    r = cgroup_paths_parse (l, ident, &paths, err);
  for (size_t i = 0; r >= 0 && i < l->n; i++)
    {
      _cleanup_close_ int fd = -1;
      if (paths[i] == NULL || !(kinds & (l->h[i].v2 ? CGROUP_V2 : CGROUP_V1)))
        continue;
      bool here = false;
      fd = create ? make_dirs (l, i, paths[i], &here, err) : cgroup_hier_open (l, i, paths[i], 0, err);
      if (here && existed)
        *existed = true;
      r = fd < 0 ? fd : fn (l, i, fd, paths[i], data, err);
    }
  if (paths)
    cgroup_paths_free (paths, l->n);
  return r;
}

struct apply_args
{
  const struct oci_resources *res;
  const struct cgroup_dev_rule *rules;
  size_t n_rules;
  bool update;
  struct cgroup_join *join; /* cgroup_create: filled for the init, if not NULL */
};

static int
apply_one (const struct cgroup_layout *l, size_t i, int fd, const char *path, void *data,
           struct ocirt_error **err)
{
  const struct apply_args *a = data;
  int r;

  if (l->h[i].v2)
    r = cgroup_v2_apply (l, fd, path, a->res, a->rules, a->n_rules, a->update, err);
  else
    r = cgroup_v1_apply (l, i, fd, path, a->res, a->rules, a->n_rules, a->update, err);
  return r < 0 || a->join == NULL ? r : cgroup_join_add (a->join, l, i, fd, path, err);
}

int
cgroup_create (const char *path, const struct oci_linux *linux_, enum cgroup_kind kinds,
               struct cgroup_join *ret_join, struct ocirt_error **err)
{
  _cleanup_free_ struct cgroup_dev_rule *rules = NULL;
  struct cgroup_join join = { .v2_fd = -1 };
  struct apply_args a = { .res = linux_ ? linux_->resources : NULL, .join = ret_join ? &join : NULL };
  bool existed = false;
  int r;

  if (cgroup_device_rules (linux_, &rules, &a.n_rules) < 0)
    return ocirt_error_set (err, ENOMEM, "device rules");
  a.rules = rules;
  r = for_each_hier (path, kinds, true, &existed, apply_one, &a, err);
  if (r < 0 || ret_join == NULL)
    cgroup_join_release (&join);
  else
    *ret_join = join;
  return r < 0 ? r : existed;
}

int
cgroup_update (const char *path, const struct oci_resources *res, struct ocirt_error **err)
{
  /* Device rules are left alone: rewriting them would briefly deny every
     device to running processes. */
  struct apply_args a = { .res = res, .update = true };
  int r = spec_validate_resources (res, SPEC_UPDATE_PREFIX, err);

  return r < 0 ? r : for_each_hier (path, CGROUP_ANY, false, NULL, apply_one, &a, err);
}
