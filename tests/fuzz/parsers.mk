# SPDX-License-Identifier: GPL-2.0-or-later
# `make fuzz-parsers` builds the libFuzzer target for the small parsers of
# untrusted text (mount options, signal names, container ids, sync
# messages), with clang straight from the sources as fuzz.mk does;
# `make fuzz-parsers-run` runs it for FUZZ_SECONDS over tests/fuzz/seeds-parsers.
PARSERS_FUZZ_SRCS = $(top_srcdir)/tests/fuzz/fuzz-parsers.c $(top_srcdir)/src/core/mountopt.c \
	$(top_srcdir)/src/core/lsm.c $(top_srcdir)/src/core/lsm-library.c $(top_srcdir)/src/core/signals.c \
	$(top_srcdir)/src/core/spec.c $(top_srcdir)/src/core/spec-linux.c $(top_srcdir)/src/core/sync.c \
	$(top_srcdir)/src/core/process-names.c $(top_srcdir)/src/util/error.c $(top_srcdir)/src/util/log.c \
	$(top_srcdir)/src/util/procfs.c $(top_srcdir)/src/util/fdpass.c

tests/fuzz/fuzz-parsers: $(PARSERS_FUZZ_SRCS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CC_FUZZ) $(FUZZ_CFLAGS) -I$(top_builddir) -I$(top_srcdir)/src -I$(top_srcdir)/libocispec \
		$(YAJL_CFLAGS) -o $@ $(PARSERS_FUZZ_SRCS) $(YAJL_LIBS)

fuzz-parsers: tests/fuzz/fuzz-parsers

fuzz-parsers-run: tests/fuzz/fuzz-parsers
	$(top_srcdir)/tests/fuzz/run-fuzz.sh tests/fuzz/fuzz-parsers $(top_srcdir)/tests/fuzz/seeds-parsers

CLEANFILES += tests/fuzz/fuzz-parsers
EXTRA_DIST += tests/fuzz/fuzz-parsers.c tests/fuzz/seeds-parsers
.PHONY: fuzz-parsers fuzz-parsers-run
