/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ahead.h"
#include "cgroup.h"
#include "namespace.h"
#include "oci-config.h"
#include "rootfs.h"
#include "seccomp.h"

/* What the container's init needs from its creator; it is a forked copy of
   the creator, so everything here is simply inherited memory and fds. */
struct init_args
{
  const char *id;
  const struct oci_config *config;
  const char *bundle; /* absolute; relative bind sources are relative to it */
  const char *rootfs; /* absolute */
  const struct namespace_plan *plan;
  const struct seccomp_filter *seccomp; /* compiled by the creator; NULL without linux.seccomp */
  pid_t parent_pid;                     /* the creator, checked after setting the parent-death signal */
  int sync_fd;                          /* the init's end of the sync socketpair */
  int state_fds[2];                     /* the creator's state root and entry: closed at once, so the
                                           entry's lock is the creator's alone */
  int fifo_fd;                          /* O_PATH fd of exec.fifo */
  int console_socket_fd;                /* where the pty master goes: the connected --console-socket, or
                                           the foreground `run`'s own socketpair end; -1 without a terminal */
  int preserve_fds;                     /* fds 3 .. 3+N-1 reach the process */
  const int *bind_trees; /* per mounts[] entry, the bind source cloned before the user namespace
                            (mount_prepare_bind_tree), or -1; NULL: none */
  bool joins_cgroups;    /* v1 hierarchies to move itself into follow SYNC_PROCEED (cgroup_join_receive) */
  ssize_t cgroup_tree_entry;      /* the mounts[] entry whose tree follows them (SYNC_MOUNT_TREE), or -1 */
  const struct ahead_plan *ahead; /* what the init makes before it joins its cgroups (ahead.h) */
  int net_fd;                     /* where the helper sends the new network namespace, or -1 */
  const cpu_set_t *cpus;          /* moved to other CPUs than the creator's at birth: those to return to */
  bool no_pivot;
  bool no_new_keyring;
  bool hooks_in_parent; /* prestart/createRuntime hooks: stop and let the creator run them */
  bool start_at_commit; /* `run`: exec at SYNC_COMMIT, errors over the sync socket, no exec.fifo */
};

/* Whether the init will ask its creator for something before SYNC_READY
   (and wait for the answer): its user namespace's id maps, the hooks of
   the runtime's namespace, the seccomp listener's fd. When it will not,
   the creator may queue SYNC_COMMIT right after SYNC_PROCEED: nothing the
   init reads comes between them. */
bool init_asks_creator (const struct init_args *a);

/* The init process: sets the container up, reports to the creator, waits on
   exec.fifo for `start` (or, with start_at_commit, for the commit), then
   execs the user process. Never returns. */
_Noreturn void init_main (const struct init_args *args);
