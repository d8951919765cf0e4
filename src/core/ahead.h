/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ocispec.h"
#include "rootfs.h"
#include "util/ahead-net.h"
#include "util/error.h"

/* Work done ahead, beside the runtime's own, while it makes the state
   entry and the container's cgroups.

   A new network namespace costs about half a millisecond of kernel work
   (every per-namespace subsystem initialises): a helper begins it as soon
   as config.json is read, before it is even parsed, and hands it to the
   init. The init is cloned as soon as the entry (and the cgroup2 cgroup it
   is born in) exists; before it joins its v1 cgroups, which the runtime
   makes meanwhile, it makes its mount (and IPC) namespace and does there
   the part of the rootfs setup that needs nothing of its cgroups
   (rootfs_setup_ahead), in the network and IPC namespaces the container
   gets (made, or joined by path as Podman and CRI-O pass them).

   Only when the container gets no user namespace of its own (which would
   have to own them all and must be set up first) and does not join a
   mount namespace. */
struct ahead_plan
{
  bool net;                               /* a new network namespace, from the helper if it made one */
  const struct oci_namespace *net_joined; /* or: the container joins this one */
  bool mount;                             /* make a mount namespace and set the rootfs up in it */
  bool ipc;                               /* with `mount`: make an IPC namespace as well */
  const struct oci_namespace *ipc_joined; /* or: the container joins this one */
  const struct oci_config *config;
  const char *bundle; /* absolute: relative bind sources are relative to it */
  const char *rootfs; /* absolute */
};

/* What can be done ahead for a container with `ns` namespaces. */
struct namespace_plan;
void ahead_plan_make (const struct namespace_plan *ns, const struct oci_config *config, const char *bundle,
                      const char *rootfs, struct ahead_plan *ret);

/* In the init, before its cgroups: enters the network namespace of `plan`
   (the helper's, from `net_fd`, or made here if it sent none; or joined by
   path), then makes the mount and IPC namespaces and sets up what
   rootfs_setup_ahead does (*ret_rootfs, the caller's; NULL when `plan`
   mounts nothing). *ret_entered gets the CLONE_NEW* flags of the
   namespaces now entered, which are not to be made or joined again. */
int ahead_enter (const struct ahead_plan *plan, int net_fd, int *ret_entered, struct rootfs_ctx **ret_rootfs,
                 struct ocirt_error **err);
