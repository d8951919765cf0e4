/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* CVE-2019-5736: `name` in the directory `dir_fd`, opened for reading and
   execveat() through a private, detached overlayfs with no upper layer. Its
   superblock is read-only and cannot be remounted writable, and nothing
   outside this process can reach the mount, so no process that gets the
   file as its /proc/PID/exe can ever reopen it for writing; the page cache
   is the real file's (no copy). Needs CAP_SYS_ADMIN (fsopen) and Linux 5.2.
   Returns the fd (O_CLOEXEC) or -errno.

   With `ret_mount`, the overlay's mount stays open there (O_CLOEXEC; -1 on
   failure). Whoever closes it last dissolves the mount (the opened file
   keeps what it needs) and waits for an RCU grace period, a tenth of a
   millisecond or more: exe_overlay_hand_over lets the runtime do that
   where it waits anyway instead of before it starts.

   Plain libc and raw system calls only: the launcher (src/launcher) builds
   it with another C library than the runtime's. */
int exe_overlay_open (int dir_fd, const char *name, int *ret_mount);

/* Where the fd of the mount handed over is named. */
#define EXE_OVERLAY_MOUNT_ENV "OCIRT_EXE_OVERLAY_MOUNT_FD"

/* Right before execveat() of that file: `mount` (from exe_overlay_open, or
   -1) goes on to the new image, named in the environment; -1 removes any
   such name the caller passed us. The new image takes it back with
   self_protect_take_over_mount (core/self-protect.h). */
void exe_overlay_hand_over (int mount);
