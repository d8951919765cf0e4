/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "core/capability.h"
#include "util/log.h"

/* Numbers from include/uapi/linux/capability.h, spelled out because older
   headers lack the last ones. */
static const char *const cap_names[] = {
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
};

int
capability_from_name (const char *name)
{
  if (name == NULL)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE (cap_names); i++)
    if (strcmp (cap_names[i], name) == 0)
      return (int) i;
  return -1;
}

const char *
capability_to_name (int cap)
{
  if (cap < 0 || (size_t) cap >= ARRAY_SIZE (cap_names))
    return NULL;
  return cap_names[cap];
}

/* The highest capability both we and the kernel know. */
static int
last_cap (void)
{
  int kernel_last = (int) cap_max_bits () - 1;
  int ours = (int) ARRAY_SIZE (cap_names) - 1;

  return kernel_last < ours ? kernel_last : ours;
}

int
capability_list_known (char ***ret_names, size_t *ret_len, struct ocirt_error **err)
{
  int last = last_cap ();
  char **names = calloc ((size_t) last + 2, sizeof (char *));

  if (names == NULL)
    return ocirt_error_set (err, ENOMEM, "capability list");
  for (int i = 0; i <= last; i++)
    {
      names[i] = strdup (cap_names[i]);
      if (names[i] == NULL)
        {
          cleanup_strvp (&names);
          return ocirt_error_set (err, ENOMEM, "capability list");
        }
    }
  *ret_names = names;
  *ret_len = (size_t) last + 1;
  return 0;
}

#define BIT(c) (UINT64_C (1) << (c))

/* The runtime warns once per capability and process, however many sets
   name it. */
static uint64_t warned;

static void
warn_once (int cap, const char *why)
{
  if (warned & BIT (cap))
    return;
  warned |= BIT (cap);
  log_warn ("capability %s %s, ignoring", cap_names[cap], why);
}

/* Whether `name` already appears in one of the lists before (list, index). */
static bool
seen_before (char **const *lists, const size_t *lens, size_t list, size_t index, const char *name)
{
  for (size_t l = 0; l <= list; l++)
    for (size_t i = 0; i < (l == list ? index : lens[l]); i++)
      if (strcmp (lists[l][i], name) == 0)
        return true;
  return false;
}

enum
{
  SET_BOUNDING,
  SET_EFFECTIVE,
  SET_PERMITTED,
  SET_INHERITABLE,
  SET_AMBIENT,
  SET_COUNT,
};

/* The five lists in SET_ order; NULL caps gives five empty lists. */
static void
cap_lists (const struct oci_capabilities *caps, char **lists[SET_COUNT], size_t lens[SET_COUNT])
{
  memset (lists, 0, sizeof (char **) * SET_COUNT);
  memset (lens, 0, sizeof (size_t) * SET_COUNT);
  if (caps == NULL)
    return;
  lists[SET_BOUNDING] = caps->bounding, lens[SET_BOUNDING] = caps->bounding_len;
  lists[SET_EFFECTIVE] = caps->effective, lens[SET_EFFECTIVE] = caps->effective_len;
  lists[SET_PERMITTED] = caps->permitted, lens[SET_PERMITTED] = caps->permitted_len;
  lists[SET_INHERITABLE] = caps->inheritable, lens[SET_INHERITABLE] = caps->inheritable_len;
  lists[SET_AMBIENT] = caps->ambient, lens[SET_AMBIENT] = caps->ambient_len;
}

/* The mask of the known names of one set; unknown ones are warned about once. */
static uint64_t
set_mask (const struct oci_capabilities *caps, int set)
{
  char **lists[SET_COUNT];
  size_t lens[SET_COUNT];
  int last = last_cap ();
  uint64_t mask = 0;

  cap_lists (caps, lists, lens);
  for (size_t i = 0; i < lens[set]; i++)
    {
      const char *name = lists[set][i];
      int cap = capability_from_name (name);

      if (cap < 0 || cap > last)
        {
          if (!seen_before (lists, lens, (size_t) set, i, name))
            log_warn ("unknown capability `%s`, ignoring", name);
          continue;
        }
      mask |= BIT (cap);
    }
  return mask;
}

int
capability_drop_bounding (const struct oci_capabilities *caps, uint64_t *ret_bounding,
                          struct ocirt_error **err)
{
  uint64_t keep = set_mask (caps, SET_BOUNDING);
  int last = last_cap ();

