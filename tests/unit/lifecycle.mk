# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the state store, status derivation and sync protocol.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-lifecycle
endif
tests_unit_test_lifecycle_SOURCES = tests/unit/test-lifecycle.c
tests_unit_test_lifecycle_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_lifecycle_LDADD = $(OCIRT_LIBS) $(CMOCKA_LIBS)
