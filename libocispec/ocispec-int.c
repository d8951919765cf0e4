/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ocispec-int.h"

const struct ocispec_int_info ocispec_int_infos[] = {
  [INT_I32] = { "a signed 32-bit integer", true, INT32_MIN, INT32_MAX, sizeof (int32_t) },
  [INT_U32] = { "an unsigned 32-bit integer", false, 0, UINT32_MAX, sizeof (uint32_t) },
  [INT_I64] = { "a signed 64-bit integer", true, INT64_MIN, INT64_MAX, sizeof (int64_t) },
  [INT_U64] = { "an unsigned 64-bit integer", false, 0, UINT64_MAX, sizeof (uint64_t) },
  [INT_U16] = { "an unsigned 16-bit integer", false, 0, UINT16_MAX, sizeof (uint16_t) },
  /* defs.json FileMode: permission bits in decimal. */
  /* The schema says 0..511, but callers send a whole st_mode (Podman copies
     the host node's, type bits included: 8630 = S_IFCHR|0666), as runc and
     crun accept; the permission bits are what counts (devices.c masks). */
  [INT_MODE] = { "a file mode (an unsigned 32-bit integer)", false, 0, UINT32_MAX, sizeof (uint32_t) },
  /* defs.json Hook: "timeout" has minimum 1. */
  [INT_TIMEOUT] = { "a positive 64-bit integer", true, 1, INT64_MAX, sizeof (int64_t) },
  /* state-schema.json: "pid" has minimum 0. */
  [INT_PID] = { "a non-negative 64-bit integer", true, 0, INT64_MAX, sizeof (int64_t) },
};

void
ocispec_int_store (enum int_kind kind, void *slot, bool neg, uint64_t mag)
{
  const struct ocispec_int_info *info = &ocispec_int_infos[kind];

  if (info->is_signed)
    {
      /* -(mag - 1) - 1 reaches INT64_MIN without overflowing. */
      int64_t v = neg ? -(int64_t) (mag - 1) - 1 : (int64_t) mag;
      if (info->size == sizeof (int32_t))
        *(int32_t *) slot = (int32_t) v;
      else
        *(int64_t *) slot = v;
    }
  else if (info->size == sizeof (uint16_t))
    *(uint16_t *) slot = (uint16_t) mag;
  else if (info->size == sizeof (uint32_t))
    *(uint32_t *) slot = (uint32_t) mag;
  else
    *(uint64_t *) slot = mag;
}

bool
ocispec_int_format (enum int_kind kind, const void *slot, char *buf, size_t size)
{
  const struct ocispec_int_info *info = &ocispec_int_infos[kind];

  if (info->is_signed)
    {
      int64_t v = info->size == sizeof (int32_t) ? *(const int32_t *) slot : *(const int64_t *) slot;
      snprintf (buf, size, "%" PRId64, v);
      return v != 0;
    }
  else
    {
      uint64_t v;
      if (info->size == sizeof (uint16_t))
        v = *(const uint16_t *) slot;
      else if (info->size == sizeof (uint32_t))
        v = *(const uint32_t *) slot;
      else
        v = *(const uint64_t *) slot;
      snprintf (buf, size, "%" PRIu64, v);
      return v != 0;
    }
}
