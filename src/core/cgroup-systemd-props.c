/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-internal.h"
#include "cgroup-systemd-internal.h"
#include "cgroup-v2.h"
#include "util/log.h"

/* The properties a container's unit is started with: the fixed ones, the
   resources systemd has a property for (as runc maps them, v1 and v2 apart),
   the device policy, and the org.systemd.property.* annotations. */

#define ANNOTATION_PREFIX "org.systemd.property."
#define DEFAULT_CPU_PERIOD 100000 /* µs, the kernel's default on v1 and v2 */
#define MAX_CPU_BITS 8192         /* bound for AllowedCPUs/AllowedMemoryNodes */

/* --- values -------------------------------------------------------------- */

void
cgroup_sd_value_release (struct cgroup_sd_value *v)
{
  if (v == NULL)
    return;
  if (v->sig && strchr ("sog", v->sig[0]))
    free (v->s);
  for (size_t i = 0; i < v->n_items; i++)
    cgroup_sd_value_release (&v->items[i]);
  free (v->items);
  free (v->sig);
  *v = (struct cgroup_sd_value){ 0 };
}

void
cgroup_sd_props_release (struct cgroup_sd_props *p)
{
  for (size_t i = 0; i < p->n; i++)
    {
      free (p->v[i].name);
      cgroup_sd_value_release (&p->v[i].value);
    }
  free (p->v);
  *p = (struct cgroup_sd_props){ 0 };
}

/* Every string and signature allocated (a failed strdup leaves a hole). */
static bool
value_complete (const struct cgroup_sd_value *v)
{
  if (v->sig == NULL || (strchr ("sog", v->sig[0]) && v->s == NULL))
    return false;
  for (size_t i = 0; i < v->n_items; i++)
    if (!value_complete (&v->items[i]))
      return false;
  return true;
}

int
cgroup_sd_props_add (struct cgroup_sd_props *p, const char *name, struct cgroup_sd_value *value)
{
  struct cgroup_sd_prop *v = realloc (p->v, (p->n + 1) * sizeof *v);
  char *copy = strdup (name);

  if (v)
    p->v = v;
  if (v == NULL || copy == NULL || !value_complete (value))
    {
      free (copy);
      cgroup_sd_value_release (value);
      return -ENOMEM;
    }
  p->v[p->n].name = copy;
  p->v[p->n++].value = *value;
  *value = (struct cgroup_sd_value){ 0 };
  return 0;
}

static int
add_u64 (struct cgroup_sd_props *p, const char *name, uint64_t u)
{
  struct cgroup_sd_value v = { .sig = strdup ("t"), .u = u };

  return cgroup_sd_props_add (p, name, &v);
}

static int
add_bool (struct cgroup_sd_props *p, const char *name, bool b)
{
  struct cgroup_sd_value v = { .sig = strdup ("b"), .b = b };

  return cgroup_sd_props_add (p, name, &v);
}

static int
add_str (struct cgroup_sd_props *p, const char *name, const char *s)
{
  struct cgroup_sd_value v = { .sig = strdup ("s"), .s = strdup (s) };

  return cgroup_sd_props_add (p, name, &v);
}

/* An array of `n` zeroed values of type sig + 1 (a basic type). */
static int
new_array (const char *sig, size_t n, struct cgroup_sd_value *v)
{
  *v = (struct cgroup_sd_value){ .sig = strdup (sig), .n_items = n };
  v->items = calloc (n ? n : 1, sizeof *v->items);
  if (v->sig == NULL || v->items == NULL)
    {
      v->n_items = 0;
      cgroup_sd_value_release (v);
      return -ENOMEM;
    }
  for (size_t i = 0; i < n; i++)
    if ((v->items[i].sig = strndup (sig + 1, strlen (sig) - 1)) == NULL)
      {
        cgroup_sd_value_release (v);
        return -ENOMEM;
      }
  return 0;
}

