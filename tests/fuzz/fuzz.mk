# SPDX-License-Identifier: GPL-2.0-or-later
# `make fuzz` builds the libFuzzer target with clang straight from the
# sources (libocirt.a is built by $(CC), usually gcc, without the fuzzer's
# coverage instrumentation); tests/fuzz/run-fuzz.sh runs it for a while.
CC_FUZZ ?= clang
FUZZ_CFLAGS ?= -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
OCISPEC_FUZZ_SRCS = $(top_srcdir)/tests/fuzz/fuzz-config.c \
	$(top_srcdir)/libocispec/ocispec-int.c $(top_srcdir)/libocispec/ocispec-json.c \
	$(top_srcdir)/libocispec/ocispec-print.c $(top_srcdir)/libocispec/ocispec-config.c \
	$(top_srcdir)/libocispec/ocispec-docs.c \
	$(top_srcdir)/src/util/error.c $(top_srcdir)/src/util/log.c
OCISPEC_FUZZ_HDRS = $(top_srcdir)/libocispec/oci-config.h $(top_srcdir)/libocispec/ocispec.h \
	$(top_srcdir)/libocispec/ocispec-table.h $(top_srcdir)/libocispec/ocispec-int.h \
	$(top_srcdir)/libocispec/ocispec-docs.h

tests/fuzz/fuzz-config: $(OCISPEC_FUZZ_SRCS) $(OCISPEC_FUZZ_HDRS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CC_FUZZ) $(FUZZ_CFLAGS) -I$(top_builddir) -I$(top_srcdir)/src -I$(top_srcdir)/libocispec \
		$(YAJL_CFLAGS) -o $@ $(OCISPEC_FUZZ_SRCS) $(YAJL_LIBS)

fuzz: tests/fuzz/fuzz-config

# Bounded run (FUZZ_SECONDS, default 60) over a seed corpus; fails on a crash or leak.
fuzz-run: tests/fuzz/fuzz-config
	$(top_srcdir)/tests/fuzz/run-fuzz.sh tests/fuzz/fuzz-config

CLEANFILES += tests/fuzz/fuzz-config
EXTRA_DIST += tests/fuzz/fuzz-config.c tests/fuzz/run-fuzz.sh
.PHONY: fuzz fuzz-run
