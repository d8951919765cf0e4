/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/self-protect.h"
#include "util/exe-overlay.h"

/* The launcher keeps the overlay it executes the runtime through and hands
   its mount over by name (exe-overlay.h); the runtime takes only what is
   what the name says. */

#define ENV EXE_OVERLAY_MOUNT_ENV
#define OVERLAYFS_SUPER_MAGIC 0x794c7630

static void
set_env_fd (int fd)
{
  char num[16];

  snprintf (num, sizeof num, "%d", fd);
  assert_int_equal (setenv (ENV, num, 1), 0);
}

static bool
cloexec (int fd)
{
  int flags = fcntl (fd, F_GETFD);

  assert_true (flags >= 0);
  return flags & FD_CLOEXEC;
}

static void
test_nothing_handed_over (void **state)
{
  (void) state;
  unsetenv (ENV);
  assert_int_equal (self_protect_take_over_mount (), -1);
  assert_int_equal (setenv (ENV, "not-a-number", 1), 0);
  assert_int_equal (self_protect_take_over_mount (), -1);
  assert_null (getenv (ENV));
  assert_int_equal (setenv (ENV, "1", 1), 0); /* stdio is never it */
  assert_int_equal (self_protect_take_over_mount (), -1);
  assert_int_equal (fcntl (1, F_GETFD) >= 0, 1);
}

/* A caller's fd named by the variable (a preserved fd, say) is not ours:
   it stays open, untouched. */
static void
test_other_fds_are_left_alone (void **state)
{
  char path[] = "/tmp/test-exe-overlay-XXXXXX";
  int file = mkstemp (path), dir = open ("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  (void) state;
  assert_true (file >= 3 && dir >= 3);
  unlink (path);
  set_env_fd (file);
  assert_int_equal (self_protect_take_over_mount (), -1);
  assert_null (getenv (ENV));
  assert_false (cloexec (file)); /* as mkstemp made it */
  set_env_fd (dir);              /* a directory, but not of a read-only overlayfs */
  assert_int_equal (self_protect_take_over_mount (), -1);
  assert_true (fcntl (dir, F_GETFD) >= 0);
  close (file);
  close (dir);
}

/* hand_over names the mount and keeps it across exec; take_over gets it
   back, O_CLOEXEC again. */
static void
test_mount_handed_over_and_taken (void **state)
{
  char dir[] = "/tmp/test-exe-overlay-XXXXXX";
  struct statfs sfs;
  int dfd, file, mount = -1, taken;

  (void) state;
  assert_non_null (mkdtemp (dir));
  dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_true (dfd >= 0);
  file = openat (dfd, "prog", O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
  assert_true (file >= 0);
  close (file);
  file = exe_overlay_open (dfd, "prog", &mount);
  if (file == -EPERM || file == -ENODEV || file == -ENOSYS)
    {
      unlinkat (dfd, "prog", 0);
      rmdir (dir);
      skip (); /* no overlayfs here (not root, or not built in) */
    }
  assert_true (file >= 0);
  assert_true (mount >= 0);
  assert_true (fstatfs (mount, &sfs) == 0 && (unsigned long) sfs.f_type == OVERLAYFS_SUPER_MAGIC);
  assert_true (cloexec (mount));

  exe_overlay_hand_over (mount);
  assert_false (cloexec (mount));
  assert_non_null (getenv (ENV));
  assert_int_equal (atoi (getenv (ENV)), mount);

  taken = self_protect_take_over_mount ();
  assert_int_equal (taken, mount);
  assert_true (cloexec (taken));
  assert_null (getenv (ENV));
  close (taken);
  close (file);

  /* Nothing to hand over: a name the caller passed is removed. */
  assert_int_equal (setenv (ENV, "7", 1), 0);
  exe_overlay_hand_over (-1);
  assert_null (getenv (ENV));
  unlinkat (dfd, "prog", 0);
  close (dfd);
  rmdir (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_nothing_handed_over),
    cmocka_unit_test (test_other_fds_are_left_alone),
    cmocka_unit_test (test_mount_handed_over_and_taken),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
