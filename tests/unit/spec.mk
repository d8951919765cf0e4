# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the semantic config checks, the default config and the
# features document.
if HAVE_CMOCKA
SPEC_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DSPEC_SCHEMA_DIR=\"$(abs_top_srcdir)/../shared/spec/schema\"

check_PROGRAMS += tests/unit/test-spec tests/unit/test-defaults tests/unit/test-features

tests_unit_test_spec_SOURCES = tests/unit/test-spec.c
tests_unit_test_spec_CPPFLAGS = $(SPEC_TEST_CPPFLAGS)
tests_unit_test_spec_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_spec_LDADD = $(OCIRT_LIBS) $(CMOCKA_LIBS)

tests_unit_test_defaults_SOURCES = tests/unit/test-defaults.c
tests_unit_test_defaults_CPPFLAGS = $(SPEC_TEST_CPPFLAGS)
tests_unit_test_defaults_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_defaults_LDADD = $(OCIRT_LIBS) $(CMOCKA_LIBS)

tests_unit_test_features_SOURCES = tests/unit/test-features.c
tests_unit_test_features_CPPFLAGS = $(SPEC_TEST_CPPFLAGS)
tests_unit_test_features_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_features_LDADD = $(OCIRT_LIBS) $(CMOCKA_LIBS)
endif
