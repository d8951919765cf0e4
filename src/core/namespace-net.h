/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>

/* Creating a network namespace costs about half a millisecond of kernel
   work (every per-namespace subsystem initialises), on the init's critical
   path. When the container gets a new one and no new user namespace (which
   must own it), a thread of the runtime makes it while the runtime prepares
   the state entry and cgroups, and the init enters it with setns(2). */
struct netns_prep
{
  pthread_t thread;
  bool started;
  bool pin; /* move the thread to `cpus` (the others than ours) */
  cpu_set_t cpus;
  int fd;  /* the namespace, once made */
  int err; /* errno of a failed step */
};

/* Starts the thread; on failure to start, namespace_net_finish returns -1
   and the init makes the namespace itself. */
void namespace_net_prepare (struct netns_prep *p);

/* Waits for the thread; returns an fd of the new namespace (lo up), or -1
   when there is none, in which case the init unshares as usual. Safe to
   call again (returns -1). */
int namespace_net_finish (struct netns_prep *p);
