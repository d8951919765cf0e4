/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Replaces `name` in `dirfd` with `len` bytes of `data`, atomically: written to
   a temporary file, then rename()d over the old one, so a reader or a killed
   writer sees the old file or the new one, never half of one. */
int fs_write_atomic (int dirfd, const char *name, const void *data, size_t len, mode_t mode);

/* Reads the whole file `name` (relative to `dirfd`) into a NUL-terminated
   buffer; *ret is the caller's. */
int fs_read_all (int dirfd, const char *name, char **ret, size_t *ret_len);

/* Reads everything from an open fd into a NUL-terminated buffer. */
int fs_read_fd (int fd, char **ret, size_t *ret_len);

/* Removes `name` below `dirfd` and everything in it; no symlink is followed.
   A missing entry is not an error. */
int fs_remove_tree (int dirfd, const char *name);

/* Writes all `len` bytes, retrying on EINTR and short writes. */
int fs_write_full (int fd, const void *data, size_t len);
