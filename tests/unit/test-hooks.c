/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/hooks.h"

/* Each test gets a temp dir holding its hook scripts and their output. */
struct fixture
{
  char dir[64];
};

static int
rm_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st, (void) flag, (void) ftw;
  return remove (path);
}

static int
setup (void **state)
{
  struct fixture *f = calloc (1, sizeof *f);

  snprintf (f->dir, sizeof f->dir, "/tmp/ocirt-test-hooks-XXXXXX");
  if (mkdtemp (f->dir) == NULL)
    return -1;
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  struct fixture *f = *state;

  nftw (f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free (f);
  return 0;
}

/* Writes an executable shell script `name` with `body`; returns its path. */
static char *
script (struct fixture *f, const char *name, const char *body)
{
  char *path;
  FILE *out;

  assert_true (asprintf (&path, "%s/%s", f->dir, name) > 0);
  out = fopen (path, "we");
  assert_non_null (out);
  fprintf (out, "#!/bin/sh\n%s\n", body);
  fclose (out);
  assert_int_equal (chmod (path, 0755), 0);
  return path;
}

static char *
slurp (struct fixture *f, const char *name)
{
  char path[PATH_MAX];
  static char buf[65536];
  ssize_t n;
  int fd;

  snprintf (path, sizeof path, "%s/%s", f->dir, name);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  assert_true (fd >= 0);
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  assert_true (n >= 0);
  buf[n] = '\0';
  return buf;
}

static void
test_stdin_receives_state (void **state)
{
  struct fixture *f = *state;
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *body = NULL, *path = NULL;
  const char *json = "{\"ociVersion\":\"1.3.0\",\"id\":\"abc\",\"status\":\"creating\",\"pid\":42}";

  assert_true (asprintf (&body, "/bin/cat > %s/stdin", f->dir) > 0);
  path = script (f, "cat.sh", body);
  struct oci_hook h = { .path = path };
  assert_int_equal (hooks_run (&h, 1, "prestart", json, &err), 0);
  assert_string_equal (slurp (f, "stdin"), json);
}

static void
test_args_and_env (void **state)
{
  struct fixture *f = *state;
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *cmd = NULL;
  _cleanup_free_ char *expected = NULL;
  /* argv and environment read back from the kernel, as execve passed them. */
  assert_true (asprintf (&cmd,
                         "/usr/bin/tr '\\0' '|' < /proc/$$/cmdline > %s/out; echo >> %s/out; "
                         "/usr/bin/tr '\\0' '\\n' < /proc/$$/environ >> %s/out",
                         f->dir, f->dir, f->dir)
               > 0);
  assert_true (asprintf (&expected, "custom-argv0|-c|%s|first|\nFOO=bar\nEMPTY=\nA=b=c\n", cmd) > 0);
  char *args[] = { "custom-argv0", "-c", cmd, "first" };
  char *env[] = { "FOO=bar", "EMPTY=", "A=b=c" };
  struct oci_hook hooks[2] = {
    { .path = "/bin/sh", .args = args, .args_len = 4, .env = env, .env_len = 3 },
    { .path = "/bin/sh", .args = args, .args_len = 4 },
  };

  assert_int_equal (hooks_run (&hooks[0], 1, "poststart", "{}", &err), 0);
  assert_string_equal (slurp (f, "out"), expected);
  /* No env in the config: an empty environment, nothing of ours leaks. */
  setenv ("OCIRT_TEST_LEAK", "1", 1);
  assert_int_equal (hooks_run (&hooks[1], 1, "poststart", "{}", &err), 0);
  *strchr (expected, '\n') = '\0';
  assert_true (strncmp (slurp (f, "out"), expected, strlen (expected)) == 0);
  assert_string_equal (slurp (f, "out") + strlen (expected), "\n");
}

static void
test_no_args_argv0_is_path (void **state)
{
  struct fixture *f = *state;
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *body = NULL, *path = NULL;

  /* For a script, the kernel passes the script path as $0 anyway; check the
     argument count instead: argv = {path} means no arguments. */
  assert_true (asprintf (&body, "echo \"$#\" > %s/argc", f->dir) > 0);
  path = script (f, "argc.sh", body);
  struct oci_hook h = { .path = path };
  assert_int_equal (hooks_run (&h, 1, "createRuntime", "{}", &err), 0);
  assert_string_equal (slurp (f, "argc"), "0\n");
}

static void
test_failures (void **state)
{
  struct fixture *f = *state;
  _cleanup_free_ char *ok = script (f, "ok.sh", "exit 0");
  _cleanup_free_ char *three = script (f, "three.sh", "exit 3");
  _cleanup_free_ char *killed = script (f, "killed.sh", "kill -9 $$");
  _cleanup_free_ char *after = NULL, *marker = NULL;
  char expected[PATH_MAX + 64];

  assert_true (asprintf (&marker, "/usr/bin/touch %s/ran-after", f->dir) > 0);
  after = script (f, "after.sh", marker);
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    struct oci_hook hooks[3] = { { .path = ok }, { .path = three }, { .path = after } };
    assert_int_equal (hooks_run (hooks, 3, "prestart", "{}", &err), -EIO);
    snprintf (expected, sizeof expected, "error running hook #1 (prestart: %s): exited with status 3", three);
    assert_string_equal (err->msg, expected);
    assert_int_equal (access (marker + strlen ("/usr/bin/touch "), F_OK), -1); /* stopped at the failure */
  }
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    struct oci_hook h = { .path = killed };
    assert_int_equal (hooks_run (&h, 1, "poststop", "{}", &err), -EIO);
    snprintf (expected, sizeof expected,
              "error running hook #0 (poststop: %s): killed by signal SIGKILL: killed", killed);
    assert_string_equal (err->msg, expected);
  }
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    struct oci_hook h = { .path = "/nonexistent/hook" };
    assert_int_equal (hooks_run (&h, 1, "createContainer", "{}", &err), -ENOENT);
    assert_string_equal (
        err->msg,
        "error running hook #0 (createContainer: /nonexistent/hook): execve: No such file or directory");
  }
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    struct oci_hook h = { .path = "relative/hook" };
    assert_int_equal (hooks_run (&h, 1, "prestart", "{}", &err), -EINVAL);
    assert_non_null (strstr (err->msg, "must be absolute"));
  }
}

