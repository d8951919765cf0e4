/* SPDX-License-Identifier: GPL-2.0-or-later */
/* In the static runtime only: musl's malloc family replaced by small-alloc.h.
   A static link lets us: musl's own code calls these public names, except
   where it keeps to its internal allocator for both allocating and freeing.
   Every public entry point is defined here, so that no block of one
   allocator can reach the other. The runtime has a single thread (the
   helper of ahead.h shares its memory but never allocates): no child it
   forks inherits the allocator's lock taken. */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#include "small-alloc.h"

void *
malloc (size_t size)
{
  return small_alloc (size);
}

void *
calloc (size_t n, size_t size)
{
  return small_calloc (n, size);
}

void *
realloc (void *p, size_t size)
{
  return small_realloc (p, size);
}

void
free (void *p)
{
  small_free (p);
}

void *
aligned_alloc (size_t align, size_t size)
{
  return small_aligned_alloc (align, size);
}

void *
memalign (size_t align, size_t size)
{
  return small_aligned_alloc (align, size);
}

int
posix_memalign (void **ret, size_t align, size_t size)
{
  void *p;

  if (align < sizeof (void *))
    return EINVAL;
  p = small_aligned_alloc (align, size);
  if (p == NULL)
    return errno;
  *ret = p;
  return 0;
}

size_t
malloc_usable_size (void *p)
{
  return p ? small_usable_size (p) : 0;
}
