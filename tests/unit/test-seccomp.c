/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>
#include <yajl/yajl_tree.h>

#include "core/seccomp-notify.h"
#include "core/seccomp.h"
#include "fork-check.h"
#include "ocispec.h"
#include "util/fdpass.h"

/* The translation of linux.seccomp, checked by its effect: each filter is
   loaded in a forked child, which then makes the syscalls and reports what
   the kernel answered. */

/* ---- helpers ---------------------------------------------------------- */

/* Compiles the linux.seccomp object `seccomp_json`; returns what
   seccomp_filter_compile returned. */
static int
compile (const char *seccomp_json, struct seccomp_filter **ret, struct ocirt_error **err)
{
  _cleanup_config_ struct oci_config *c = NULL;
  _cleanup_free_ char *doc = NULL;

  assert_true (asprintf (&doc,
                         "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"rootfs\"}, \"linux\": "
                         "{\"seccomp\": %s}}",
                         seccomp_json)
               > 0);
  if (oci_config_parse (doc, strlen (doc), &c, err) < 0)
    fail_msg ("test profile does not parse: %s", (*err)->msg);
  return seccomp_filter_compile (c->linux_->seccomp, ret, err);
}

static struct seccomp_filter *
compile_ok (const char *seccomp_json)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct seccomp_filter *f = NULL;

  if (compile (seccomp_json, &f, &err) < 0)
    fail_msg ("compile %s: %s", seccomp_json, err->msg);
  assert_non_null (f);
  return f;
}

static char *vformat (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static char *
vformat (const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;

  va_start (ap, fmt);
  assert_true (vasprintf (&s, fmt, ap) >= 0);
  va_end (ap);
  return s;
}

/* In a child: no_new_privs, then the filter. */
static void
child_load (const struct seccomp_filter *f)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  int fd;

  CHILD_CHECK (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
  if (seccomp_filter_load (f, &fd, &err) < 0)
    {
      fprintf (stderr, "load: %s\n", err->msg);
      _exit (3);
    }
}

/* The syscall's result as -errno or its value. */
static long
sys (long nr, long a, long b, long c)
{
  long r = syscall (nr, a, b, c);
  return r < 0 ? -errno : r;
}

/* Every syscall name the native architecture has, as a JSON array body
   ("\"read\",\"write\",..."), leaving out the names in `except`. Also the
   highest number found, in *ret_max. */
static char *
all_syscalls_json (const char *const *except, int *ret_max)
{
  uint32_t arch = seccomp_arch_native ();
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&out, &len);
  bool first = true;

  assert_non_null (f);
  *ret_max = -1;
  for (int nr = 0; nr < 8192; nr++)
    {
      _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch (arch, nr);
      bool skip = false;
      if (name == NULL)
        continue;
      for (size_t i = 0; except && except[i]; i++)
        skip |= strcmp (except[i], name) == 0;
      *ret_max = nr;
      if (skip)
        continue;
      fprintf (f, "%s\"%s\"", first ? "" : ",", name);
      first = false;
    }
  fclose (f);
  return out;
}

/* ---- translation errors ----------------------------------------------- */

static void
expect_error (const char *seccomp_json, const char *message)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct seccomp_filter *f = (struct seccomp_filter *) 0x1;

  assert_true (compile (seccomp_json, &f, &err) < 0);
  assert_null (f);
  assert_non_null (err);
  if (strstr (err->msg, message) == NULL)
    fail_msg ("expected \"%s\" in \"%s\"", message, err->msg);
}

