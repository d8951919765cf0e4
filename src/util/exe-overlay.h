/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* CVE-2019-5736: `name` in the directory `dir_fd`, opened for reading and
   execveat() through a private, detached overlayfs with no upper layer. Its
   superblock is read-only and cannot be remounted writable, and nothing
   outside this process can reach the mount, so no process that gets the
   file as its /proc/PID/exe can ever reopen it for writing; the page cache
   is the real file's (no copy). Needs CAP_SYS_ADMIN (fsopen) and Linux 5.2.
   Returns the fd (O_CLOEXEC) or -errno.

   Plain libc and raw system calls only: the launcher (src/launcher) builds
   it with another C library than the runtime's. */
int exe_overlay_open (int dir_fd, const char *name);
