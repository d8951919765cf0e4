/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "ocispec.h"
#include "util/error.h"

/* The container's root filesystem, set up inside the init process (part
   of it ahead of its cgroups, rootfs_setup_ahead): it must already be in the
   container's new mount namespace (and user namespace, if any, with its maps
   written), and must not be running the user's code yet. */
struct rootfs_ctx;

/* Step 1, before the createContainer hooks. Applies the mount propagation of
   "/" (linux.rootfsPropagation, default rslave), makes the rootfs's parent
   mount private, binds the rootfs (absolute path) onto itself, performs
   config->mounts in order (relative bind sources are taken from the cwd: the
   caller chdirs to the bundle first, or makes them absolute), then creates the
   default devices, linux.devices and the /dev links (unless /dev is a bind
   mount). `bind_trees` (may be NULL) gives, per mounts[] entry, a tree the
   runtime made (-1: none): a bind source cloned before the init entered a
   user namespace, the cgroup mount (mount_cgroup_tree).
   *ctx is NULL, or what rootfs_setup_ahead did, which is then completed;
   it is the caller's either way (rootfs_ctx_free). */
int rootfs_setup (const struct oci_config *config, const char *rootfs_path, const int *bind_trees,
                  struct rootfs_ctx **ctx, struct ocirt_error **err);

/* The part of step 1 that needs nothing of the container's cgroups nor
   anything only a later step makes, done by the init before it joins its
   cgroups (ahead.h), in a new mount namespace of its own (with a new IPC
   namespace for mqueue, and the container's network namespace for sysfs),
   no user namespace: the root, then, in order, every mounts[] entry of a
   type that needs nothing more (proc, tmpfs, devpts, mqueue, sysfs; not
   cgroup, binds) whose destination has no symlink and is not nested with
   an earlier entry left to rootfs_setup, then the devices if nothing under
   /dev is left. Relative paths are from the cwd (the bundle). */
int rootfs_setup_ahead (const struct oci_config *config, const char *rootfs_path, struct rootfs_ctx **ret_ctx,
                        struct ocirt_error **err);

/* Binds the terminal `console_fd` (a pty slave) over /dev/console of the
   rootfs, the mount point created and opened by fd (CVE-2025-52565). Works
   before or after rootfs_pivot. */
int rootfs_mount_console (struct rootfs_ctx *ctx, int console_fd, struct ocirt_error **err);

/* Step 2, after the createContainer hooks: pivot_root into the rootfs and
   detach the old root (no_pivot: move the rootfs over "/" and chroot, as
   `runc --no-pivot`), then apply linux.rootfsPropagation to the new "/".
   The cwd is "/" afterwards. */
int rootfs_pivot (struct rootfs_ctx *ctx, bool no_pivot, struct ocirt_error **err);

/* Step 3, after rootfs_pivot: makes the read-only tmpfs mounts read-only,
   root.readonly, writes linux.sysctl through the container's /proc (checked
   to be procfs), then linux.readonlyPaths and linux.maskedPaths (missing
   paths ignored). */
int rootfs_finalize (struct rootfs_ctx *ctx, struct ocirt_error **err);

void rootfs_ctx_free (struct rootfs_ctx *ctx);
DEFINE_CLEANUP_FUNC (struct rootfs_ctx, rootfs_ctx_free)