static void
test_errors_name_the_field (void **state)
{
  static const struct
  {
    const char *json, *message;
  } cases[] = {
    { "{\"defaultAction\": \"SCMP_ACT_NOPE\"}",
      "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
      "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\"}, {\"names\": [\"read\"], \"action\": "
      "\"SCMP_ACT_LOG\"},"
      "{\"names\": [\"write\"], \"action\": \"SCMP_ACT_LOG\"}, {\"names\": [\"open\"], \"action\": "
      "\"SCMP_ACT_FOO\"}]}",
      "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_VAX\"]}",
      "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
      "\"SCMP_ACT_ERRNO\","
      "\"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 1, "
      "\"op\": "
      "\"SCMP_CMP_ALMOST\"}]}]}",
      "linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_ALMOST\"" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
      "\"SCMP_ACT_ERRNO\","
      "\"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
      "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0..5)" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", "
      "\"SECCOMP_FILTER_FLAG_FOO\"]}",
      "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\"" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
      "\"SCMP_ACT_LOG\","
      "\"errnoRet\": 5}]}",
      "linux.seccomp.syscalls[0].errnoRet: not supported with action SCMP_ACT_LOG" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
      "linux.seccomp.defaultErrnoRet: not supported with action SCMP_ACT_ALLOW" },
    { "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 65536}",
      "linux.seccomp.defaultErrnoRet: 65536 is out of range" },
    { "{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/x\"}",
      "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": "
      "\"SCMP_ACT_NOTIFY\"}]}",
      "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"x\"}",
      "linux.seccomp.listenerMetadata: set without listenerPath" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x\", \"syscalls\": [{\"names\": "
      "[\"read\", "
      "\"sendmsg\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
      "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for sendmsg" },
#ifndef SCMP_ARCH_LOONGARCH64
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_LOONGARCH64\"]}",
      "linux.seccomp.architectures[0]: SCMP_ARCH_LOONGARCH64 is not supported by libseccomp" },
#endif
  };

  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    expect_error (cases[i].json, cases[i].message);
}

static void
test_no_profile_does_nothing (void **state)
{
  struct seccomp_filter *f = (struct seccomp_filter *) 0x1;
  int fd = 7;

  assert_int_equal (seccomp_filter_compile (NULL, &f, NULL), 0);
  assert_null (f);
  assert_int_equal (seccomp_filter_load (NULL, &fd, NULL), 0);
  assert_int_equal (fd, -1);
  seccomp_filter_free (NULL);
}

static void
test_every_name_translates (void **state)
{
  _cleanup_free_ const char **actions = seccomp_feature_names (SECCOMP_NAMES_ACTIONS);
  _cleanup_free_ const char **ops = seccomp_feature_names (SECCOMP_NAMES_OPERATORS);
  _cleanup_free_ const char **archs = seccomp_feature_names (SECCOMP_NAMES_ARCHS);

  assert_non_null (actions);
  assert_non_null (ops);
  assert_non_null (archs);
  for (size_t i = 0; actions[i]; i++)
    {
      _cleanup_free_ char *j = vformat ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/l\", "
                                        "\"syscalls\": [{\"names\": [\"getppid\"], \"action\": \"%s\"}]}",
                                        actions[i]);
      seccomp_filter_free (compile_ok (j));
    }
  for (size_t i = 0; ops[i]; i++)
    {
      _cleanup_free_ char *j
          = vformat ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                     "[\"close\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
                     "\"value\": 255, \"valueTwo\": 3, \"op\": \"%s\"}]}]}",
                     ops[i]);
      seccomp_filter_free (compile_ok (j));
    }
  for (size_t i = 0; archs[i]; i++)
    {
      _cleanup_free_ char *j
          = vformat ("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"%s\"], "
                     "\"syscalls\": [{\"names\": [\"read\", \"socketcall\"], \"action\": "
                     "\"SCMP_ACT_ALLOW\"}]}",
                     archs[i]);
      _cleanup_error_ struct ocirt_error *err = NULL;
      struct seccomp_filter *f = NULL;
      /* libseccomp cannot put architectures of both byte orders in one filter. */
      if (compile (j, &f, &err) < 0 && strstr (err->msg, "byte order") == NULL)
        fail_msg ("%s: %s", archs[i], err->msg);
      seccomp_filter_free (f);
    }
}

/* ---- effects, in a child ---------------------------------------------- */

struct effect
{
  const struct seccomp_filter *f;
  long nr, a, b, c; /* the syscall the child makes */
  long expect;      /* its result, -errno for a failure */
  bool trap;        /* a SIGSYS handler must have run (the result is then the handler's business) */
};

static volatile sig_atomic_t got_sigsys;

static void
on_sigsys (int sig)
{
  got_sigsys = 1;
}

static void
child_effect (void *arg)
{
  const struct effect *e = arg;
  long r;

  signal (SIGSYS, on_sigsys);
  child_load (e->f);
  r = sys (e->nr, e->a, e->b, e->c);
  if (r != e->expect && !e->trap)
    {
      fprintf (stderr, "syscall %ld (%ld, %ld, %ld) returned %ld, expected %ld\n", e->nr, e->a, e->b, e->c, r,
               e->expect);
      _exit (1);
    }
  CHILD_CHECK (got_sigsys == e->trap);
}

