/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The memory allocator of the static runtime (util/malloc-static.c puts it
   in place of musl's malloc): blocks in size classes carved from large
   chunks and kept on a free list per class once freed, never given back to
   the kernel. A runtime process lives milliseconds and allocates a few
   hundred small blocks, mostly while parsing config.json: musl's allocator
   maps and unmaps pages for them one group at a time, and that costs more
   than the parsing itself. Blocks above SMALL_ALLOC_MAX bytes get mappings
   of their own and are unmapped when freed.

   Every block is aligned to 16 bytes. Thread-safe (one lock); memory
   allocated in one thread may be freed in another. */

#include <stddef.h>

#define SMALL_ALLOC_MAX ((size_t) 65536)

void *small_alloc (size_t size);
void *small_calloc (size_t n, size_t size);
void *small_realloc (void *p, size_t size);
void small_free (void *p);

/* `align` a power of two up to the page size. */
void *small_aligned_alloc (size_t align, size_t size);

/* The bytes usable at `p` (at least what was asked for). */
size_t small_usable_size (const void *p);