static double
seconds_since (const struct timespec *t0)
{
  struct timespec t1;

  clock_gettime (CLOCK_MONOTONIC, &t1);
  return (double) (t1.tv_sec - t0->tv_sec) + (double) (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
test_timeout (void **state)
{
  struct fixture *f = *state;
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *slow = script (f, "slow.sh", "exec /bin/sleep 30");
  struct oci_hook h = { .path = slow, .timeout = 1, .timeout_present = true };
  char expected[PATH_MAX + 64];
  struct timespec t0;

  clock_gettime (CLOCK_MONOTONIC, &t0);
  assert_int_equal (hooks_run (&h, 1, "startContainer", "{}", &err), -ETIMEDOUT);
  assert_true (seconds_since (&t0) >= 0.9 && seconds_since (&t0) < 10);
  snprintf (expected, sizeof expected, "error running hook #0 (startContainer: %s): timed out after 1 s",
            slow);
  assert_string_equal (err->msg, expected);
}

/* A hook that exits without reading a state larger than the pipe buffer: the
   write fails with EPIPE, which must neither kill us nor fail the hook. */
static void
test_hook_ignores_large_state (void **state)
{
  struct fixture *f = *state;
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *quick = script (f, "quick.sh", "exit 0");
  _cleanup_free_ char *big = malloc (4 << 20);
  struct oci_hook h = { .path = quick };
  struct sigaction old, dfl = { .sa_handler = SIG_DFL };
  sigset_t pending;

  memset (big, 'x', (4 << 20) - 1);
  big[(4 << 20) - 1] = '\0';
  sigaction (SIGPIPE, &dfl, &old); /* the default would kill this test */
  for (int i = 0; i < 3; i++)
    assert_int_equal (hooks_run (&h, 1, "poststop", big, &err), 0);
  sigpending (&pending);
  assert_false (sigismember (&pending, SIGPIPE));
  sigaction (SIGPIPE, &old, NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_stdin_receives_state, setup, teardown),
    cmocka_unit_test_setup_teardown (test_args_and_env, setup, teardown),
    cmocka_unit_test_setup_teardown (test_no_args_argv0_is_path, setup, teardown),
    cmocka_unit_test_setup_teardown (test_failures, setup, teardown),
    cmocka_unit_test_setup_teardown (test_timeout, setup, teardown),
    cmocka_unit_test_setup_teardown (test_hook_ignores_large_state, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
