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
   (rootfs_setup_ahead), in the network and IPC namespaces the container
   gets (made there, or joined by path as Podman and CRI-O pass them). The
   init enters what was made with setns(2).

   Only when the container gets no user namespace of its own (which would
   have to own them all) and does not join a mount namespace. */
struct ahead_plan
{
  bool net;             /* make a network namespace */
  const char *net_path; /* or: the container joins this one */
  bool mount;           /* make a mount namespace and set the rootfs up in it */
  bool ipc;             /* with `mount`: make an IPC namespace as well */
  const char *ipc_path; /* or: the container joins this one */
  const struct oci_config *config;
  const char *bundle; /* absolute: relative bind sources are relative to it */
  const char *rootfs; /* absolute */
};

struct ahead
{
  struct ahead_plan plan; /* valid once decided */
  pthread_t thread;
  bool started;
  bool net_begun;    /* started before the plan, to make a network namespace */
  bool net_unshared; /* the thread is in a network namespace of its own */
  pthread_mutex_t lock;
  pthread_cond_t decided_cond;
  bool decided; /* the plan is there (or nothing will be) */
  bool pin;     /* move the thread to `cpus` (the others than ours) */
  cpu_set_t cpus;
  int net_fd, mnt_fd, ipc_fd; /* what was made, or -1 */
  struct rootfs_ctx *rootfs;  /* the rootfs as far as set up, or NULL */
  struct ocirt_error *err;    /* why the thread stopped short */
};

/* `a` before anything else (fds -1, no thread). */
void ahead_init (struct ahead *a);

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

/* Starts the thread early, before the config is parsed, to make a network
   namespace; it then waits for ahead_start's plan. Made for nothing when the
   config turns out to want none (or a user namespace, which must own it):
   it is dropped. */
void ahead_begin_net (struct ahead *a);

/* Gives the thread its plan (starting it now if ahead_begin_net did not);
   nothing happens ahead when there is nothing to do, or when the thread
   cannot start: the init then does everything itself. */
void ahead_start (struct ahead *a, const struct ahead_plan *plan);

/* Waits for the thread. A failed network namespace only leaves it to the
   init (-1 fds), as does a mount namespace that could not be made; a failed
   step of the rootfs setup is the container's error (returned). Safe to
   call again. */
int ahead_finish (struct ahead *a, struct ocirt_error **err);

/* Closes and frees what was made and not handed on. */
void ahead_release (struct ahead *a);