/* Loads `json` in a child, makes the syscall and checks the result. */
static void
check_effect (const char *json, long nr, long a, long b, long c, long expect)
{
  struct effect e = { .nr = nr, .a = a, .b = b, .c = c, .expect = expect };
  struct seccomp_filter *f = compile_ok (json);

  e.f = f;
  assert_child_ok (child_effect, &e);
  seccomp_filter_free (f);
}

static int
status_of (const char *json, long nr, bool handle_sigsys)
{
  struct effect e = { .nr = nr, .expect = -99999 };
  struct seccomp_filter *f = compile_ok (json);
  int st;

  e.f = f;
  e.trap = handle_sigsys;
  st = run_in_child (child_effect, &e);
  seccomp_filter_free (f);
  return st;
}

#define ONE_RULE(action_and_more)                                                                            \
  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getppid\"], " action_and_more "}]}"

static void
test_errno_default_is_eperm (void **state)
{
  /* Both names, since libc may implement mkdir(3) with either; on
     architectures without mkdir(2) the unknown name is simply skipped. */
  const char *json
      = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], "
        "\"action\": \"SCMP_ACT_ERRNO\"}]}";
  char dir[] = "/tmp/ocirt-seccomp-XXXXXX";
  _cleanup_free_ char *path = NULL;

  assert_non_null (mkdtemp (dir));
  path = vformat ("%s/sub", dir);
  check_effect (json, SYS_mkdirat, AT_FDCWD, (long) path, 0700, -EPERM);
  assert_int_equal (access (path, F_OK), -1);
  /* The same call without a filter succeeds: the EPERM came from the rule. */
  assert_int_equal (mkdir (path, 0700), 0);
  rmdir (path);
  rmdir (dir);
}

static void
test_errno_ret (void **state)
{
  check_effect (
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], \"action\": "
      "\"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]}",
      SYS_getpid, 0, 0, 0, -ENOSYS);
  check_effect (ONE_RULE ("\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5"), SYS_getppid, 0, 0, 0, -EIO);
  /* defaultErrnoRet applies to the syscalls no rule names; everything else
     is allowed, so that the child (and a sanitizer runtime) can work. */
  {
    static const char *const except[] = { "getppid", "getpgid", NULL };
    int max;
    _cleanup_free_ char *names = all_syscalls_json (except, &max);
    _cleanup_free_ char *json = vformat ("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 5, "
                                         "\"syscalls\": [{\"names\": [%s], \"action\": \"SCMP_ACT_ALLOW\"}, "
                                         "{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\", "
                                         "\"errnoRet\": 7}]}",
                                         names);
    check_effect (json, SYS_getppid, 0, 0, 0, -EIO);
    check_effect (json, SYS_getpgid, 0, 0, 0, -7);
  }
}

static void
test_unknown_name_skipped (void **state)
{
  check_effect (
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"no_such_syscall_ever\", "
      "\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}",
      SYS_getppid, 0, 0, 0, -EACCES);
}

static void
test_actions (void **state)
{
  int st;

  /* No tracer: the kernel fails a SCMP_ACT_TRACE syscall with ENOSYS. */
  check_effect (ONE_RULE ("\"action\": \"SCMP_ACT_TRACE\""), SYS_getppid, 0, 0, 0, -ENOSYS);
  /* LOG lets the call through. */
  check_effect (ONE_RULE ("\"action\": \"SCMP_ACT_LOG\""), SYS_getppid, 0, 0, 0, getpid ());

  for (size_t i = 0; i < 3; i++)
    {
      static const char *const kill[]
          = { ONE_RULE ("\"action\": \"SCMP_ACT_KILL\""), ONE_RULE ("\"action\": \"SCMP_ACT_KILL_THREAD\""),
              ONE_RULE ("\"action\": \"SCMP_ACT_KILL_PROCESS\"") };
      st = status_of (kill[i], SYS_getppid, false);
      assert_true (WIFSIGNALED (st));
      assert_int_equal (WTERMSIG (st), SIGSYS);
    }

  /* TRAP: SIGSYS is delivered, and the handler's return resumes the child. */
  {
    struct effect e = { .nr = SYS_getppid, .trap = true };
    struct seccomp_filter *f = compile_ok (ONE_RULE ("\"action\": \"SCMP_ACT_TRAP\""));
    e.f = f;
    assert_child_ok (child_effect, &e);
    seccomp_filter_free (f);
  }
}