static void
format_basic (FILE *f, const struct cgroup_sd_value *v)
{
  static const struct
  {
    char type;
    const char *word;
  } words[]
      = { { 'y', "byte" },   { 'n', "int16" },  { 'q', "uint16" },     { 'u', "uint32" },   { 'x', "int64" },
          { 't', "uint64" }, { 'd', "double" }, { 'o', "objectpath" }, { 'g', "signature" } };
  char t = v->sig[0];

  for (size_t i = 0; i < ARRAY_SIZE (words); i++)
    if (words[i].type == t)
      fprintf (f, "%s ", words[i].word);
  if (t == 'b')
    fputs (v->b ? "true" : "false", f);
  else if (t == 'y')
    fprintf (f, "0x%02" PRIx64, v->u);
  else if (strchr ("nix", t))
    fprintf (f, "%" PRId64, v->i);
  else if (strchr ("qut", t))
    fprintf (f, "%" PRIu64, v->u);
  else if (t == 'd')
    fprintf (f, "%g", v->d);
  else
    {
      fputc ('\'', f);
      for (const char *c = v->s; *c; c++)
        fprintf (f, "%s%c", *c == '\'' || *c == '\\' ? "\\" : "", *c);
      fputc ('\'', f);
    }
}

static void
format_value (FILE *f, const struct cgroup_sd_value *v)
{
  if (v->sig[0] != 'a' && v->sig[0] != '(')
    {
      format_basic (f, v);
      return;
    }
  if (v->sig[0] == 'a' && v->n_items == 0)
    fprintf (f, "@%s ", v->sig);
  fputc (v->sig[0] == 'a' ? '[' : '(', f);
  for (size_t i = 0; i < v->n_items; i++)
    {
      if (i)
        fputs (", ", f);
      format_value (f, &v->items[i]);
    }
  fputc (v->sig[0] == 'a' ? ']' : ')', f);
}

char *
cgroup_sd_value_format (const struct cgroup_sd_value *v)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);

  if (f == NULL)
    return NULL;
  format_value (f, v);
  if (fclose (f) != 0)
    {
      free (buf);
      return NULL;
    }
  return buf;
}

/* --- the fixed properties ----------------------------------------------- */

int
cgroup_sd_base_properties (const struct cgroup_sd_unit *u, const char *id, pid_t pid,
                           const struct cgroup_sd_host *h, struct cgroup_sd_props *p,
                           struct ocirt_error **err)
{
  _cleanup_free_ char *desc = NULL;
  struct cgroup_sd_value v;
  int r;

  if (asprintf (&desc, "ocirt container %s", id) < 0)
    return ocirt_error_set (err, ENOMEM, "unit properties");
  r = add_str (p, "Description", desc);
  if (r == 0 && u->is_slice)
    {
      /* A slice's parent is where its name puts it: Slice= cannot move it. */
      r = new_array ("as", 1, &v);
      if (r == 0)
        {
          v.items[0].s = strdup (u->slice);
          r = cgroup_sd_props_add (p, "Wants", &v);
        }
    }
  else if (r == 0)
    {
      r = add_str (p, "Slice", u->slice);
      /* The container's payload may make sub-cgroups of its own. */
      if (r == 0)
        r = add_bool (p, "Delegate", true);
      /* Only scopes take processes; the init joins a slice through cgroupfs. */
      if (r == 0 && (r = new_array ("au", 1, &v)) == 0)
        {
          v.items[0].u = (uint64_t) pid;
          r = cgroup_sd_props_add (p, "PIDs", &v);
        }
    }
  /* Accounting everywhere, as the cgroupfs driver has it. */
  if (r == 0)
    r = add_bool (p, "MemoryAccounting", true);
  if (r == 0)
    r = add_bool (p, "CPUAccounting", true);
  if (r == 0)
    r = add_bool (p, h->v2 ? "IOAccounting" : "BlockIOAccounting", true);
  if (r == 0)
    r = add_bool (p, "TasksAccounting", true);
  /* No implicit ordering against shutdown or basic.target. */
  if (r == 0)
    r = add_bool (p, "DefaultDependencies", false);
  return r < 0 ? ocirt_error_set (err, -r, "unit properties") : 0;
}

/* --- resources ----------------------------------------------------------- */

static uint64_t
as_u64 (int64_t v)
{
  return v == -1 ? UINT64_MAX : (uint64_t) v; /* -1: unlimited, systemd's "infinity" */
}

static int
memory_properties (const struct oci_memory *m, const struct cgroup_sd_host *h, struct cgroup_sd_props *p)
{
  int64_t swap;
  int r = 0;

  if (m->limit_present && m->limit != 0)
    r = add_u64 (p, h->v2 ? "MemoryMax" : "MemoryLimit", as_u64 (m->limit));
  if (!h->v2 || r < 0)
    return r;
  if (m->reservation_present && m->reservation != 0)
    r = add_u64 (p, "MemoryLow", as_u64 (m->reservation));
  if (r == 0 && m->swap_present && cgroup_v2_swap_max (m->limit_present ? m->limit : 0, m->swap, &swap) == 0
      && swap != 0)
    r = add_u64 (p, "MemorySwapMax", as_u64 (swap));
  return r;
}

