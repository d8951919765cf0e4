# SPDX-License-Identifier: GPL-2.0-or-later
# The static runtime's allocator, called by name (the test itself keeps the
# C library's malloc).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-small-alloc
tests_unit_test_small_alloc_SOURCES = tests/unit/test-small-alloc.c
tests_unit_test_small_alloc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -pthread
tests_unit_test_small_alloc_LDADD = $(OCIRT_LIBS) $(CMOCKA_LIBS) -lpthread
endif