/* close(fd) answers 123 when the rule matches, EBADF otherwise (none of the
   fds is open). */
static void
check_operator (const char *op, unsigned long value, unsigned long value_two, const long fds[3],
                const bool match[3])
{
  _cleanup_free_ char *json = vformat ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                                       "[\"close\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 123, "
                                       "\"args\": [{\"index\": 0, \"value\": %lu, \"valueTwo\": %lu, "
                                       "\"op\": \"%s\"}]}]}",
                                       value, value_two, op);

  for (size_t i = 0; i < 3; i++)
    check_effect (json, SYS_close, fds[i], 0, 0, match[i] ? -123 : -EBADF);
}

static void
test_operators (void **state)
{
  static const long fds[3] = { 1000, 2000, 3000 };
  static const long masked_fds[3] = { 0x7ff, 0x800, 0x710 };

  check_operator ("SCMP_CMP_EQ", 2000, 0, fds, (const bool[]){ false, true, false });
  check_operator ("SCMP_CMP_NE", 2000, 0, fds, (const bool[]){ true, false, true });
  check_operator ("SCMP_CMP_LT", 2000, 0, fds, (const bool[]){ true, false, false });
  check_operator ("SCMP_CMP_LE", 2000, 0, fds, (const bool[]){ true, true, false });
  check_operator ("SCMP_CMP_GT", 2000, 0, fds, (const bool[]){ false, false, true });
  check_operator ("SCMP_CMP_GE", 2000, 0, fds, (const bool[]){ false, true, true });
  /* value is the mask, valueTwo what the masked argument must equal. */
  check_operator ("SCMP_CMP_MASKED_EQ", 0xff00, 0x0700, masked_fds, (const bool[]){ true, false, true });
}

static void
test_args_on_different_indexes_and (void **state)
{
  const char *json
      = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"dup3\"], \"action\": "
        "\"SCMP_ACT_ERRNO\", \"errnoRet\": 123, \"args\": [{\"index\": 0, \"value\": 1000, \"op\": "
        "\"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 2000, \"op\": \"SCMP_CMP_EQ\"}]}]}";

  check_effect (json, SYS_dup3, 1000, 2000, 0, -123);
  check_effect (json, SYS_dup3, 1000, 3000, 0, -EBADF);
  check_effect (json, SYS_dup3, 3000, 2000, 0, -EBADF);
}

static void
test_args_on_same_index_or (void **state)
{
  /* runc's rule: conditions on one argument become separate rules. */
  const char *json
      = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"close\"], \"action\": "
        "\"SCMP_ACT_ERRNO\", \"errnoRet\": 123, \"args\": [{\"index\": 0, \"value\": 1000, \"op\": "
        "\"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 2000, \"op\": \"SCMP_CMP_EQ\"}]}]}";

  check_effect (json, SYS_close, 1000, 0, 0, -123);
  check_effect (json, SYS_close, 2000, 0, 0, -123);
  check_effect (json, SYS_close, 3000, 0, 0, -EBADF);
}

/* A profile that allows every syscall the native architecture has except
   `except`, denying the rest with `default_action`. */
static char *
allow_all_but (const char *default_action, const char *const *except, int *ret_max)
{
  _cleanup_free_ char *names = all_syscalls_json (except, ret_max);

  return vformat ("{%s, \"syscalls\": [{\"names\": [%s], \"action\": \"SCMP_ACT_ALLOW\"}]}", default_action,
                  names);
}

static void
test_clone3_enosys (void **state)
{
  static const char *const except[] = { "clone3", "getppid", NULL };
  _cleanup_free_ char *json = NULL, *listed = NULL;
  int max;

  json = allow_all_but ("\"defaultAction\": \"SCMP_ACT_ERRNO\"", except, &max);
  /* clone3 is not in the profile: ENOSYS, so that libc falls back to clone. */
  check_effect (json, SYS_clone3, 0, 0, 0, -ENOSYS);
  /* Other unnamed syscalls get the default action. */
  check_effect (json, SYS_getppid, 0, 0, 0, -EPERM);

  /* A profile that names clone3 decides for itself. */
  {
    _cleanup_free_ char *names = all_syscalls_json (except, &max);
    listed = vformat (
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 13, \"syscalls\": [{\"names\": "
        "[%s], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"clone3\"], \"action\": "
        "\"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}",
        names);
  }
  check_effect (listed, SYS_clone3, 0, 0, 0, -EPERM);
}

