/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>

#include "ocispec.h"
#include "rootfs.h"
#include "util/error.h"

/* Work done ahead of the init, on a thread of the runtime and another CPU,
   while the runtime makes the state entry and cgroups.

   A new network namespace costs about half a millisecond of kernel work
   (every per-namespace subsystem initialises). Then, with a new mount
   namespace, the thread makes it (with the new IPC namespace, if any, which
   an mqueue mount belongs to) and does there the part of the rootfs setup
   that needs neither the init's pid namespace nor its cgroup
   (rootfs_setup_ahead). The init enters what was made with setns(2).

   Only when the container gets no new user namespace (which would have to
   own them all) and joins no namespace by path. */
struct ahead_plan
{
  bool net;   /* make a network namespace */
  bool mount; /* make a mount namespace and set the rootfs up in it */
  bool ipc;   /* with `mount`: make an IPC namespace as well */
  const struct oci_config *config;
  const char *bundle; /* absolute: relative bind sources are relative to it */
  const char *rootfs; /* absolute */
};

struct ahead
{
  struct ahead_plan plan;
  pthread_t thread;
  bool started;
  bool pin; /* move the thread to `cpus` (the others than ours) */
  cpu_set_t cpus;
  int net_fd, mnt_fd, ipc_fd; /* what was made, or -1 */
  struct rootfs_ctx *rootfs;  /* the rootfs as far as set up, or NULL */
  struct ocirt_error *err;    /* why the thread stopped short */
};

/* What can be done ahead for a container with `plan` namespaces. */
struct namespace_plan;
void ahead_plan_make (const struct namespace_plan *ns, const struct oci_config *config, const char *bundle,
                      const char *rootfs, struct ahead_plan *ret);

/* Starts the thread when there is anything to do; if it cannot start, the
   init does everything itself. */
void ahead_start (struct ahead *a, const struct ahead_plan *plan);

/* Waits for the thread. A failed network namespace only leaves it to the
   init (-1 fds), as does a mount namespace that could not be made; a failed
   step of the rootfs setup is the container's error (returned). Safe to
   call again. */
int ahead_finish (struct ahead *a, struct ocirt_error **err);

/* Closes and frees what was made and not handed on. */
void ahead_release (struct ahead *a);
