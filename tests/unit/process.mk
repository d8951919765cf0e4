# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the per-process attributes, capabilities, hooks, terminals
# and signal names. Those that need root fork a child and skip otherwise.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-process tests/unit/test-capability tests/unit/test-hooks \
	tests/unit/test-terminal tests/unit/test-signals

PROCESS_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
PROCESS_TEST_LIBS = $(OCIRT_LIBS) $(CMOCKA_LIBS)

tests_unit_test_process_SOURCES = tests/unit/test-process.c tests/unit/fork-check.h
tests_unit_test_process_CFLAGS = $(PROCESS_TEST_CFLAGS)
tests_unit_test_process_LDADD = $(PROCESS_TEST_LIBS)
# close_range can be made to fail, to test the /proc/self/fd fallback.
tests_unit_test_process_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=close_range

tests_unit_test_capability_SOURCES = tests/unit/test-capability.c tests/unit/fork-check.h
tests_unit_test_capability_CFLAGS = $(PROCESS_TEST_CFLAGS)
tests_unit_test_capability_LDADD = $(PROCESS_TEST_LIBS)

tests_unit_test_hooks_SOURCES = tests/unit/test-hooks.c
tests_unit_test_hooks_CFLAGS = $(PROCESS_TEST_CFLAGS)
tests_unit_test_hooks_LDADD = $(PROCESS_TEST_LIBS)

tests_unit_test_terminal_SOURCES = tests/unit/test-terminal.c tests/unit/fork-check.h
tests_unit_test_terminal_CFLAGS = $(PROCESS_TEST_CFLAGS)
tests_unit_test_terminal_LDADD = $(PROCESS_TEST_LIBS)

tests_unit_test_signals_SOURCES = tests/unit/test-signals.c
tests_unit_test_signals_CFLAGS = $(PROCESS_TEST_CFLAGS)
tests_unit_test_signals_LDADD = $(PROCESS_TEST_LIBS)
endif
