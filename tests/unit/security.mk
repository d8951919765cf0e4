# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of seccomp (translation, loading, notify hand-over, cache) and the
# LSM modules. The LSM switches (libapparmor/libselinux, dlopen()ed through
# lsm_library_query) are mocked with -Wl,--wrap, since neither LSM runs
# where the tests do.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-seccomp tests/unit/test-lsm
check_PROGRAMS += tests/unit/test-seccomp-cache tests/unit/test-sha256

SECURITY_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
SECURITY_TEST_LIBS = $(OCIRT_LIBS) $(CMOCKA_LIBS)

tests_unit_test_seccomp_SOURCES = tests/unit/test-seccomp.c tests/unit/fork-check.h
tests_unit_test_seccomp_CFLAGS = $(SECURITY_TEST_CFLAGS)
tests_unit_test_seccomp_LDADD = $(SECURITY_TEST_LIBS)

# The cache of compiled programs (key, entry format, store, prepare) and
# the SHA-256 it is keyed and checked with.
tests_unit_test_seccomp_cache_SOURCES = tests/unit/test-seccomp-cache.c
tests_unit_test_seccomp_cache_CFLAGS = $(SECURITY_TEST_CFLAGS)
tests_unit_test_seccomp_cache_LDADD = $(SECURITY_TEST_LIBS)
tests_unit_test_sha256_SOURCES = tests/unit/test-sha256.c
tests_unit_test_sha256_CFLAGS = $(SECURITY_TEST_CFLAGS)
tests_unit_test_sha256_LDADD = $(SECURITY_TEST_LIBS)

# The launcher's reading of the command line (src/launcher/launcher-args.c,
# built here with the runtime's compiler).
check_PROGRAMS += tests/unit/test-launcher-args
tests_unit_test_launcher_args_SOURCES = tests/unit/test-launcher-args.c src/launcher/launcher-args.c
tests_unit_test_launcher_args_CFLAGS = $(SECURITY_TEST_CFLAGS)
tests_unit_test_launcher_args_LDADD = $(CMOCKA_LIBS)

# The overlayfs view of the runtime's binary and the hand-over of its mount
# from the launcher to the runtime (src/util/exe-overlay.c, src/core/self-protect.c).
check_PROGRAMS += tests/unit/test-exe-overlay
tests_unit_test_exe_overlay_SOURCES = tests/unit/test-exe-overlay.c
tests_unit_test_exe_overlay_CFLAGS = $(SECURITY_TEST_CFLAGS)
tests_unit_test_exe_overlay_LDADD = $(SECURITY_TEST_LIBS)

LSM_TEST_WRAPS = -Wl,--wrap=lsm_library_query
tests_unit_test_lsm_SOURCES = tests/unit/test-lsm.c tests/unit/fork-check.h
tests_unit_test_lsm_CFLAGS = $(SECURITY_TEST_CFLAGS)
tests_unit_test_lsm_LDADD = $(SECURITY_TEST_LIBS)
tests_unit_test_lsm_LDFLAGS = $(AM_LDFLAGS) $(LSM_TEST_WRAPS)
endif