static void
test_newer_syscalls_enosys (void **state)
{
  static const char *const except[] = { "getppid", NULL };
  _cleanup_free_ char *json = NULL, *allow_default = NULL;
  int max;

  json = allow_all_but ("\"defaultAction\": \"SCMP_ACT_ERRNO\"", except, &max);
  assert_true (max > 0);
  /* Above everything the profile names: the profile cannot know it, so it
     looks like a syscall this kernel lacks. */
  check_effect (json, max + 100, 0, 0, 0, -ENOSYS);
  /* Below it and not named: the default action. */
  check_effect (json, SYS_getppid, 0, 0, 0, -EPERM);
  /* With a KILL default too: ENOSYS instead of death. */
  free (json);
  json = allow_all_but ("\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\"", except, &max);
  check_effect (json, max + 100, 0, 0, 0, -ENOSYS);
}

static void
test_flags (void **state)
{
  static const char *const flags[]
      = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC" };

  for (size_t i = 0; i < ARRAY_SIZE (flags); i++)
    {
      _cleanup_free_ char *json = NULL;
      if (!seccomp_feature_flag_supported (flags[i]))
        {
          print_message ("%s: not supported by this kernel, not tested\n", flags[i]);
          continue;
        }
      json = vformat (
          "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"%s\"], \"syscalls\": [{\"names\": "
          "[\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 9}]}",
          flags[i]);
      check_effect (json, SYS_getppid, 0, 0, 0, -EBADF);
    }
  assert_false (seccomp_feature_flag_supported ("SECCOMP_FILTER_FLAG_FOO"));
}

static void
child_exec_true (void *arg)
{
  pid_t pid;
  int st;

  child_load (arg);
  pid = fork ();
  CHILD_CHECK (pid >= 0);
  if (pid == 0)
    {
      execl ("/bin/true", "true", (char *) NULL);
      _exit (127);
    }
  CHILD_CHECK (waitpid (pid, &st, 0) == pid);
  CHILD_CHECK (WIFEXITED (st) && WEXITSTATUS (st) == 0);
  /* The default (ENOSYS) for what the profile leaves out. */
  CHILD_CHECK (sys (SYS_reboot, 0, 0, 0) == -ENOSYS);
}

/* The shape of Podman's default profile: ERRNO(ENOSYS) by default, a long
   allow list, some argument rules, some explicit EPERM rules. */
static void
test_podman_like_profile (void **state)
{
  static const char *const denied[]
      = { "reboot",        "kexec_load",  "kexec_file_load", "init_module", "finit_module",
          "delete_module", "personality", "clone",           NULL };
  _cleanup_free_ char *names = NULL, *json = NULL;
  struct seccomp_filter *f;
  int max;

  names = all_syscalls_json (denied, &max);
  json = vformat (
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"architectures\": "
      "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], \"syscalls\": ["
      "{\"names\": [%s], \"action\": \"SCMP_ACT_ALLOW\"},"
      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
      "\"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]},"
      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
      "\"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]},"
      "{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
      "\"value\": 2114060288, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
      "{\"names\": [\"kexec_load\", \"reboot\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}",
      names);
  f = compile_ok (json);
  print_message ("podman-like profile: %zu BPF instructions\n", seccomp_filter_size (f));
  assert_true (seccomp_filter_size (f) > 100);
  /* reboot is denied with EPERM by its rule, so the check in the child
     looks at ENOSYS through another profile below. */
  seccomp_filter_free (f);

  free (json);
  json = vformat ("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"syscalls\": ["
                  "{\"names\": [%s], \"action\": \"SCMP_ACT_ALLOW\"},"
                  "{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
                  "\"value\": 2114060288, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}",
                  names);
  f = compile_ok (json);
  assert_child_ok (child_exec_true, f);
  seccomp_filter_free (f);
}

/* ---- seccomp notify ---------------------------------------------------- */

struct listener
{
  char path[108];
  int sock;
  int report[2]; /* the listener child writes the JSON it got here */
};

/* The agent: accept one connection, take the state and the fd, answer the
   container's first notification with a fake success. */
