/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The integer kinds of the table rows: range, storage width and the noun
   used in error messages ("an unsigned 32-bit integer"). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ocispec-table.h"

struct ocispec_int_info
{
  const char *noun;
  bool is_signed; /* storage type is intN_t */
  int64_t min;
  uint64_t max;
  size_t size; /* bytes of storage */
};

extern const struct ocispec_int_info ocispec_int_infos[];

/* Stores -mag (when `neg`) or mag into `slot`, already range-checked. */
void ocispec_int_store (enum int_kind kind, void *slot, bool neg, uint64_t mag);

/* Formats the integer in `slot` as decimal into buf (>= 24 bytes); returns
   whether it is nonzero. */
bool ocispec_int_format (enum int_kind kind, const void *slot, char *buf, size_t size);
