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

# Whole-file reads (state, config, /proc and cgroup files) at the edges of
# their buffers, from files and from pipes.
check_PROGRAMS += tests/unit/test-fs
tests_unit_test_fs_SOURCES = tests/unit/test-fs.c
tests_unit_test_fs_CFLAGS = $(ROOTFS_TEST_CFLAGS) -pthread
tests_unit_test_fs_LDADD = $(ROOTFS_TEST_LIBS) -lpthread

tests_unit_test_rootfs_SOURCES = tests/unit/test-rootfs.c tests/unit/fork-check.h
tests_unit_test_rootfs_CFLAGS = $(ROOTFS_TEST_CFLAGS)
tests_unit_test_rootfs_LDADD = $(ROOTFS_TEST_LIBS)
endif
