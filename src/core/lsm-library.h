/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Calls `int symbol (void)` of the shared library `library`, loaded on
   first use: the LSM libraries are only loaded when a label or a context
   option asks for them (linked at start-up they cost every container about
   0.6 ms, mostly libselinux's constructor and libpcre2's relocations).
   Returns -1 when the library or the symbol cannot be had. A file of its
   own so that tests can replace it (-Wl,--wrap). */
int lsm_library_query (const char *library, const char *symbol);
