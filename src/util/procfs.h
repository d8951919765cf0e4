/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "util/error.h"

/* Checks with fstatfs that `fd` is on procfs; `what` names it in the error.
   Returns 0, or -EXDEV if it is on another filesystem. */
int procfs_check_proc (int fd, const char *what, struct ocirt_error **err);

/* The same for sysfs. */
int procfs_check_sysfs (int fd, const char *what, struct ocirt_error **err);

/* Opens `/proc` of the current mount namespace and checks it is procfs.
   Returns an O_PATH directory fd. */
int procfs_open_root (struct ocirt_error **err);

/* Opens `subpath` (e.g. "sys/net/core/somaxconn") below the procfs directory
   `proc_fd` with `flags`, without leaving that procfs mount (nothing mounted
   over a file under /proc can redirect the open: CVE-2025-52881) and without
   magic links, and checks the result is on procfs. Returns the fd. */
int procfs_open (int proc_fd, const char *subpath, int flags, struct ocirt_error **err);

/* Formats "/proc/self/fd/N" into `buf` (at least 32 bytes) and returns it. */
const char *procfs_fd_path (char *buf, int fd);
