/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-systemd-internal.h"

/* Where a container's unit goes: linux.cgroupsPath in runc's systemd form
   "slice:prefix:name". The unit is "prefix-name.scope" in the slice, or the
   slice "name" itself when it ends in ".slice"; systemd places a slice by
   its name, each "-" a level ("a-b.slice" is "/a.slice/a-b.slice"). */

#define DEFAULT_SLICE "system.slice"
#define DEFAULT_PREFIX "ocirt"
#define SLICE_SUFFIX ".slice"
#define UNIT_NAME_MAX 255 /* systemd's limit, suffix included */

void
cgroup_sd_unit_release (struct cgroup_sd_unit *u)
{
  free (u->slice);
  free (u->name);
  free (u->path);
  *u = (struct cgroup_sd_unit){ 0 };
}

static bool
ends_with (const char *s, const char *suffix)
{
  size_t n = strlen (s), m = strlen (suffix);

  return n >= m && strcmp (s + n - m, suffix) == 0;
}

/* systemd's unit name rules: ASCII letters, digits, ":-_.\", a non-empty
   name before the type suffix, at most 255 characters. */
static bool
valid_unit_name (const char *name, const char *suffix)
{
  size_t n = strlen (name);

  if (n <= strlen (suffix) || n > UNIT_NAME_MAX || !ends_with (name, suffix))
    return false;
  return strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\") == n;
}

int
cgroup_sd_expand_slice (const char *slice, char **ret, struct ocirt_error **err)
{
  _cleanup_free_ char *base = NULL, *path = NULL;
  size_t len = 0;

  if (!valid_unit_name (slice, SLICE_SUFFIX))
    return ocirt_error_setx (err, EINVAL, "invalid slice name `%s`", slice);
  if (strcmp (slice, "-" SLICE_SUFFIX) == 0)
    {
      *ret = strdup ("/");
      return *ret ? 0 : ocirt_error_set (err, ENOMEM, "slice");
    }
  base = strndup (slice, strlen (slice) - strlen (SLICE_SUFFIX));
  /* Each dash-separated prefix is one level: "a-b" -> /a.slice/a-b.slice. */
  path = base ? malloc (strlen (base) * (strlen (base) + 8) + 2) : NULL;
  if (path == NULL)
    return ocirt_error_set (err, ENOMEM, "slice");
  for (const char *p = base;; p++)
    if (*p == '-' || *p == '\0')
      {
        if (p == base || p[-1] == '-' || (*p == '\0' && p[-1] == '-'))
          return ocirt_error_setx (err, EINVAL, "invalid slice name `%s`: empty level", slice);
        len += (size_t) sprintf (path + len, "/%.*s" SLICE_SUFFIX, (int) (p - base), base);
        if (*p == '\0')
          break;
      }
  *ret = TAKE_PTR (path);
  return 0;
}

/* Splits "slice:prefix:name" into its three parts (exactly two colons). */
static int
split_parts (const char *cgroups_path, char *parts[3], struct ocirt_error **err)
{
  const char *c1 = strchr (cgroups_path, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;

  if (c2 == NULL || strchr (c2 + 1, ':'))
    return ocirt_error_setx (err, EINVAL, "expected \"slice:prefix:name\" with --systemd-cgroup, got `%s`",
                             cgroups_path);
  parts[0] = strndup (cgroups_path, (size_t) (c1 - cgroups_path));
  parts[1] = strndup (c1 + 1, (size_t) (c2 - c1 - 1));
  parts[2] = strdup (c2 + 1);
  if (parts[0] == NULL || parts[1] == NULL || parts[2] == NULL)
    return ocirt_error_set (err, ENOMEM, "cgroup");
  return 0;
}

static int
make_unit (char *parts[3], struct cgroup_sd_unit *u, struct ocirt_error **err)
{
  _cleanup_free_ char *slice_path = NULL;
  const char *slice = *parts[0] ? parts[0] : DEFAULT_SLICE;
  int r;

  if (*parts[2] == '\0')
    return ocirt_error_setx (err, EINVAL, "the name part is empty");
  u->is_slice = ends_with (parts[2], SLICE_SUFFIX);
  if (u->is_slice)
    u->name = strdup (parts[2]);
  else if (asprintf (&u->name, "%s%s%s.scope", parts[1], *parts[1] ? "-" : "", parts[2]) < 0)
    u->name = NULL;
  u->slice = strdup (slice);
  if (u->name == NULL || u->slice == NULL)
    return ocirt_error_set (err, ENOMEM, "cgroup");
  r = cgroup_sd_expand_slice (u->slice, &slice_path, err);
  if (r < 0)
    return r;
  if (u->is_slice)
    /* A slice's place comes from its own name; its "slice" is only the
       unit it is wanted by. */
    return cgroup_sd_expand_slice (u->name, &u->path, err);
  if (!valid_unit_name (u->name, ".scope"))
    return ocirt_error_setx (err, EINVAL,
                             "invalid unit name `%s`: systemd takes ASCII letters, digits and \":-_.\\\", "
                             "255 characters at most",
                             u->name);
  if (asprintf (&u->path, "%s/%s", strcmp (slice_path, "/") == 0 ? "" : slice_path, u->name) < 0)
    return ocirt_error_set (err, ENOMEM, "cgroup");
  return 0;
}

int
cgroup_sd_unit_parse (const char *cgroups_path, const char *id, struct cgroup_sd_unit *ret,
                      struct ocirt_error **err)
{
  struct cgroup_sd_unit u = { 0 };
  char *parts[3] = { NULL, NULL, NULL };
  int r;

  if (cgroups_path == NULL || *cgroups_path == '\0')
    {
      parts[0] = strdup (DEFAULT_SLICE);
      parts[1] = strdup (DEFAULT_PREFIX);
      parts[2] = strdup (id);
      r = parts[0] && parts[1] && parts[2] ? 0 : ocirt_error_set (err, ENOMEM, "cgroup");
    }
  else
    r = split_parts (cgroups_path, parts, err);
  if (r == 0)
    r = make_unit (parts, &u, err);
  for (size_t i = 0; i < 3; i++)
    free (parts[i]);
  if (r < 0)
    {
      cgroup_sd_unit_release (&u);
      return ocirt_error_prefix (err, "linux.cgroupsPath");
    }
  *ret = u;
  return 0;
}
