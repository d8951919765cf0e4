/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "util/error.h"

/* The static runtime (ocirt-runtime-static, musl) cannot load libsystemd,
   which the systemd cgroup driver needs: it hands such a command, before
   doing anything, to the glibc runtime beside it, ocirt-runtime, with the
   same argv. The glibc runtime never hands off. */

#define GLIBC_RUNTIME_NAME "ocirt-runtime"

/* The command line to hand over; main() records it first. */
void hand_off_init (char **argv);

/* Whether this build can drive systemd itself. */
bool hand_off_can_use_systemd (void);

/* Executes the glibc runtime in place of this process (same pid, argv,
   environment and fds); returns only on failure. */
int hand_off_to_glibc_runtime (const char *why, struct ocirt_error **err);
