/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/mountopt.h"
#include "ocispec.h"
#include "util/error.h"

/* What a mount entry needs to know about the container beyond the entry. */
struct mount_env
{
  const char *bundle;                        /* relative bind sources are taken from here (NULL: the cwd) */
  bool cgroupns;                             /* the container has its own cgroup namespace */
  const struct oci_id_mapping *uid_mappings; /* the container's user namespace maps, for idmap */
  size_t uid_mappings_len;
  const struct oci_id_mapping *gid_mappings;
  size_t gid_mappings_len;
  int source_tree; /* made by the runtime, or -1: a bind entry's source, cloned before the init entered
                      its user namespace (where the source may be out of reach); a cgroup entry's whole
                      tree (mount_cgroup_tree). Taken: closed once used */
};

/* For a bind entry `m` (relative sources under `bundle`), in the runtime
   before it enters a user namespace: the detached clone of the source with
   the entry's flags set (open_tree + mount_setattr). *ret_tree is -1 for
   other entries and for idmapped ones (their mapping needs the container's
   user namespace). */
int mount_prepare_bind_tree (const struct oci_mount *m, const char *bundle, int *ret_tree,
                             struct ocirt_error **err);

/* The mounts[] entry of type `cgroup` whose tree the runtime builds for the
   init (mount_cgroup_tree), or -1: on a v1 or hybrid host, the first such
   entry that is no bind, in a container without a cgroup namespace (its
   hierarchies are then mounted anew, in that namespace) or a user namespace
   (its mount namespace would lock what we made). */
ssize_t mount_cgroup_tree_entry (const struct oci_config *config);

/* For that entry, in the runtime, while the init joins its v1 cgroups:
   what the entry becomes, as the init would make it (a tmpfs with the
   container's cgroup of each v1 hierarchy bound in it), built detached, so
   that the init only attaches it (env.source_tree of mount_entry). `member`
   is the init's /proc/PID/cgroup once it has joined (cgroup_member_text).
   Needs Linux 6.15 (mounts onto a detached mount); fails before. */
int mount_cgroup_tree (const struct oci_mount *m, const char *member, int *ret_tree,
                       struct ocirt_error **err);

/* Performs one mounts[] entry under the rootfs `root_fd` (the mount tree of
   the calling process, before pivot_root). The destination is resolved and
   created inside the root and the mount is made onto its fd. Returns 1 when
   the mount is a read-only tmpfs that was mounted read-write so that the
   runtime can fill it (devices in /dev): the caller makes it read-only with
   mount_make_readonly() at the end, as runc does; 0 otherwise. */
int mount_entry (int root_fd, const struct oci_mount *m, const struct mount_env *env,
                 struct ocirt_error **err);

/* Bind-mounts the object `src` (a path relative to `src_dirfd`, or "" for
   `src_dirfd` itself) onto the object `dst_fd`, using a detached clone
   (open_tree + move_mount), so no path is looked up twice. `opts` (may be
   NULL) gives the MS_* flags to set and clear on it (ro, nosuid...; only the
   top mount), its recursive attributes, propagation and idmap; flags the
   source has and the options do not clear are kept, so locked flags in a user
   namespace never cause EPERM. `env` is needed only for idmap. */
int mount_bind (int src_dirfd, const char *src, int dst_fd, bool recursive, const struct mount_options *opts,
                const struct mount_env *env, struct ocirt_error **err);

/* Mounts a new read-only, empty tmpfs onto `dst_fd` (masking a directory). */
int mount_empty_tmpfs_ro (int dst_fd, struct ocirt_error **err);

/* Makes the mount that `fd` is the root of read-only (recursively if asked),
   keeping its other flags. */
int mount_make_readonly (int fd, bool recursive, struct ocirt_error **err);

/* Applies propagation changes (MS_SHARED, MS_SLAVE|MS_REC, ...) to the mount
   at `fd`, in order. */
int mount_set_propagation (int fd, const unsigned long *prop, size_t n, struct ocirt_error **err);

/* Internal to mount.c and mount-cgroup.c: mounts a filesystem onto `dst_fd`
   with mount(2) through /proc/self/fd. */
int mount_fs_at (const char *source, int dst_fd, const char *type, unsigned long flags, const char *data,
                 struct ocirt_error **err);

/* Internal to mount.c and mount-cgroup.c: a new tmpfs as a detached mount
   (its fd), with the `source` mountinfo shows and the `mode` of its root
   (NULL: the kernel's "none" and default), and the MOUNT_ATTR_* `attr`. */
int mount_new_tmpfs (const char *source, const char *mode, unsigned int attr, struct ocirt_error **err);

/* Internal to mount.c and mount-cgroup.c: attaches the detached `tree` onto
   the object `dst_fd`. */
int mount_attach_tree (int tree, int dst_fd, struct ocirt_error **err);

/* Internal to mount.c and mount-cgroup.c: the `cgroup`/`cgroup2` entries. */
int mount_cgroup_entry (int root_fd, const struct oci_mount *m, const struct mount_options *opts,
                        const struct mount_env *env, struct ocirt_error **err);
