/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "launcher/launcher-args.h"

/* Which command lines the launcher starts the runtime protected for (the
   commands that put a process into a container, found behind the global
   options exactly as the runtime's own parser finds its command), and
   which need the glibc runtime (--systemd-cgroup). */

#define READ(...)                                                                                            \
  ({                                                                                                         \
    char *argv_[] = { "ocirt", __VA_ARGS__, NULL };                                                          \
    struct launcher_args a_;                                                                                 \
    launcher_read_args ((int) (sizeof argv_ / sizeof argv_[0]) - 1, argv_, &a_);                             \
    a_;                                                                                                      \
  })
#define ENTERS(...) (READ (__VA_ARGS__).enters_container)
#define SYSTEMD(...) (READ (__VA_ARGS__).systemd_cgroup)
#define BUNDLE(...) (READ (__VA_ARGS__).bundle)

static void
assert_bundle (const char *got, const char *want)
{
  if (want == NULL)
    assert_null (got);
  else
    assert_string_equal (got, want);
}

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
test_systemd_cgroup_is_seen_before_the_command_only (void **state)
{
  (void) state;
  assert_true (SYSTEMD ("--systemd-cgroup", "create", "--bundle", "b", "id"));
  assert_true (SYSTEMD ("--root", "/r", "--systemd-cgroup", "delete", "id"));
  assert_true (SYSTEMD ("--systemd", "state", "id")); /* an abbreviation, as getopt_long takes it */
  assert_false (SYSTEMD ("delete", "id"));
  assert_false (SYSTEMD ("run", "--systemd-cgroup", "id"));      /* the command's option, which it rejects */
  assert_false (SYSTEMD ("--root", "--systemd-cgroup", "list")); /* the value of --root */
  assert_false (SYSTEMD ("--systemd-cgroup"));
  assert_false (SYSTEMD ("--systemd-cgroup", "--no-such-option", "list"));
  /* The runtime prints --version where it meets it: the build that prints
     it is the one the options before it choose. */
  assert_true (SYSTEMD ("--systemd-cgroup", "--version"));
  assert_false (SYSTEMD ("--version", "--systemd-cgroup"));
  assert_false (ENTERS ("--systemd-cgroup", "-v", "run"));
}

/* The bundle of create and run, for the network namespace begun ahead: the
   value of -b/--bundle in every spelling getopt_long takes, "." without
   one; none for other commands or for what the runtime will reject. And
   argv itself is not reordered (the runtime reads it after us). */
static void
test_bundle_of_create_and_run (void **state)
{
  (void) state;
  assert_bundle (BUNDLE ("create", "--bundle", "/b", "id"), "/b");
  assert_bundle (BUNDLE ("create", "id", "-b", "rel"), "rel");
  assert_bundle (BUNDLE ("--root", "/r", "run", "--bundle=/x", "id"), "/x");
  assert_bundle (BUNDLE ("run", "-d", "-b/y", "id"), "/y");
  assert_bundle (BUNDLE ("run", "--bund", "/z", "id"), "/z");
  assert_bundle (BUNDLE ("create", "id"), ".");
  assert_bundle (BUNDLE ("run", "--detach", "--keep", "id"), ".");
  /* A value that looks like the option is the other option's value. */
  assert_bundle (BUNDLE ("create", "--pid-file", "-b", "id"), ".");
  assert_bundle (BUNDLE ("create", "--console-socket", "--bundle", "--bundle", "/w", "id"), "/w");
  /* The last one wins, as in the runtime. */
  assert_bundle (BUNDLE ("create", "-b", "/1", "-b", "/2", "id"), "/2");
  /* After "--" nothing is an option. */
  assert_bundle (BUNDLE ("create", "--", "-b", "/n"), ".");

  assert_bundle (BUNDLE ("exec", "-b", "/b", "id", "true"), NULL);
  assert_bundle (BUNDLE ("state", "id"), NULL);
  assert_bundle (BUNDLE ("create", "--no-such-option", "id"), NULL);
  assert_bundle (BUNDLE ("create", "-d", "id"), NULL); /* run's option only */
  assert_bundle (BUNDLE ("create", "id", "--bundle"), NULL);
  assert_bundle (BUNDLE ("run", "--help"), NULL);

  {
    char *argv[] = { "ocirt", "run", "id", "--bundle", "/b", "--keep", NULL };
    struct launcher_args a;
    launcher_read_args (6, argv, &a);
    assert_bundle (a.bundle, "/b");
    assert_string_equal (argv[2], "id");
    assert_string_equal (argv[3], "--bundle");
    assert_string_equal (argv[5], "--keep");
  }
}

static void
test_no_command (void **state)
{
  char *argv[] = { "ocirt", NULL };
  struct launcher_args a;

  (void) state;
  launcher_read_args (1, argv, &a);
  assert_false (a.enters_container);
  assert_false (a.systemd_cgroup);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_commands_that_enter_a_container),
    cmocka_unit_test (test_other_commands_do_not),
    cmocka_unit_test (test_global_options_are_skipped_with_their_values),
    cmocka_unit_test (test_what_the_runtime_rejects_is_left_to_it),
    cmocka_unit_test (test_systemd_cgroup_is_seen_before_the_command_only),
    cmocka_unit_test (test_bundle_of_create_and_run),
    cmocka_unit_test (test_no_command),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