static void
agent (void *arg)
{
  struct listener *l = arg;
  char buf[8192];
  union
  {
    char b[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { buf, sizeof buf - 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b, .msg_controllen = sizeof control.b };
  struct seccomp_notif *req = NULL;
  struct seccomp_notif_resp *resp = NULL;
  struct cmsghdr *cmsg;
  int conn, fd;
  ssize_t n, more;

  conn = accept4 (l->sock, NULL, NULL, SOCK_CLOEXEC);
  CHILD_CHECK (conn >= 0);
  n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  CHILD_CHECK (n > 0);
  cmsg = CMSG_FIRSTHDR (&msg);
  CHILD_CHECK (cmsg && cmsg->cmsg_type == SCM_RIGHTS);
  memcpy (&fd, CMSG_DATA (cmsg), sizeof fd);
  /* The rest of the state, if it came in several pieces; then EOF: the
     runtime closes the connection after one state. */
  while ((more = read (conn, buf + n, sizeof buf - 1 - (size_t) n)) > 0)
    n += more;
  CHILD_CHECK (more == 0);
  buf[n] = '\0';
  CHILD_CHECK (write (l->report[1], buf, (size_t) n) == n);
  close (l->report[1]);

  CHILD_CHECK (seccomp_notify_alloc (&req, &resp) == 0);
  CHILD_CHECK (seccomp_notify_receive (fd, req) == 0);
  CHILD_CHECK (req->data.nr == SYS_mkdirat);
  resp->id = req->id;
  resp->val = 0;
  resp->error = 0;
  resp->flags = 0;
  CHILD_CHECK (seccomp_notify_respond (fd, resp) == 0);
  seccomp_notify_free (req, resp);
}

struct container
{
  const struct seccomp_filter *f;
  int sock; /* to the "runtime" */
};

static void
container (void *arg)
{
  struct container *c = arg;
  _cleanup_error_ struct ocirt_error *err = NULL;
  int fd;

  CHILD_CHECK (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
  CHILD_CHECK (seccomp_filter_load (c->f, &fd, &err) == 0);
  CHILD_CHECK (fd >= 0);
  CHILD_CHECK (seccomp_pass_notify_fd (c->sock, fd, &err) == 0);
  close (fd);
  /* The directory cannot be made (no parent): only the agent's fake
     answer makes this succeed. */
  CHILD_CHECK (sys (SYS_mkdirat, AT_FDCWD, (long) "/nonexistent-ocirt/dir", 0700) == 0);
}

static pid_t
spawn (void (*fn) (void *), void *arg)
{
  pid_t pid;

  fflush (NULL);
  pid = fork ();
  if (pid == 0)
    {
      fn (arg);
      _exit (0);
    }
  assert_true (pid > 0);
  return pid;
}

static void
check_state_document (const char *doc, pid_t pid)
{
  /* (yajl_tree_get takes its path as const char **) */
  static const char *ociv[] = { "ociVersion", NULL }, *fds[] = { "fds", NULL }, *pidp[] = { "pid", NULL },
                    *meta[] = { "metadata", NULL }, *sid[] = { "state", "id", NULL },
                    *sst[] = { "state", "status", NULL };
  yajl_val v = yajl_tree_parse (doc, NULL, 0), x;

  if (v == NULL)
    fail_msg ("not JSON: %s", doc);
  assert_string_equal (YAJL_GET_STRING (yajl_tree_get (v, ociv, yajl_t_string)), OCI_VERSION);
  x = yajl_tree_get (v, fds, yajl_t_array);
  assert_non_null (x);
  assert_int_equal (YAJL_GET_ARRAY (x)->len, 1);
  assert_string_equal (YAJL_GET_STRING (YAJL_GET_ARRAY (x)->values[0]), "seccompFd");
  assert_int_equal (YAJL_GET_INTEGER (yajl_tree_get (v, pidp, yajl_t_number)), pid);
  assert_string_equal (YAJL_GET_STRING (yajl_tree_get (v, meta, yajl_t_string)), "MKNOD=/dev/null;\"q\"\n");
  assert_string_equal (YAJL_GET_STRING (yajl_tree_get (v, sid, yajl_t_string)), "c1");
  assert_string_equal (YAJL_GET_STRING (yajl_tree_get (v, sst, yajl_t_string)), "creating");
  yajl_tree_free (v);
}

static void
test_notify (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct listener l = { .sock = -1 };
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char dir[] = "/tmp/ocirt-notify-XXXXXX", doc[8192];
  _cleanup_free_ char *json = NULL;
  struct container c;
  int pair[2], fd, st;
  pid_t agent_pid, container_pid;
  ssize_t n, got = 0;

  assert_non_null (mkdtemp (dir));
  snprintf (l.path, sizeof l.path, "%s/agent.sock", dir);
  json = vformat ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"%s\", \"listenerMetadata\": "
                  "\"MKNOD=/dev/null;\\\"q\\\"\\n\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], "
                  "\"action\": \"SCMP_ACT_NOTIFY\"}]}",
                  l.path);
  c.f = compile_ok (json);
  assert_true (seccomp_filter_uses_notify (c.f));

  strcpy (addr.sun_path, l.path);
  l.sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true (l.sock >= 0);
  assert_int_equal (bind (l.sock, (struct sockaddr *) &addr, sizeof addr), 0);
  assert_int_equal (listen (l.sock, 1), 0);
  assert_int_equal (pipe2 (l.report, O_CLOEXEC), 0);
  agent_pid = spawn (agent, &l);
  close (l.report[1]);

  assert_int_equal (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  c.sock = pair[1];
  container_pid = spawn (container, &c);
  close (pair[1]);

  /* The runtime's part: take the fd from the init, hand it to the agent. */
  assert_int_equal (fdpass_receive (pair[0], &fd), 0);
  assert_int_equal (seccomp_send_notify_fd (l.path, "MKNOD=/dev/null;\"q\"\n", fd,
                                            "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"creating\","
                                            "\"pid\":42,\"bundle\":\"/b\"}",
                                            container_pid, &err),
                    0);
  close (fd);
  close (pair[0]);

  while ((n = read (l.report[0], doc + got, sizeof doc - 1 - (size_t) got)) > 0)
    got += n;
  doc[got] = '\0';
  close (l.report[0]);
  check_state_document (doc, container_pid);

  assert_int_equal (waitpid (container_pid, &st, 0), container_pid);
  assert_true (WIFEXITED (st) && WEXITSTATUS (st) == 0);
  assert_int_equal (waitpid (agent_pid, &st, 0), agent_pid);
  assert_true (WIFEXITED (st) && WEXITSTATUS (st) == 0);
  seccomp_filter_free ((struct seccomp_filter *) c.f);
  close (l.sock);
  unlink (l.path);
  rmdir (dir);
}

static void
test_notify_errors (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL, *err2 = NULL;
  _cleanup_free_ char *out = NULL;

  assert_true (seccomp_send_notify_fd ("/nonexistent-ocirt/agent.sock", NULL, 0, "{}", 1, &err) < 0);
  assert_non_null (strstr (
      err->msg,
      "linux.seccomp.listenerPath: failed to connect with seccomp agent `/nonexistent-ocirt/agent.sock`"));
  assert_true (seccomp_process_state_json (NULL, 1, "{\"id\":", &out, &err2) < 0);
  assert_null (out);
}

static void
test_state_json_without_metadata (void **state)
{
  _cleanup_free_ char *out = NULL;
  static const char *meta[] = { "metadata", NULL };
  yajl_val v;

  assert_int_equal (seccomp_process_state_json (NULL, 7, "{\"id\":\"x\"}", &out, NULL), 0);
  v = yajl_tree_parse (out, NULL, 0);
  assert_non_null (v);
  assert_null (yajl_tree_get (v, meta, yajl_t_any));
  yajl_tree_free (v);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_errors_name_the_field),
    cmocka_unit_test (test_no_profile_does_nothing),
    cmocka_unit_test (test_every_name_translates),
    cmocka_unit_test (test_errno_default_is_eperm),
    cmocka_unit_test (test_errno_ret),
    cmocka_unit_test (test_unknown_name_skipped),
    cmocka_unit_test (test_actions),
    cmocka_unit_test (test_operators),
    cmocka_unit_test (test_args_on_different_indexes_and),
    cmocka_unit_test (test_args_on_same_index_or),
    cmocka_unit_test (test_clone3_enosys),
    cmocka_unit_test (test_newer_syscalls_enosys),
    cmocka_unit_test (test_flags),
    cmocka_unit_test (test_podman_like_profile),
    cmocka_unit_test (test_notify),
    cmocka_unit_test (test_notify_errors),
    cmocka_unit_test (test_state_json_without_metadata),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
