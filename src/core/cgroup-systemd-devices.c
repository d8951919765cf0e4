/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-internal.h"
#include "cgroup-systemd-internal.h"
#include "util/log.h"

/* The container's device rules as DevicePolicy= and DeviceAllow=. systemd
   only knows a default (deny: "strict", allow: "auto") and a list of allowed
   devices, so the ordered rules are played through first, as the kernel's
   v1 devices controller would apply them. A deny rule that punches a hole
   into an allowed range cannot be said to systemd: the devices cgroup still
   gets it, written by cgroupfs after the unit starts. */

struct allowed
{
  char type; /* 'c' or 'b' */
  int64_t major, minor;
  char access[4];
};

struct device_list
{
  bool allow_all;
  struct allowed *v;
  size_t n;
};

static bool
full_access (const char *access)
{
  return strchr (access, 'r') && strchr (access, 'w') && strchr (access, 'm');
}

static void
add_access (char access[4], const char *more)
{
  for (const char *c = more; *c; c++)
    if (!strchr (access, *c) && strlen (access) < 3)
      strncat (access, c, 1);
}

static void
remove_access (char access[4], const char *less)
{
  char *out = access;

  for (const char *c = access; *c; c++)
    if (!strchr (less, *c))
      *out++ = *c;
  *out = '\0';
}

static int
allow (struct device_list *l, char type, int64_t major, int64_t minor, const char *access)
{
  struct allowed *v;

  for (size_t i = 0; i < l->n; i++)
    if (l->v[i].type == type && l->v[i].major == major && l->v[i].minor == minor)
      {
        add_access (l->v[i].access, access);
        return 0;
      }
  v = realloc (l->v, (l->n + 1) * sizeof *v);
  if (v == NULL)
    return -ENOMEM;
  l->v = v;
  v[l->n] = (struct allowed){ .type = type, .major = major, .minor = minor };
  add_access (v[l->n++].access, access);
  return 0;
}

/* A deny rule: takes its access away from the entries it names exactly. */
static void
deny (struct device_list *l, const struct cgroup_dev_rule *d)
{
  bool said = false;

  for (size_t i = 0; i < l->n; i++)
    if (d->type == 'a' || (l->v[i].type == d->type && l->v[i].major == d->major && l->v[i].minor == d->minor))
      {
        remove_access (l->v[i].access, d->access);
        said = true;
      }
  if (!said && (l->allow_all || d->type != 'a'))
    log_debug ("systemd cannot express the device rule deny %c %" PRId64 ":%" PRId64 " %s: "
               "only the devices cgroup gets it",
               d->type, d->major, d->minor, d->access);
}

static int
play_rules (const struct cgroup_dev_rule *rules, size_t n, struct device_list *l)
{
  for (size_t i = 0; i < n; i++)
    {
      const struct cgroup_dev_rule *d = &rules[i];
      int r = 0;
      if (d->type == 'a' && full_access (d->access))
        {
          /* "a *:* rwm": a new default, forgetting everything before. */
          l->allow_all = d->allow;
          l->n = 0;
        }
      else if (!d->allow)
        deny (l, d);
      else if (l->allow_all)
        continue;
      else if (d->type == 'a')
        r = allow (l, 'c', -1, -1, d->access) < 0 ? -ENOMEM : allow (l, 'b', -1, -1, d->access);
      else
        r = allow (l, d->type, d->major, d->minor, d->access);
      if (r < 0)
        return r;
    }
  return 0;
}

/* The name /proc/devices gives to `major` of type `type`, or NULL. */
static char *
device_name (const char *proc_devices, char type, int64_t major)
{
  const char *section = type == 'c' ? "Character devices:" : "Block devices:";
  const char *p = proc_devices ? strstr (proc_devices, section) : NULL;

  for (p = p ? strchr (p, '\n') : NULL; p && p[1] && p[1] != '\n'; p = strchr (p + 1, '\n'))
    {
      int64_t m;
      char name[64];
      if (sscanf (p + 1, "%" SCNd64 " %63s", &m, name) == 2 && m == major)
        return strdup (name);
    }
  return NULL;
}

/* DeviceAllow's spelling of an entry: "/dev/char/1:3", "char-pts", "block-*". */
static char *
device_spec (const struct allowed *a, const char *proc_devices)
{
  const char *kind = a->type == 'c' ? "char" : "block";
  _cleanup_free_ char *name = NULL;
  char *out = NULL;

  if (a->major < 0)
    return asprintf (&out, "%s-*", kind) < 0 ? NULL : out;
  if (a->minor >= 0)
    return asprintf (&out, "/dev/%s/%" PRId64 ":%" PRId64, kind, a->major, a->minor) < 0 ? NULL : out;
  name = device_name (proc_devices, a->type, a->major);
  if (name == NULL)
    {
      log_debug ("no name for %s major %" PRId64 " in /proc/devices: only the devices cgroup allows it", kind,
                 a->major);
      return strdup ("");
    }
  return asprintf (&out, "%s-%s", kind, name) < 0 ? NULL : out;
}

static int
allow_list (const struct device_list *l, const char *proc_devices, struct cgroup_sd_value *v)
{
  *v = (struct cgroup_sd_value){ .sig = strdup ("a(ss)") };
  v->items = calloc (l->n + 1, sizeof *v->items);
  if (v->sig == NULL || v->items == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < l->n; i++)
    {
      struct cgroup_sd_value *e = &v->items[v->n_items];
      _cleanup_free_ char *spec = NULL;
      if (l->v[i].access[0] == '\0')
        continue;
      spec = device_spec (&l->v[i], proc_devices);
      if (spec == NULL)
        return -ENOMEM;
      if (*spec == '\0')
        continue;
      *e = (struct cgroup_sd_value){ .sig = strdup ("(ss)"), .items = calloc (2, sizeof *e->items) };
      v->n_items++;
      if (e->sig == NULL || e->items == NULL)
        return -ENOMEM;
      e->n_items = 2;
      e->items[0] = (struct cgroup_sd_value){ .sig = strdup ("s"), .s = TAKE_PTR (spec) };
      e->items[1] = (struct cgroup_sd_value){ .sig = strdup ("s"), .s = strdup (l->v[i].access) };
    }
  return 0;
}

int
cgroup_sd_device_properties (const struct oci_linux *linux_, const struct cgroup_sd_host *h,
                             struct cgroup_sd_props *p, struct ocirt_error **err)
{
  _cleanup_free_ struct cgroup_dev_rule *rules = NULL;
  struct device_list l = { 0 };
  struct cgroup_sd_value policy = { 0 }, list = { 0 };
  size_t n = 0;
  int r = cgroup_device_rules (linux_, &rules, &n);

  if (r == 0)
    r = play_rules (rules, n, &l);
  if (r == 0)
    r = allow_list (&l, h->proc_devices, &list);
  free (l.v);
  if (r == 0)
    {
      policy = (struct cgroup_sd_value){ .sig = strdup ("s"), .s = strdup (l.allow_all ? "auto" : "strict") };
      r = cgroup_sd_props_add (p, "DevicePolicy", &policy);
    }
  if (r == 0)
    r = cgroup_sd_props_add (p, "DeviceAllow", &list);
  cgroup_sd_value_release (&list);
  return r < 0 ? ocirt_error_set (err, -r, "device properties") : 0;
}
