# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the cgroup module (fake v1/v2/hybrid trees, eBPF devices).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-cgroup
endif
tests_unit_test_cgroup_SOURCES = tests/unit/test-cgroup.c
tests_unit_test_cgroup_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_cgroup_LDADD = $(OCIRT_LIBS) $(CMOCKA_LIBS)

# The systemd driver's pure parts: cgroupsPath forms, unit properties, GVariant text.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-cgroup-systemd
endif
tests_unit_test_cgroup_systemd_SOURCES = tests/unit/test-cgroup-systemd.c
tests_unit_test_cgroup_systemd_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_cgroup_systemd_LDADD = $(OCIRT_LIBS) $(CMOCKA_LIBS)
