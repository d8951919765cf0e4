# SPDX-License-Identifier: GPL-2.0-or-later
# `make fuzz-seccomp` builds the libFuzzer target for the seccomp profile
# compiler (built with clang straight from the sources, as fuzz.mk does);
# `make fuzz-seccomp-run` runs it for FUZZ_SECONDS over the config seeds
# plus tests/fuzz/seeds-seccomp.
SECCOMP_FUZZ_SRCS = $(top_srcdir)/tests/fuzz/fuzz-seccomp.c $(top_srcdir)/src/core/seccomp.c \
	$(top_srcdir)/libocispec/ocispec-int.c $(top_srcdir)/libocispec/ocispec-json.c \
	$(top_srcdir)/libocispec/ocispec-print.c $(top_srcdir)/libocispec/ocispec-config.c \
	$(top_srcdir)/libocispec/ocispec-docs.c \
	$(top_srcdir)/src/util/error.c $(top_srcdir)/src/util/log.c
SECCOMP_FUZZ_HDRS = $(OCISPEC_FUZZ_HDRS) $(top_srcdir)/src/core/seccomp.h

tests/fuzz/fuzz-seccomp: $(SECCOMP_FUZZ_SRCS) $(SECCOMP_FUZZ_HDRS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CC_FUZZ) $(FUZZ_CFLAGS) -I$(top_builddir) -I$(top_srcdir)/src -I$(top_srcdir)/libocispec \
		$(YAJL_CFLAGS) $(SECCOMP_CFLAGS) -o $@ $(SECCOMP_FUZZ_SRCS) $(YAJL_LIBS) $(SECCOMP_LIBS)

fuzz-seccomp: tests/fuzz/fuzz-seccomp

fuzz-seccomp-run: tests/fuzz/fuzz-seccomp
	$(top_srcdir)/tests/fuzz/run-fuzz.sh tests/fuzz/fuzz-seccomp $(top_srcdir)/tests/fuzz/seeds-seccomp

CLEANFILES += tests/fuzz/fuzz-seccomp
EXTRA_DIST += tests/fuzz/fuzz-seccomp.c tests/fuzz/seeds-seccomp
.PHONY: fuzz-seccomp fuzz-seccomp-run
