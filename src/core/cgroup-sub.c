/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec --cgroup: which sub-cgroup of the container's cgroup a new process
   joins, per hierarchy. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-internal.h"
#include "cgroup.h"
#include "util/cleanup.h"

/* `sub` as "a/b" (no empty, "." or leading "/" components; "" for the
   container's own cgroup); NULL with -EINVAL when a component is "..". */
static int
clean_sub (const char *sub, char **ret)
{
  _cleanup_free_ char *copy = strdup (sub);
  _cleanup_free_ char *out = calloc (1, strlen (sub) + 1);
  char *save = NULL;

  if (copy == NULL || out == NULL)
    return -ENOMEM;
  for (char *t = strtok_r (copy, "/", &save); t; t = strtok_r (NULL, "/", &save))
    {
      if (strcmp (t, "..") == 0)
        return -EINVAL;
      if (strcmp (t, ".") == 0)
        continue;
      if (*out)
        strcat (out, "/");
      strcat (out, t);
    }
  *ret = TAKE_PTR (out);
  return 0;
}

/* The hierarchy of `controller` (len bytes): a v1 one naming it, else the
   cgroup2 one when it has it; -1 if none. */
static int
hier_of (const struct cgroup_layout *l, const char *controller, size_t len)
{
  _cleanup_free_ char *name = strndup (controller, len);
  int i;

  if (name == NULL)
    return -1;
  i = cgroup_layout_v1_index (l, name);
  if (i < 0 && l->v2 >= 0 && cgroup_layout_v2_has (l, name))
    i = l->v2;
  return i;
}

/* Records `sub` for every hierarchy `spec` names (all of them without a
   controller list); a controller-specific spec wins over a general one. */
static int
apply_spec (const struct cgroup_layout *l, const char *spec, char **subs, bool *specific,
            struct ocirt_error **err)
{
  const char *colon = strchr (spec, ':'), *path = colon ? colon + 1 : spec;
  _cleanup_free_ char *clean = NULL;
  int r = clean_sub (path, &clean);

  if (r == -EINVAL || strchr (path, '\n'))
    return ocirt_error_setx (err, EINVAL, "--cgroup: %s is not a sub cgroup path", path);
  if (r < 0)
    return ocirt_error_set (err, -r, "--cgroup");
  for (size_t i = 0; colon == NULL && i < l->n; i++)
    if (!specific[i])
      {
        free (subs[i]);
        if ((subs[i] = strdup (clean)) == NULL)
          return ocirt_error_set (err, ENOMEM, "--cgroup");
      }
  for (const char *c = spec; colon && c < colon;)
    {
      size_t n = strcspn (c, ",:");
      int i = hier_of (l, c, n);
      if (i < 0)
        return ocirt_error_setx (err, EINVAL, "--cgroup: unknown controller `%.*s`", (int) n, c);
      free (subs[i]);
      if ((subs[i] = strdup (clean)) == NULL)
        return ocirt_error_set (err, ENOMEM, "--cgroup");
      specific[i] = true;
      c += n + (c[n] == ',');
    }
  return 0;
}

/* One "KEY:PATH" line per hierarchy the container has a cgroup in. */
static int
format_ident (const struct cgroup_layout *l, char **paths, char **subs, char **ret, struct ocirt_error **err)
{
  _cleanup_free_ char *out = strdup ("");

  for (size_t i = 0; i < l->n && out; i++)
    {
      char *grown = NULL;
      const char *base = paths[i], *sub = subs[i] ? subs[i] : "";
      bool slash = *sub && strcmp (base, "/") != 0;
      if (base == NULL)
        continue;
      if (asprintf (&grown, "%s%s%s:%s%s%s", out, *out ? "\n" : "", l->h[i].key, base, slash ? "/" : "", sub)
          < 0)
        grown = NULL;
      free (out);
      out = grown;
    }
  if (out == NULL)
    return ocirt_error_set (err, ENOMEM, "--cgroup");
  *ret = TAKE_PTR (out);
  return 0;
}

int
cgroup_sub_ident (const char *ident, char *const *specs, size_t n_specs, char **ret, struct ocirt_error **err)
{
  const struct cgroup_layout *l;
  char **paths = NULL, **subs = NULL;
  _cleanup_free_ bool *specific = NULL;
  int r = cgroup_layout_get (&l, err);

  if (r < 0)
    return r;
  r = cgroup_paths_parse (l, ident, &paths, err);
  if (r < 0)
    return r;
  subs = calloc (l->n + 1, sizeof (char *));
  specific = calloc (l->n + 1, sizeof (bool));
  if (subs == NULL || specific == NULL)
    r = ocirt_error_set (err, ENOMEM, "--cgroup");
  for (size_t i = 0; r == 0 && i < n_specs; i++)
    r = apply_spec (l, specs[i], subs, specific, err);
  if (r == 0)
    r = format_ident (l, paths, subs, ret, err);
  cgroup_paths_free (paths, l->n);
  if (subs)
    cgroup_paths_free (subs, l->n);
  return r;
}