/* CPUQuotaPerSecUSec is CPU time per wall-clock second; systemd keeps it
   in whole percents, so a fraction is rounded up to 10 ms or the kernel
   would get less than the quota asked for. */
static int
cpu_quota_properties (const struct oci_cpu *c, const struct cgroup_sd_host *h, struct cgroup_sd_props *p)
{
  int64_t quota = c->quota_present ? c->quota : 0;
  uint64_t period = c->period_present ? c->period : 0, per_sec = UINT64_MAX;
  int r = 0;

  if (period != 0 && h->version >= 242) /* CPUQuotaPeriodUSec appeared in systemd 242 */
    r = add_u64 (p, "CPUQuotaPeriodUSec", period);
  if (r < 0 || (quota == 0 && period == 0))
    return r;
  if (quota > 0)
    {
      per_sec = (uint64_t) quota * 1000000 / (period ? period : DEFAULT_CPU_PERIOD);
      if (per_sec % 10000)
        per_sec = (per_sec / 10000 + 1) * 10000;
    }
  return add_u64 (p, "CPUQuotaPerSecUSec", per_sec);
}

/* "0-3,8" -> the byte array systemd takes: bit N of byte N/8 for CPU N. */
static int
cpu_list_bits (const char *list, struct cgroup_sd_value *v)
{
  uint8_t bits[MAX_CPU_BITS / 8] = { 0 };
  size_t n = 0;
  int r;

  for (const char *s = list; *s;)
    {
      char *end;
      unsigned long lo = strtoul (s, &end, 10), hi = lo;
      if (end == s || *s == '-' || *s == '+')
        return -EINVAL;
      if (*end == '-' && ((hi = strtoul (end + 1, &end, 10)) < lo || end[-1] == '-'))
        return -EINVAL;
      if (hi >= MAX_CPU_BITS || (*end != ',' && *end != '\0'))
        return -EINVAL;
      for (unsigned long i = lo; i <= hi; i++)
        bits[i / 8] |= (uint8_t) (1u << (i % 8));
      n = n > hi / 8 + 1 ? n : hi / 8 + 1;
      s = *end ? end + 1 : end;
    }
  r = new_array ("ay", n, v);
  for (size_t i = 0; r == 0 && i < n; i++)
    v->items[i].u = bits[i];
  return r;
}

static int
cpuset_properties (const struct oci_cpu *c, const struct cgroup_sd_host *h, struct cgroup_sd_props *p,
                   struct ocirt_error **err)
{
  const struct
  {
    const char *list, *prop, *field;
  } sets[] = { { c->cpus, "AllowedCPUs", "cpus" }, { c->mems, "AllowedMemoryNodes", "mems" } };

  if (h->version < 244) /* AllowedCPUs/AllowedMemoryNodes appeared in systemd 244 */
    return 0;
  for (size_t i = 0; i < ARRAY_SIZE (sets); i++)
    {
      struct cgroup_sd_value v;
      int r;
      if (sets[i].list == NULL || *sets[i].list == '\0')
        continue;
      r = cpu_list_bits (sets[i].list, &v);
      if (r == -EINVAL)
        return ocirt_error_setx (err, EINVAL, "linux.resources.cpu.%s: `%s` is not a list of ranges",
                                 sets[i].field, sets[i].list);
      if (r < 0 || (r = cgroup_sd_props_add (p, sets[i].prop, &v)) < 0)
        return ocirt_error_set (err, -r, "unit properties");
    }
  return 0;
}

static int
cpu_properties (const struct oci_cpu *c, const struct cgroup_sd_host *h, struct cgroup_sd_props *p,
                struct ocirt_error **err)
{
  int r = 0;

  if (c->shares_present && c->shares != 0)
    r = h->v2 ? add_u64 (p, "CPUWeight", cgroup_v2_cpu_weight (c->shares))
              : add_u64 (p, "CPUShares", c->shares);
  if (r == 0)
    r = cpu_quota_properties (c, h, p);
  if (r < 0)
    return ocirt_error_set (err, -r, "unit properties");
  return cpuset_properties (c, h, p, err);
}

