# SPDX-License-Identifier: GPL-2.0-or-later
libocirt_a_SOURCES += \
	src/util/cleanup.h \
	src/util/error.c src/util/error.h \
	src/util/log.c src/util/log.h
libocirt_a_SOURCES += \
	src/util/fs.c src/util/fs.h \
	src/util/proc.c src/util/proc.h
libocirt_a_SOURCES += src/util/fdpass.c src/util/fdpass.h

# Safe path resolution inside a container root; procfs checks.
libocirt_a_SOURCES += \
	src/util/path.c src/util/path.h \
	src/util/procfs.c src/util/procfs.h
libocirt_a_SOURCES += src/util/strv.c src/util/strv.h
libocirt_a_SOURCES += src/util/sha256.c src/util/sha256.h
libocirt_a_SOURCES += src/util/exe-overlay.c src/util/exe-overlay.h
libocirt_a_SOURCES += src/util/ahead-net.c src/util/ahead-net.h src/util/raw-syscall.h
# The allocator of the static runtime (src/static.mk links malloc-static.c).
libocirt_a_SOURCES += src/util/small-alloc.c src/util/small-alloc.h
