/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "ocispec.h"
#include "util/error.h"

/* Creates the spec's default devices (null zero full random urandom tty, 0666
   root:root) and `devices` (linux.devices; an entry with a default's path
   replaces it) under `root_fd` with mknodat on the resolved parent fd. Where
   mknod is refused (a user namespace) the host's node of the same path is
   bind-mounted onto an empty file instead, as runc does. */
int devices_create (int root_fd, const struct oci_device *devices, size_t n, struct ocirt_error **err);

/* /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr (and /dev/core when the host
   has /proc/kcore), /dev/ptmx -> pts/ptmx, and the /dev/pts and /dev/shm
   directories if missing (runtime-linux.md "Dev symbolic links"). */
int devices_create_links (int root_fd, struct ocirt_error **err);

/* Bind-mounts the terminal `console_fd` (the pty slave) over /dev/console,
   whose mount point is created and opened by fd inside the root
   (CVE-2025-52565: never through a path a symlink can redirect). */
int devices_mount_console (int root_fd, int console_fd, struct ocirt_error **err);

/* Opens /dev/null inside the root and checks it is the 1:3 character device
   (CVE-2025-31133: a symlink or file there must not be bound over masked
   paths). Returns an O_PATH fd. */
int devices_open_null (int root_fd, struct ocirt_error **err);
