/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ocispec.h"
#include "rootfs.h"
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

/* A guess from the text of config.json, before it is parsed: does it ask
   for a new network namespace? Yes when "network" appears somewhere with no
   "path" after it in the same object ({"type": "network"}, not
   {"type": "network", "path": ...}, the namespace Podman and CRI-O make and
   pass). Only speed depends on it: a wrong yes costs a namespace made for
   nothing, a wrong no (an escaped key...) the head start. */
bool ahead_text_wants_net (const char *json, size_t len);

/* The helper that makes the network namespace: a task sharing the
   runtime's memory (no copy of it to make), which the C library does not
   know of, so it makes its system calls itself (util/raw-syscall.h) and
   never stops the runtime from cloning the init. It brings lo up, as runc
   does in every new network namespace, and sends the namespace over a
   socket whose other end, `fd`, the init inherits. */
struct ahead_net
{
  pid_t pid; /* the helper, to reap; -1: none */
  int fd;    /* where the namespace arrives; -1: none */
};
#define AHEAD_NET_NONE ((struct ahead_net){ .pid = -1, .fd = -1 })

/* The CPUs we may run on (*ret_ours) and those of them we do not run on
   now (*ret_others); false when there is no other. A task we make runs on
   our CPU first and would wait for it: we move it to the others at once. */
bool ahead_cpus_besides_ours (cpu_set_t *ret_ours, cpu_set_t *ret_others);

/* Starts the helper; nothing happens where it cannot start (the init then
   makes the namespace itself). */
void ahead_net_begin (struct ahead_net *n);

/* Closes the runtime's end of the socket: once the init has it, or when
   the container wants no new network namespace (the one made is dropped). */
void ahead_net_close (struct ahead_net *n);

/* Closes the socket and reaps the helper (which never takes long). */
void ahead_net_release (struct ahead_net *n);

/* In the init, before its cgroups: enters the network namespace of `plan`
   (the helper's, from `net_fd`, or made here if it sent none; or joined by
   path), then makes the mount and IPC namespaces and sets up what
   rootfs_setup_ahead does (*ret_rootfs, the caller's; NULL when `plan`
   mounts nothing). *ret_entered gets the CLONE_NEW* flags of the
   namespaces now entered, which are not to be made or joined again. */
int ahead_enter (const struct ahead_plan *plan, int net_fd, int *ret_entered, struct rootfs_ctx **ret_rootfs,
                 struct ocirt_error **err);
