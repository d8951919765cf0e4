# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests (cmocka), the in-container probe, fuzz targets and the runner.

# The probe runs inside test containers, whose rootfs has no libc: it is
# linked statically and never instrumented (the sanitizer runtimes do not
# link statically), so it is the same program in every build.
check_PROGRAMS += tests/helpers/probe
tests_helpers_probe_SOURCES = tests/helpers/probe.c
tests_helpers_probe_CFLAGS = $(WARN_CFLAGS)
tests_helpers_probe_LDFLAGS = -static

# The hostile side of the CVE tests (tests/integration/test_cve_*.py): static
# for the same reason, as it runs both inside containers and on the host.
check_PROGRAMS += tests/helpers/attacker
tests_helpers_attacker_SOURCES = tests/helpers/attacker.c
tests_helpers_attacker_CFLAGS = $(WARN_CFLAGS)
tests_helpers_attacker_LDFLAGS = -static

# The whole integration suite, the contrib scripts and docs/ go into the
# tarball as directories, so that a new file needs no line here; Python's
# byte-code caches are left out.
EXTRA_DIST += tests/run-tests tests/integration contrib docs .ci/run .clang-format

dist-hook:
	find $(distdir)/tests/integration $(distdir)/contrib -name __pycache__ -prune -exec rm -rf {} +

# `make check` = every unit test program, then the integration suite, then
# one summary line "N passed, N failed, N skipped" (tests/run-tests).
RUN_TESTS = $(top_srcdir)/tests/run-tests --builddir $(abs_top_builddir) --srcdir $(abs_top_srcdir)

# Without the sub-make's "Leaving directory" line, the summary is the last
# line `make check` prints when everything passed.
AM_MAKEFLAGS = --no-print-directory

check-local:
	$(RUN_TESTS)

check-unit: $(check_PROGRAMS)
	$(RUN_TESTS) --unit-only

check-integration: $(check_PROGRAMS) src/ocirt src/ocirt-runtime
	$(RUN_TESTS) --integration-only

.PHONY: check-unit check-integration
include tests/unit/ocispec.mk
include tests/fuzz/fuzz.mk
include tests/unit/spec.mk
include tests/unit/lifecycle.mk
include tests/unit/alloc.mk
include tests/unit/process.mk
include tests/unit/rootfs.mk
include tests/unit/security.mk
include tests/fuzz/seccomp.mk
include tests/unit/cgroup.mk
include tests/fuzz/parsers.mk

# runc's own integration suite against this build (../shared/compat/runc-bats,
# or RUNC_BATS): prints "N passed, N failed, N skipped"; README lists the
# tests that fail and why. Not part of `make check`: its first run builds
# images and helpers (several minutes) and some of its tests check runc's
# own names and internal messages.
RUNC_BATS ?= $(abs_top_srcdir)/../shared/compat/runc-bats
check-compat: src/ocirt src/ocirt-runtime
	$(RUNC_BATS) $(abs_top_builddir)/src/ocirt

.PHONY: check-compat
