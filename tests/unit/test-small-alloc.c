/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The static runtime's allocator (util/small-alloc.h), called by name here:
   this test keeps the C library's malloc. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/small-alloc.h"

static void
fill (unsigned char *p, size_t len, unsigned seed)
{
  for (size_t i = 0; i < len; i++)
    p[i] = (unsigned char) (seed + i * 31);
}

static bool
filled (const unsigned char *p, size_t len, unsigned seed)
{
  for (size_t i = 0; i < len; i++)
    if (p[i] != (unsigned char) (seed + i * 31))
      return false;
  return true;
}

/* Sizes around every edge: classes, the largest class, mapped blocks. */
static void
test_sizes_alignment_and_room (void **unused)
{
  static const size_t sizes[]
      = { 0, 1, 15, 16, 17, 47, 48, 49, 1000, 4096, 4097, 49153, 65535, 65536, 65537, 200000, 1 << 20 };
  void *blocks[sizeof sizes / sizeof sizes[0]];

  (void) unused;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    {
      blocks[i] = small_alloc (sizes[i]);
      assert_non_null (blocks[i]);
      assert_int_equal ((uintptr_t) blocks[i] % 16, 0);
      assert_true (small_usable_size (blocks[i]) >= sizes[i]);
      fill (blocks[i], small_usable_size (blocks[i]), (unsigned) i);
    }
  /* No block overlaps another. */
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    {
      assert_true (filled (blocks[i], small_usable_size (blocks[i]), (unsigned) i));
      small_free (blocks[i]);
    }
  small_free (NULL);
}

/* A freed block is the next one of its class; calloc clears what the block
   held before. */
static void
test_reuse_and_calloc_clears (void **unused)
{
  unsigned char *p, *q;

  (void) unused;
  p = small_alloc (100);
  assert_non_null (p);
  memset (p, 0xff, 100);
  small_free (p);
  q = small_calloc (4, 25);
  assert_ptr_equal (q, p);
  for (size_t i = 0; i < 100; i++)
    assert_int_equal (q[i], 0);
  small_free (q);
  errno = 0;
  assert_null (small_calloc (SIZE_MAX / 2, 3));
  assert_int_equal (errno, ENOMEM);
}

/* Growing keeps the contents (small to small, small to mapped, mapped to
   mapped); shrinking keeps the block. */
static void
test_grow_and_shrink (void **unused)
{
  static const size_t steps[] = { 10, 40, 300, 5000, 70000, 300000 };
  unsigned char *p = small_realloc (NULL, 1);

  (void) unused;
  assert_non_null (p);
  fill (p, 1, 7);
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    {
      size_t before = i == 0 ? 1 : steps[i - 1];
      p = small_realloc (p, steps[i]);
      assert_non_null (p);
      assert_true (filled (p, before, 7));
      fill (p, steps[i], 7);
    }
  assert_ptr_equal (small_realloc (p, 10), p);
  assert_true (filled (p, 10, 7));
  small_free (p);
}

/* A mapped block's memory goes back to the kernel when freed. */
static void
test_mapped_block_unmapped (void **unused)
{
  size_t page = (size_t) sysconf (_SC_PAGESIZE);
  unsigned char *p = small_alloc (SMALL_ALLOC_MAX + 1);
  void *base;

  (void) unused;
  assert_non_null (p);
  base = (void *) ((uintptr_t) p & ~(uintptr_t) (page - 1));
  assert_int_equal (msync (base, page, MS_ASYNC), 0);
  small_free (p);
  assert_int_equal (msync (base, page, MS_ASYNC), -1);
  assert_int_equal (errno, ENOMEM);
}

static void
test_aligned (void **unused)
{
  static const size_t aligns[] = { 1, 8, 16, 32, 64, 256, 4096 };

  (void) unused;
  for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++)
    {
      unsigned char *p = small_aligned_alloc (aligns[i], 100);
      assert_non_null (p);
      assert_int_equal ((uintptr_t) p % aligns[i], 0);
      assert_true (small_usable_size (p) >= 100);
      fill (p, 100, 3);
      small_free (p);
    }
  errno = 0;
  assert_null (small_aligned_alloc (24, 100));
  assert_int_equal (errno, EINVAL);
  assert_null (small_aligned_alloc (2 * (size_t) sysconf (_SC_PAGESIZE), 100));
  assert_null (small_aligned_alloc (0, 100));
}

/* Past the first chunk: more chunks are mapped, every block distinct. */
static void
test_many_blocks (void **unused)
{
  enum
  {
    N = 400
  };
  unsigned char *p[N];

  (void) unused;
  for (size_t i = 0; i < N; i++)
    {
      p[i] = small_alloc (3000);
      assert_non_null (p[i]);
      fill (p[i], 3000, (unsigned) i);
    }
  for (size_t i = 0; i < N; i++)
    {
      assert_true (filled (p[i], 3000, (unsigned) i));
      small_free (p[i]);
    }
}

/* Threads allocating and freeing at once never share a block. */
static void *
churn (void *arg)
{
  unsigned seed = (unsigned) (uintptr_t) arg;
  unsigned char *held[64] = { 0 };
  size_t len[64] = { 0 };

  for (unsigned i = 0; i < 20000; i++)
    {
      unsigned slot = (seed = seed * 1103515245u + 12345u) % 64;
      if (held[slot])
        {
          if (!filled (held[slot], len[slot], slot + (unsigned) (uintptr_t) arg))
            return (void *) 1;
          small_free (held[slot]);
          held[slot] = NULL;
        }
      else
        {
          len[slot] = (seed >> 8) % 2000;
          held[slot] = small_alloc (len[slot]);
          if (held[slot] == NULL)
            return (void *) 1;
          fill (held[slot], len[slot], slot + (unsigned) (uintptr_t) arg);
        }
    }
  for (unsigned s = 0; s < 64; s++)
    small_free (held[s]);
  return NULL;
}

static void
test_threads (void **unused)
{
  pthread_t t[4];
  void *r;

  (void) unused;
  for (uintptr_t i = 0; i < 4; i++)
    assert_int_equal (pthread_create (&t[i], NULL, churn, (void *) (i * 1000 + 1)), 0);
  for (int i = 0; i < 4; i++)
    {
      assert_int_equal (pthread_join (t[i], &r), 0);
      assert_null (r);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_sizes_alignment_and_room),
    cmocka_unit_test (test_reuse_and_calloc_clears),
    cmocka_unit_test (test_grow_and_shrink),
    cmocka_unit_test (test_mapped_block_unmapped),
    cmocka_unit_test (test_aligned),
    cmocka_unit_test (test_many_blocks),
    cmocka_unit_test (test_threads),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