int
cgroup_sd_resource_properties (const struct oci_resources *res, const struct cgroup_sd_host *h,
                               struct cgroup_sd_props *p, struct ocirt_error **err)
{
  int r = 0;

  if (res == NULL)
    return 0;
  if (res->memory && (r = memory_properties (res->memory, h, p)) < 0)
    return ocirt_error_set (err, -r, "unit properties");
  if (res->cpu && (r = cpu_properties (res->cpu, h, p, err)) < 0)
    return r;
  /* v2 has no property for the weight runc leaves to cgroupfs (io.weight). */
  if (!h->v2 && res->block_io && res->block_io->weight_present && res->block_io->weight != 0)
    r = add_u64 (p, "BlockIOWeight", res->block_io->weight);
  if (r == 0 && res->pids && (res->pids->limit > 0 || res->pids->limit == -1))
    r = add_u64 (p, "TasksMax", as_u64 (res->pids->limit));
  return r < 0 ? ocirt_error_set (err, -r, "unit properties") : 0;
}

/* --- annotations --------------------------------------------------------- */

/* runc's check: ASCII letters only, at least three. */
static bool
valid_property_name (const char *name)
{
  size_t n = strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

  return n >= 3 && name[n] == '\0';
}

/* systemd documents "TimeoutStopSec" but its D-Bus property is
   "TimeoutStopUSec" in microseconds: a NAME ending in a lower-case letter
   and "Sec" is renamed and its number converted, as runc does. */
static int
sec_to_usec (char **name, struct cgroup_sd_value *v)
{
  size_t n = strlen (*name);
  char *renamed = NULL;
  double sec;

  if (n < 4 || strcmp (*name + n - 3, "Sec") != 0 || (*name)[n - 4] < 'a' || (*name)[n - 4] > 'z')
    return 0;
  if (strchr ("nix", v->sig[0]) && !v->sig[1])
    sec = (double) v->i;
  else if (strchr ("yqut", v->sig[0]) && !v->sig[1])
    sec = (double) v->u;
  else if (strcmp (v->sig, "d") == 0)
    sec = v->d;
  else
    return -EINVAL;
  if (sec < 0 || sec * 1e6 >= 18446744073709551615.0)
    return -ERANGE;
  if (asprintf (&renamed, "%.*sUSec", (int) (n - 3), *name) < 0)
    return -ENOMEM;
  free (*name);
  *name = renamed;
  v->sig[0] = 't';
  v->u = (uint64_t) (sec * 1e6);
  return 0;
}

static int
annotation_property (const char *key, const char *text, struct cgroup_sd_props *p, struct ocirt_error **err)
{
  _cleanup_free_ char *name = strdup (key + strlen (ANNOTATION_PREFIX));
  struct cgroup_sd_value v = { 0 };
  int r;

  if (name == NULL)
    return ocirt_error_set (err, ENOMEM, "annotation");
  if (!valid_property_name (name))
    return ocirt_error_setx (err, EINVAL, "annotation %s: `%s` is not a property name (ASCII letters only)",
                             key, name);
  r = cgroup_sd_variant_parse (text, &v, err);
  if (r < 0)
    return ocirt_error_prefix (err, "annotation %s: cannot parse `%s`", key, text);
  r = sec_to_usec (&name, &v);
  if (r < 0)
    {
      cgroup_sd_value_release (&v);
      if (r == -ENOMEM)
        return ocirt_error_set (err, ENOMEM, "annotation");
      return ocirt_error_setx (err, EINVAL, "annotation %s: `%s` is not a number of seconds", key, text);
    }
  r = cgroup_sd_props_add (p, name, &v);
  return r < 0 ? ocirt_error_set (err, -r, "annotation") : 0;
}

int
cgroup_sd_annotation_properties (const struct oci_map *annotations, struct cgroup_sd_props *p,
                                 struct ocirt_error **err)
{
  for (size_t i = 0; annotations && i < annotations->len; i++)
    {
      int r;
      if (strncmp (annotations->keys[i], ANNOTATION_PREFIX, strlen (ANNOTATION_PREFIX)) != 0)
        continue;
      r = annotation_property (annotations->keys[i], annotations->values[i], p, err);
      if (r < 0)
        return r;
    }
  return 0;
}
