/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "util/error.h"

/* CVE-2019-5736: makes sure that the file this process runs from cannot be
   reopened for writing through /proc/PID/exe by anything in a container.
   Returns 0 when it already cannot (a read-only overlayfs or a sealed memfd:
   one statfs(2) in the common case). Otherwise re-executes the same argv,
   environment and fds in the same pid from a read-only overlayfs view of the
   binary, or from a sealed memfd copy, and does not return; a negative errno
   with *err set when neither works. Call it before anything else, with the
   argv main() received. OCIRT_TEST_UNPROTECTED_EXE=1 skips it for tests
   (only for uid 0 in the initial user namespace; docs/design.md). */
int self_protect_exe (char **argv, struct ocirt_error **err);

/* The overlay's mount handed over by exe_overlay_hand_over (util/exe-overlay.h),
   checked to be a directory of a read-only overlayfs and made O_CLOEXEC
   again, or -1 (an fd named there that is anything else is the caller's,
   and left alone). The name leaves the environment either way.
   self_protect_exe calls it first. */
int self_protect_take_over_mount (void);

/* Drops the overlay's mount that the launcher (or our own re-execution)
   handed over: its last close waits for an RCU grace period, so create does
   it while it waits for the work made ahead. Done before the init or an
   exec'd process is cloned, which would otherwise hold it until its exec;
   left open, it goes at exit. */
void self_protect_release_mount (void);
