# SPDX-License-Identifier: GPL-2.0-or-later
libocirt_a_SOURCES += \
	src/util/cleanup.h \
	src/util/error.c src/util/error.h \
	src/util/log.c src/util/log.h
