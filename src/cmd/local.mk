# SPDX-License-Identifier: GPL-2.0-or-later
src_ocirt_SOURCES += \
	src/cmd/stubs.c
