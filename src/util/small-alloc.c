/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "small-alloc.h"

/* Right before every block. */
struct header
{
  uint32_t cls;    /* size class, or MAPPED */
  uint32_t offset; /* MAPPED: from the start of the mapping to the block */
  size_t size;     /* usable bytes; MAPPED: the length of the mapping */
};
_Static_assert(sizeof (struct header) == 16, "blocks stay 16-byte aligned");

#define MAPPED UINT32_MAX
#define CHUNK_SIZE ((size_t) 256 * 1024)

/* Multiples of 16, each about 1.5 times the one before. */
static const size_t class_size[]
    = { 16,   32,   48,   64,   96,   128,  192,   256,   384,   512,   768,   1024,
        1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768, 49152, 65536 };
#define N_CLASSES (sizeof class_size / sizeof class_size[0])
_Static_assert(CHUNK_SIZE >= sizeof (struct header) + SMALL_ALLOC_MAX, "a chunk holds the largest class");

struct free_block
{
  struct free_block *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct free_block *free_list[N_CLASSES];
/* The first chunk costs no system call: its pages are faulted in as used. */
static _Alignas(16) unsigned char first_chunk[CHUNK_SIZE];
static unsigned char *chunk_next = first_chunk, *chunk_end = first_chunk + CHUNK_SIZE;

static struct header *
header_of (const void *p)
{
  return (struct header *) p - 1;
}

static size_t
class_of (size_t size)
{
  size_t c = 0;

  while (class_size[c] < size)
    c++;
  return c;
}

/* With the lock held. What is left of a full chunk stays unused. */
static void *
carve (size_t cls)
{
  size_t need = sizeof (struct header) + class_size[cls];
  struct header *h;

  if ((size_t) (chunk_end - chunk_next) < need)
    {
      void *m = mmap (NULL, CHUNK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (m == MAP_FAILED)
        return NULL;
      chunk_next = m;
      chunk_end = chunk_next + CHUNK_SIZE;
    }
  h = (struct header *) chunk_next;
  chunk_next += need;
  *h = (struct header){ .cls = (uint32_t) cls, .size = class_size[cls] };
  return h + 1;
}

/* A block with a mapping of its own, `align` (a power of two, at most a
   page) aligned. */
static void *
map_block (size_t align, size_t size)
{
  size_t page = (size_t) sysconf (_SC_PAGESIZE);
  size_t offset = align > sizeof (struct header) ? align : sizeof (struct header);
  unsigned char *m;
  size_t len;

  if (size > SIZE_MAX - offset - page)
    {
      errno = ENOMEM;
      return NULL;
    }
  len = (offset + size + page - 1) & ~(page - 1);
  m = mmap (NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED)
    {
      errno = ENOMEM;
      return NULL;
    }
  *header_of (m + offset) = (struct header){ .cls = MAPPED, .offset = (uint32_t) offset, .size = len };
  return m + offset;
}

void *
small_alloc (size_t size)
{
  struct free_block *b;
  size_t cls;

  if (size > SMALL_ALLOC_MAX)
    return map_block (16, size);
  cls = class_of (size);
  pthread_mutex_lock (&lock);
  b = free_list[cls];
  if (b)
    free_list[cls] = b->next;
  else
    b = carve (cls);
  pthread_mutex_unlock (&lock);
  if (b == NULL)
    errno = ENOMEM;
  return b;
}

void *
small_calloc (size_t n, size_t size)
{
  void *p;

  if (size && n > SIZE_MAX / size)
    {
      errno = ENOMEM;
      return NULL;
    }
  /* Freed blocks are reused as they are: always cleared. */
  p = small_alloc (n * size);
  if (p)
    memset (p, 0, n * size);
  return p;
}

size_t
small_usable_size (const void *p)
{
  const struct header *h = header_of (p);

  return h->cls == MAPPED ? h->size - h->offset : h->size;
}

void
small_free (void *p)
{
  struct header *h;
  struct free_block *b = p;

  if (p == NULL)
    return;
  h = header_of (p);
  if (h->cls == MAPPED)
    {
      (void) munmap ((unsigned char *) p - h->offset, h->size);
      return;
    }
  pthread_mutex_lock (&lock);
  b->next = free_list[h->cls];
  free_list[h->cls] = b;
  pthread_mutex_unlock (&lock);
}

void *
small_realloc (void *p, size_t size)
{
  size_t have;
  void *q;

  if (p == NULL)
    return small_alloc (size);
  have = small_usable_size (p);
  if (size <= have)
    return p; /* shrinking keeps the block */
  q = small_alloc (size);
  if (q == NULL)
    return NULL;
  memcpy (q, p, have);
  small_free (p);
  return q;
}

void *
small_aligned_alloc (size_t align, size_t size)
{
  if (align == 0 || (align & (align - 1)) || align > (size_t) sysconf (_SC_PAGESIZE))
    {
      errno = EINVAL;
      return NULL;
    }
  return align <= 16 ? small_alloc (size) : map_block (align, size);
}
