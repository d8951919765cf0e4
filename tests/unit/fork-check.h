/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Helpers for unit tests that change process-wide state (credentials,
   limits, scheduler, cwd): they run in a forked child, which reports through
   its exit status. cmocka's own asserts must not be used in the child (a
   failure would unwind into the child's copy of the test runner). */

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_CHECK(cond)                                                                                    \
  do                                                                                                         \
    {                                                                                                        \
      if (!(cond))                                                                                           \
        {                                                                                                    \
          fprintf (stderr, "%s:%d: check failed in child: %s\n", __FILE__, __LINE__, #cond);                 \
          fflush (stderr);                                                                                   \
          _exit (1);                                                                                         \
        }                                                                                                    \
    }                                                                                                        \
  while (0)

/* Runs fn(arg) in a child; returns its wait status (0 = fn returned). */
static inline int
run_in_child (void (*fn) (void *), void *arg)
{
  pid_t pid;
  int status = -1;

  fflush (NULL);
  pid = fork ();
  if (pid == 0)
    {
      fn (arg);
      fflush (NULL);
      _exit (0);
    }
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    return -1;
  return status;
}

#define assert_child_ok(fn, arg) assert_int_equal (run_in_child (fn, arg), 0)

/* Skips the current cmocka test, saying why, unless running as root. */
#define SKIP_UNLESS_ROOT()                                                                                   \
  do                                                                                                         \
    {                                                                                                        \
      if (geteuid () != 0)                                                                                   \
        {                                                                                                    \
          print_message ("skipped: %s needs root\n", __func__);                                              \
          skip ();                                                                                           \
        }                                                                                                    \
    }                                                                                                        \
  while (0)
