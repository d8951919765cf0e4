/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/fs.h"

/* fs_read_fd reads the first 4 KiB through a stack buffer and the rest into
   a growing one: sizes around those edges, from a file (full reads) and from
   a pipe (short reads, as from a fifo or a process). */
static const size_t sizes[] = { 0, 1, 405, 4095, 4096, 4097, 8191, 16383, 16384, 16385, 70000, 300001 };

static char *
pattern (size_t len)
{
  char *p = malloc (len + 1);

  assert_non_null (p);
  for (size_t i = 0; i < len; i++)
    p[i] = (char) ('a' + (i * 7 + i / 4096) % 26);
  p[len] = '\0';
  return p;
}

static void
check_read (int fd, const char *expected, size_t len)
{
  char *got = NULL;
  size_t n = 12345;

  assert_int_equal (fs_read_fd (fd, &got, &n), 0);
  assert_int_equal (n, len);
  assert_int_equal (got[len], '\0');
  assert_memory_equal (got, expected, len);
  free (got);
}

static void
test_file_sizes (void **state)
{
  (void) state;
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
    {
      char path[] = "/tmp/ocirt-test-fs-XXXXXX";
      int fd = mkstemp (path);
      char *data = pattern (sizes[k]);

      assert_true (fd >= 0);
      unlink (path);
      assert_int_equal (fs_write_full (fd, data, sizes[k]), 0);
      assert_int_equal (lseek (fd, 0, SEEK_SET), 0);
      check_read (fd, data, sizes[k]);
      close (fd);
      free (data);
    }
}

struct writer
{
  int fd;
  const char *data;
  size_t len;
};

/* Writes in uneven pieces, so that the reader sees short reads. */
static void *
write_slowly (void *arg)
{
  struct writer *w = arg;
  size_t off = 0, piece = 1;

  while (off < w->len)
    {
      size_t n = piece < w->len - off ? piece : w->len - off;
      assert_int_equal (fs_write_full (w->fd, w->data + off, n), 0);
      off += n;
      piece = piece * 3 + 1;
      if (piece > 9000)
        piece = 7;
    }
  close (w->fd);
  return NULL;
}

static void
test_pipe_sizes (void **state)
{
  (void) state;
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
    {
      int p[2];
      pthread_t t;
      char *data = pattern (sizes[k]);
      struct writer w = { .data = data, .len = sizes[k] };

      assert_int_equal (pipe (p), 0);
      w.fd = p[1];
      assert_int_equal (pthread_create (&t, NULL, write_slowly, &w), 0);
      check_read (p[0], data, sizes[k]);
      assert_int_equal (pthread_join (t, NULL), 0);
      close (p[0]);
      free (data);
    }
}

static void
test_read_error (void **state)
{
  char *got = NULL;
  int fd = open ("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  (void) state;
  assert_true (fd >= 0);
  assert_int_equal (fs_read_fd (fd, &got, NULL), -EISDIR);
  assert_null (got);
  close (fd);
  assert_int_equal (fs_read_all (AT_FDCWD, "/nonexistent/ocirt-test", &got, NULL), -ENOENT);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_file_sizes),
    cmocka_unit_test (test_pipe_sizes),
    cmocka_unit_test (test_read_error),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
