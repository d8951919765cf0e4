/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/* Safe resolution of paths inside a container's root filesystem. Every
   symlink and ".." is resolved as if `root_fd` were "/", so nothing that the
   image contains can lead outside it (DESIGN.md principle 3). Mount points
   inside the root are crossed: the runtime's own mounts are part of it. */

/* Opens `path` (absolute or relative: both are taken from the root) under
   `root_fd` with open(2) `flags` (O_CLOEXEC is always added) and `mode`.
   Uses openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), or path_open_in_root_walk
   on kernels without openat2. Returns the new fd or a negative errno. */
int path_open_in_root (int root_fd, const char *path, int flags, mode_t mode, struct ocirt_error **err);

/* The same resolution done in user space, one component at a time with
   O_NOFOLLOW (for kernels before 5.6; exported so the tests cover it). */
int path_open_in_root_walk (int root_fd, const char *path, int flags, mode_t mode, struct ocirt_error **err);

/* Resolves `path` under `root_fd`, creating each missing directory with
   mkdirat() on the already resolved parent fd, and returns an O_PATH fd of the
   final directory. A symlink is followed only inside the root; a dangling one
   is an error, never created through. */
int path_mkdir_in_root (int root_fd, const char *path, mode_t mode, struct ocirt_error **err);

/* Like path_mkdir_in_root for the parent directories, then makes sure the last
   component exists: a directory if `dir`, else an empty regular file (not
   replacing anything already there). Returns an O_PATH fd of it. */
int path_create_in_root (int root_fd, const char *path, bool dir, mode_t mode, struct ocirt_error **err);

/* Splits `path` into its parent part and last component, ignoring trailing
   slashes: "/a/b/" -> "/a" + "b", "b" -> "." + "b", "/" -> "/" + ".".
   Both strings are malloc'ed for the caller. */
int path_split (const char *path, char **ret_dir, char **ret_base);
