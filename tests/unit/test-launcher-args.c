/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "launcher/launcher-args.h"

/* Which command lines the launcher starts the runtime protected for: the
   commands that put a process into a container, found behind the global
   options exactly as the runtime's own parser finds its command. */

#define ENTERS(...)                                                                                          \
  ({                                                                                                         \
    char *argv_[] = { "ocirt", __VA_ARGS__, NULL };                                                          \
    launcher_enters_container ((int) (sizeof argv_ / sizeof argv_[0]) - 1, argv_);                           \
  })

static void
test_commands_that_enter_a_container (void **state)
{
  (void) state;
  assert_true (ENTERS ("create", "--bundle", "b", "id"));
  assert_true (ENTERS ("run", "id"));
  assert_true (ENTERS ("exec", "id", "true"));
}

static void
test_other_commands_do_not (void **state)
{
  (void) state;
  assert_false (ENTERS ("state", "id"));
  assert_false (ENTERS ("start", "id"));
  assert_false (ENTERS ("delete", "--force", "id"));
  assert_false (ENTERS ("kill", "id", "KILL"));
  assert_false (ENTERS ("list"));
  /* Only the command word counts, not a later argument. */
  assert_false (ENTERS ("kill", "run", "KILL"));
  assert_false (ENTERS ("runx", "id"));
}

static void
test_global_options_are_skipped_with_their_values (void **state)
{
  (void) state;
  /* A value that is a command name is not the command. */
  assert_false (ENTERS ("--root", "run", "state", "id"));
  assert_true (ENTERS ("--root", "/run/x", "--log", "exec", "--log-format", "json", "run", "id"));
  assert_true (ENTERS ("--root=/run/x", "--debug", "--systemd-cgroup", "create", "id"));
  assert_false (ENTERS ("--criu", "create", "list"));
  assert_true (ENTERS ("--rootless", "false", "run", "id"));
  /* Unambiguous abbreviations, as getopt_long takes them in the runtime. */
  assert_true (ENTERS ("--log-f", "json", "run", "id"));
  assert_false (ENTERS ("--log-f", "run", "state", "id"));
}

static void
test_what_the_runtime_rejects_is_left_to_it (void **state)
{
  (void) state;
  assert_false (ENTERS ("--no-such-option", "run", "id"));
  assert_false (ENTERS ("--ro", "x", "run", "id")); /* root or rootless? */
  assert_false (ENTERS ("--root"));
  assert_false (ENTERS ("--help", "run"));
  assert_false (ENTERS ("-v"));
  assert_false (ENTERS ("--debug"));
}

static void
test_no_command (void **state)
{
  char *argv[] = { "ocirt", NULL };

  (void) state;
  assert_false (launcher_enters_container (1, argv));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_commands_that_enter_a_container),
    cmocka_unit_test (test_other_commands_do_not),
    cmocka_unit_test (test_global_options_are_skipped_with_their_values),
    cmocka_unit_test (test_what_the_runtime_rejects_is_left_to_it),
    cmocka_unit_test (test_no_command),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
