# SPDX-License-Identifier: GPL-2.0-or-later
# The static runtime (configure --with-musl-deps): every source of
# ocirt-runtime again, compiled by musl-gcc into static-obj/ and linked
# statically against contrib/musl-deps's archives. musl lacks some of glibc's
# system call wrappers; src/util/musl-compat.h, included first, adds them.
if STATIC_RUNTIME
STATIC_RUNTIME_SRCS = $(filter %.c,$(src_ocirt_runtime_SOURCES) $(libocirt_a_SOURCES)) \
	src/util/malloc-static.c
STATIC_RUNTIME_OBJS = $(patsubst %.c,static-obj/%.o,$(STATIC_RUNTIME_SRCS))
STATIC_CC = $(MUSL_GCC) -isystem $(MUSL_DEPS)/include
STATIC_CPPFLAGS = -I$(top_builddir) $(AM_CPPFLAGS) -DOCIRT_STATIC_RUNTIME \
	-include $(top_srcdir)/src/util/musl-compat.h

static-obj/%.o: %.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(STATIC_CC) $(STATIC_CPPFLAGS) $(WARN_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

src/ocirt-runtime-static: $(STATIC_RUNTIME_OBJS)
	@$(MKDIR_P) src
	$(AM_V_CCLD)$(STATIC_CC) -static -o $@ $(STATIC_RUNTIME_OBJS) -L$(MUSL_DEPS)/lib -lyajl -lseccomp -lcap

pkglibexec_SCRIPTS = src/ocirt-runtime-static
CLEANFILES += src/ocirt-runtime-static

-include $(STATIC_RUNTIME_OBJS:.o=.d)
endif

clean-local:
	-rm -rf static-obj
EXTRA_DIST += src/util/musl-compat.h src/util/malloc-static.c
