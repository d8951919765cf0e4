/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/* Appends copies of the `n` strings of `add` to the malloc'ed string array
   (*list, *len), keeping it NULL-terminated (the data model's arrays). On
   failure (-ENOMEM) the strings copied so far stay in the array. */
int strv_append (char ***list, size_t *len, const char *const *add, size_t n);
