/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "util/error.h"

/* Parses a signal as `kill` takes it, following runc: a decimal number
   (1..SIGRTMAX), or a name in any case with or without the "SIG" prefix
   ("KILL", "SIGKILL", "sigkill"), including the real-time forms "RTMIN",
   "RTMIN+3", "SIGRTMAX-1" (glibc's SIGRTMIN, as kill(1) counts them).
   Anything else fails with `unknown signal "FOO"` (EINVAL). */
int signal_parse (const char *s, int *ret_sig, struct ocirt_error **err);

/* "SIGKILL", "SIGRTMIN+3", …; NULL for a number that is no signal. The string
   is static (thread-local for the real-time names: copy it before the next call). */
const char *signal_name (int sig);
