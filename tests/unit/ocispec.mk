# SPDX-License-Identifier: GPL-2.0-or-later
# libocispec unit tests. The schema test reads the runtime-spec checkout that
# sits next to the repository (../shared/spec); OCI_SPEC_DIR in the
# environment overrides it, and without it the test skips, saying why.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-ocispec tests/unit/test-ocispec-schema
endif

OCISPEC_TEST_CPPFLAGS = $(AM_CPPFLAGS) \
	-DOCISPEC_TEST_DATA='"$(abs_top_srcdir)/tests/unit/data"' \
	-DOCI_SPEC_DIR='"$(abs_top_srcdir)/../shared/spec"'

tests_unit_test_ocispec_SOURCES = tests/unit/test-ocispec.c
tests_unit_test_ocispec_CPPFLAGS = $(OCISPEC_TEST_CPPFLAGS)
tests_unit_test_ocispec_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ocispec_LDADD = $(OCIRT_LIBS) $(CMOCKA_LIBS)

tests_unit_test_ocispec_schema_SOURCES = tests/unit/test-ocispec-schema.c
tests_unit_test_ocispec_schema_CPPFLAGS = $(OCISPEC_TEST_CPPFLAGS)
tests_unit_test_ocispec_schema_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ocispec_schema_LDADD = $(OCIRT_LIBS) $(CMOCKA_LIBS)

EXTRA_DIST += tests/unit/data/full-config.json
