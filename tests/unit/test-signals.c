/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/signals.h"

static int
parse (const char *s)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  int sig = -12345;

  if (signal_parse (s, &sig, &err) < 0)
    {
      assert_non_null (err);
      assert_int_equal (sig, -12345); /* untouched on failure */
      return -1;
    }
  return sig;
}

static void
test_names (void **state)
{
  (void) state;
  assert_int_equal (parse ("KILL"), SIGKILL);
  assert_int_equal (parse ("SIGKILL"), SIGKILL);
  assert_int_equal (parse ("sigkill"), SIGKILL);
  assert_int_equal (parse ("Term"), SIGTERM);
  assert_int_equal (parse ("SIGUSR1"), SIGUSR1);
  assert_int_equal (parse ("WINCH"), SIGWINCH);
  assert_int_equal (parse ("IOT"), SIGABRT);
  assert_int_equal (parse ("CLD"), SIGCHLD);
  assert_int_equal (parse ("POLL"), SIGIO);
  assert_int_equal (parse ("SIGSYS"), SIGSYS);
}

static void
test_numbers (void **state)
{
  (void) state;
  assert_int_equal (parse ("9"), 9);
  assert_int_equal (parse ("15"), 15);
  assert_int_equal (parse ("10"), 10);
  assert_int_equal (parse ("64"), SIGRTMAX == 64 ? 64 : -1);
  assert_int_equal (parse ("0"), 0); /* the existence check, as runc */
  assert_int_equal (parse ("SIG0"), -1);
  assert_int_equal (parse ("65"), -1);
  assert_int_equal (parse ("9x"), -1);
  assert_int_equal (parse ("99999999999999999999"), -1);
}

static void
test_realtime (void **state)
{
  (void) state;
  assert_int_equal (parse ("RTMIN"), SIGRTMIN);
  assert_int_equal (parse ("RTMIN+3"), SIGRTMIN + 3);
  assert_int_equal (parse ("SIGRTMIN+3"), SIGRTMIN + 3);
  assert_int_equal (parse ("sigrtmax-1"), SIGRTMAX - 1);
  assert_int_equal (parse ("SIGRTMAX"), SIGRTMAX);
  assert_int_equal (parse ("RTMIN+999"), -1);
  assert_int_equal (parse ("RTMAX+1"), -1);
  assert_int_equal (parse ("RTMIN-1"), -1);
  assert_int_equal (parse ("RTMIN+"), -1);
}

static void
test_unknown (void **state)
{
  static const char *const bad[] = { "FOO", "SIG", "", "SIGKILLX", " KILL", "-9", "+9" };

  (void) state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      _cleanup_error_ struct ocirt_error *err = NULL;
      char expected[64];
      int sig;

      assert_int_equal (signal_parse (bad[i], &sig, &err), -EINVAL);
      snprintf (expected, sizeof expected, "unknown signal \"%s\"", bad[i]);
      assert_string_equal (err->msg, expected);
    }
}

static void
test_signal_name (void **state)
{
  (void) state;
  assert_string_equal (signal_name (SIGKILL), "SIGKILL");
  assert_string_equal (signal_name (SIGABRT), "SIGABRT");
  assert_string_equal (signal_name (SIGCHLD), "SIGCHLD");
  assert_string_equal (signal_name (SIGRTMIN), "SIGRTMIN");
  assert_string_equal (signal_name (SIGRTMIN + 3), "SIGRTMIN+3");
  assert_string_equal (signal_name (SIGRTMAX - 1), "SIGRTMAX-1");
  assert_null (signal_name (0));
  assert_null (signal_name (SIGRTMAX + 1));
  /* Every name printed parses back to its number. */
  for (int s = 1; s <= SIGRTMAX; s++)
    if (signal_name (s))
      {
        char copy[32];
        snprintf (copy, sizeof copy, "%s", signal_name (s));
        assert_int_equal (parse (copy), s);
      }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_names),   cmocka_unit_test (test_numbers),     cmocka_unit_test (test_realtime),
    cmocka_unit_test (test_unknown), cmocka_unit_test (test_signal_name),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
