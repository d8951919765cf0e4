/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The network namespace of a new container, begun ahead of everything
   else (core/ahead.h): by the runtime as soon as it has read config.json,
   or, earlier still, by the launcher, which hands the helper over to the
   runtime it starts (the helper then shares none of the runtime's memory:
   the runtime's clone of the init and its copy-on-write faults after it
   need no other CPU's TLB flushed). */

/* A guess from the text of config.json, before it is parsed: does it ask
   for a new network namespace? Yes when "network" appears somewhere with no
   "path" after it in the same object ({"type": "network"}, not
   {"type": "network", "path": ...}, the namespace Podman and CRI-O make and
   pass). Only speed depends on it: a wrong yes costs a namespace made for
   nothing, a wrong no (an escaped key...) the head start. */
bool ahead_text_wants_net (const char *json, size_t len);

/* The helper that makes the network namespace: a task sharing the memory
   of the process that makes it (no copy of it to make), which the C
   library does not know of, so it makes its system calls itself
   (util/raw-syscall.h) and never stops the runtime from cloning the init.
   It brings lo up, as runc does in every new network namespace, and sends
   the namespace over a socket whose other end, `fd`, the init inherits. */
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

/* The launcher's hand-over: the environment variable naming the socket
   (inherited, not CLOEXEC) and the helper, our child across the exec. */
#define AHEAD_NET_ENV "OCIRT_AHEAD_NET"

/* In the launcher, before it starts the runtime: clears CLOEXEC on the
   socket and sets AHEAD_NET_ENV; false (nothing changed) if it cannot. */
bool ahead_net_hand_over (const struct ahead_net *n);

/* In the runtime, as `create` starts: takes the helper a launcher handed over
   (unsets AHEAD_NET_ENV either way). Only a child of ours and a
   sequenced-packet socket this process made (before its exec) are taken;
   anything else named there is left alone. *ret is AHEAD_NET_NONE when there is none. */
void ahead_net_adopt (struct ahead_net *ret);

/* At the runtime's exit: a helper handed over that no `create` took
   (the command failed before it) is adopted and released, so that it
   outlives nothing. */
void ahead_net_release_unclaimed (void);
