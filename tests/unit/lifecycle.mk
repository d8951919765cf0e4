# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the state store, status derivation and sync protocol.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-lifecycle
endif
tests_unit_test_lifecycle_SOURCES = tests/unit/test-lifecycle.c
tests_unit_test_lifecycle_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_lifecycle_LDADD = $(OCIRT_LIBS) $(CMOCKA_LIBS)

# What create does ahead (src/core/ahead.c): the guess from config.json's
# text that begins a network namespace before it is parsed, and the helper
# that makes it (as root).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-ahead
endif
tests_unit_test_ahead_SOURCES = tests/unit/test-ahead.c
tests_unit_test_ahead_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ahead_LDADD = $(OCIRT_LIBS) $(CMOCKA_LIBS)
