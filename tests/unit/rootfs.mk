# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the root filesystem setup: mount options, safe path
# resolution, and (as root, in a private mount namespace) the whole sequence.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-mountopt tests/unit/test-path tests/unit/test-rootfs

ROOTFS_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
ROOTFS_TEST_LIBS = $(OCIRT_LIBS) $(CMOCKA_LIBS)

tests_unit_test_mountopt_SOURCES = tests/unit/test-mountopt.c
tests_unit_test_mountopt_CFLAGS = $(ROOTFS_TEST_CFLAGS)
tests_unit_test_mountopt_LDADD = $(ROOTFS_TEST_LIBS)

tests_unit_test_path_SOURCES = tests/unit/test-path.c
tests_unit_test_path_CFLAGS = $(ROOTFS_TEST_CFLAGS)
tests_unit_test_path_LDADD = $(ROOTFS_TEST_LIBS)
# A rename racing the creation of mountpoints (CVE-2021-30465), on cue.
tests_unit_test_path_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=mkdirat -Wl,--wrap=openat

tests_unit_test_rootfs_SOURCES = tests/unit/test-rootfs.c tests/unit/fork-check.h
tests_unit_test_rootfs_CFLAGS = $(ROOTFS_TEST_CFLAGS)
tests_unit_test_rootfs_LDADD = $(ROOTFS_TEST_LIBS)
endif
