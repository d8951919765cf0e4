# SPDX-License-Identifier: GPL-2.0-or-later
src_ocirt_runtime_SOURCES += \
	src/cmd/common.c \
	src/cmd/cmd-create-options.h src/cmd/create-options.c \
	src/cmd/create.c src/cmd/start.c src/cmd/run.c src/cmd/state.c \
	src/cmd/kill.c src/cmd/delete.c src/cmd/list.c src/cmd/exec.c
src_ocirt_runtime_SOURCES += src/cmd/spec.c src/cmd/features.c
src_ocirt_runtime_SOURCES += src/cmd/pause.c src/cmd/update.c src/cmd/ps.c src/cmd/events.c
