# SPDX-License-Identifier: GPL-2.0-or-later
libocirt_a_SOURCES += \
	libocispec/oci-config.h libocispec/ocispec.h \
	libocispec/ocispec-table.h \
	libocispec/ocispec-int.c libocispec/ocispec-int.h \
	libocispec/ocispec-json.c \
	libocispec/ocispec-print.c \
	libocispec/ocispec-config.c \
	libocispec/ocispec-docs.c libocispec/ocispec-docs.h
