/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>

#include "core/process-names.h"

struct name_value
{
  const char *name;
  int64_t value;
};

static int64_t
lookup (const struct name_value *table, size_t n, const char *name)
{
  if (name == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      return table[i].value;
  return -1;
}

#define LOOKUP(table, name) lookup (table, sizeof (table) / sizeof ((table)[0]), name)

static const struct name_value rlimits[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

int
process_rlimit_from_name (const char *name)
{
  return (int) LOOKUP (rlimits, name);
}

/* Values from include/uapi/linux/sched.h; glibc does not define all of them. */
static const struct name_value sched_policies[] = {
  { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },       { "SCHED_BATCH", 3 },
  { "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 },
};

int
process_sched_policy_from_name (const char *name)
{
  return (int) LOOKUP (sched_policies, name);
}

static const struct name_value sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

int64_t
process_sched_flag_from_name (const char *name)
{
  return LOOKUP (sched_flags, name);
}

/* include/uapi/linux/ioprio.h */
static const struct name_value ioprio_classes[] = {
  { "IOPRIO_CLASS_RT", 1 },
  { "IOPRIO_CLASS_BE", 2 },
  { "IOPRIO_CLASS_IDLE", 3 },
};

int
process_ioprio_class_from_name (const char *name)
{
  return (int) LOOKUP (ioprio_classes, name);
}

static const struct name_value personality_domains[] = {
  { "LINUX", PER_LINUX },
  { "LINUX32", PER_LINUX32 },
};

int64_t
process_personality_from_domain (const char *domain)
{
  return LOOKUP (personality_domains, domain);
}

/* include/uapi/linux/mempolicy.h */
static const struct name_value mempolicy_modes[] = {
  { "MPOL_DEFAULT", 0 },
  { "MPOL_PREFERRED", 1 },
  { "MPOL_BIND", 2 },
  { "MPOL_INTERLEAVE", 3 },
  { "MPOL_LOCAL", 4 },
  { "MPOL_PREFERRED_MANY", 5 },
  { "MPOL_WEIGHTED_INTERLEAVE", 6 },
};

int
process_mempolicy_mode_from_name (const char *name)
{
  return (int) LOOKUP (mempolicy_modes, name);
}

static const struct name_value mempolicy_flags[] = {
  { "MPOL_F_STATIC_NODES", 1 << 15 },
  { "MPOL_F_RELATIVE_NODES", 1 << 14 },
  { "MPOL_F_NUMA_BALANCING", 1 << 13 },
};

int
process_mempolicy_flag_from_name (const char *name)
{
  return (int) LOOKUP (mempolicy_flags, name);
}

/* Reads a decimal id at *p (digits only: no sign, no base prefix). */
static int
parse_id (const char **p, unsigned long *ret)
{
  char *end;
  unsigned long v;

  if (!isdigit ((unsigned char) **p))
    return -EINVAL;
  errno = 0;
  v = strtoul (*p, &end, 10);
  if (errno != 0 || v > PROCESS_ID_LIST_MAX)
    return -ERANGE;
  *p = end;
  *ret = v;
  return 0;
}

static const char *
skip_blanks (const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\n')
    p++;
  return p;
}

/* Sets bits lo..hi, growing the bitmap as needed. */
static int
set_range (uint64_t **bits, size_t *nwords, unsigned long lo, unsigned long hi)
{
  size_t need = hi / 64 + 1;

  if (need > *nwords)
    {
      uint64_t *n = realloc (*bits, need * sizeof (uint64_t));
      if (n == NULL)
        return -ENOMEM;
      memset (n + *nwords, 0, (need - *nwords) * sizeof (uint64_t));
      *bits = n;
      *nwords = need;
    }
  for (unsigned long i = lo; i <= hi; i++)
    (*bits)[i / 64] |= UINT64_C (1) << (i % 64);
  return 0;
}

int
process_parse_id_list (const char *list, const char *what, uint64_t **ret_bits, size_t *ret_nwords,
                       struct ocirt_error **err)
{
  _cleanup_free_ uint64_t *bits = NULL;
  size_t nwords = 0;
  const char *p = skip_blanks (list ? list : "");

  while (*p != '\0')
    {
      unsigned long lo, hi;
      int r;

      r = parse_id (&p, &lo);
      hi = lo;
      if (r == 0 && *p == '-')
        {
          p++;
          r = parse_id (&p, &hi);
        }
      if (r == -ERANGE)
        return ocirt_error_setx (err, ERANGE, "%s: id out of range 0..%d in \"%s\"", what,
                                 PROCESS_ID_LIST_MAX, list);
      if (r < 0 || hi < lo)
        return ocirt_error_setx (
            err, EINVAL, "%s: invalid list \"%s\" (expected ids and ranges like \"0-3,7\")", what, list);
      if (set_range (&bits, &nwords, lo, hi) < 0)
        return ocirt_error_set (err, ENOMEM, "%s", what);
      p = skip_blanks (p);
      if (*p == ',')
        {
          p = skip_blanks (p + 1);
          if (*p == '\0')
            return ocirt_error_setx (err, EINVAL, "%s: invalid list \"%s\" (trailing comma)", what, list);
        }
      else if (*p != '\0')
        return ocirt_error_setx (
            err, EINVAL, "%s: invalid list \"%s\" (expected ids and ranges like \"0-3,7\")", what, list);
    }
  *ret_bits = TAKE_PTR (bits);
  *ret_nwords = nwords;
  return 0;
}