  *ret_bounding = 0;
  for (int c = 0; c <= last; c++)
    {
      if (keep & BIT (c))
        {
          if (prctl (PR_CAPBSET_READ, c, 0, 0, 0) == 1)
            *ret_bounding |= BIT (c);
          else
            warn_once (c, "is not in the bounding set of the runtime");
          continue;
        }
      /* Dropping what is not there is no error, so no need to look first;
         but without CAP_SETPCAP even that is refused. */
      if (prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL
          && !(errno == EPERM && prctl (PR_CAPBSET_READ, c, 0, 0, 0) == 0))
        return ocirt_error_set (err, errno, "drop %s from the bounding set", cap_names[c]);
    }
  return 0;
}

/* The runtime's current sets, as masks. */
static int
current_sets (uint64_t *perm, uint64_t *inh, bool *setpcap, struct ocirt_error **err)
{
  cap_t cur = cap_get_proc ();
  cap_flag_value_t v = CAP_CLEAR;
  int last = last_cap ();

  if (cur == NULL)
    return ocirt_error_set (err, errno, "read the capabilities of the runtime");
  *perm = *inh = 0;
  for (int c = 0; c <= last; c++)
    {
      if (cap_get_flag (cur, c, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
        *perm |= BIT (c);
      if (cap_get_flag (cur, c, CAP_INHERITABLE, &v) == 0 && v == CAP_SET)
        *inh |= BIT (c);
    }
  *setpcap = cap_get_flag (cur, CAP_SETPCAP, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET;
  cap_free (cur);
  return 0;
}

/* Keeps the bits of `want` that are in `allowed`, warning about the others. */
static uint64_t
grantable (uint64_t want, uint64_t allowed, const char *why)
{
  for (int c = 0; c < 64; c++)
    if ((want & BIT (c)) && !(allowed & BIT (c)))
      warn_once (c, why);
  return want & allowed;
}

static int
set_flags (cap_t c, cap_flag_t flag, uint64_t mask)
{
  for (int i = 0; i < 64; i++)
    if (mask & BIT (i))
      {
        cap_value_t v = i;
        if (cap_set_flag (c, flag, 1, &v, CAP_SET) < 0)
          return -errno;
      }
  return 0;
}

static int
apply_ambient (uint64_t amb, struct ocirt_error **err)
{
  /* Kernels before 4.3 have no ambient set: fine as long as none is asked
     for. (libcap's cap_reset_ambient probes every capability first.) */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && (amb != 0 || errno != EINVAL))
    return ocirt_error_set (err, errno, "reset the ambient capabilities");
  for (int c = 0; c < 64; c++)
    if ((amb & BIT (c)) && cap_set_ambient (c, CAP_SET) < 0)
      return ocirt_error_set (err, errno, "raise ambient capability %s", cap_names[c]);
  return 0;
}

int
capability_apply (const struct oci_capabilities *caps, uint64_t bounding, struct ocirt_error **err)
{
  uint64_t cur_perm = 0, cur_inh = 0, perm, eff, inh, amb, inh_allowed;
  bool setpcap = false;
  cap_t c;
  int r;

  if (current_sets (&cur_perm, &cur_inh, &setpcap, err) < 0)
    return -EPERM;
  /* capset(2): permitted may only shrink; inheritable may grow within the
     permitted set, or within the bounding set with CAP_SETPCAP effective;
     effective must be within the new permitted set; ambient within the new
     permitted and inheritable sets. */
  perm = grantable (set_mask (caps, SET_PERMITTED), cur_perm, "is not in the permitted set of the runtime");
  eff = grantable (set_mask (caps, SET_EFFECTIVE), perm, "is effective but not permitted");
  inh_allowed = cur_perm | cur_inh;
  if (setpcap)
    inh_allowed |= bounding;
  inh = grantable (set_mask (caps, SET_INHERITABLE), inh_allowed,
                   "cannot be made inheritable by the runtime");
  /* runc's default config lists ambient capabilities without inheritable
     ones; runc drops them silently, and so do we (a debug record only). */
  amb = set_mask (caps, SET_AMBIENT);
  if (amb & ~(perm & inh))
    log_debug ("ambient capabilities %#" PRIx64 " are not permitted and inheritable, ignoring",
               amb & ~(perm & inh));
  amb &= perm & inh;

  c = cap_init ();
  if (c == NULL)
    return ocirt_error_set (err, errno, "cap_init");
  r = set_flags (c, CAP_PERMITTED, perm);
  if (r == 0)
    r = set_flags (c, CAP_EFFECTIVE, eff);
  if (r == 0)
    r = set_flags (c, CAP_INHERITABLE, inh);
  if (r == 0 && cap_set_proc (c) < 0)
    r = -errno;
  cap_free (c);
  if (r < 0)
    return ocirt_error_set (err, -r, "set the process capabilities");
  if (apply_ambient (amb, err) < 0)
    return -EPERM;
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return ocirt_error_set (err, errno, "prctl (PR_SET_KEEPCAPS, 0)");
  return 0;
}
