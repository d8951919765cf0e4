/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The parent/init protocol over a SOCK_SEQPACKET socketpair: one datagram per
   message, so framing is the kernel's. Each message is a type, a code and an
   optional text (the message of SYNC_ERROR: the init's error, shown to the
   user as if the runtime itself had failed). */

#include <stdint.h>

#include "util/error.h"

enum sync_type
{
  SYNC_PROCEED = 1,    /* parent → init: your cgroups exist, go on (when the init joins its v1
                          cgroups itself, a datagram with their files follows: cgroup_join_send) */
  SYNC_USERMAP_PLEASE, /* init → parent: I am in my user ns, write my id maps */
  SYNC_USERMAP_DONE,   /* parent → init */
  SYNC_HOOKS_PLEASE,   /* init → parent: mounts done, run prestart + createRuntime hooks */
  SYNC_HOOKS_DONE,     /* parent → init */
  SYNC_READY,          /* init → parent: all set up, about to wait on exec.fifo */
  SYNC_COMMIT,         /* parent → init: the state is recorded, drop the parent-death signal
                          (and, for `run`, exec: the socket closes at the execve); read after
                          READY, though it may have been sent right after PROCEED */
  SYNC_COMMITTED,      /* init → parent (not for `run`) */
  SYNC_SECCOMP_FD,     /* init → parent: the seccomp listener fd follows (SCM_RIGHTS datagram) */
  SYNC_SECCOMP_DONE,   /* parent → init: the fd reached linux.seccomp.listenerPath */
  SYNC_HOOK_FAILED,    /* init → parent: a createContainer hook failed (its SYNC_ERROR follows) */
  SYNC_MOUNT_TREE,     /* parent → init, after the cgroup files when init_args.cgroup_tree_entry is
                          set: code is that mounts[] index, its tree attached (sync_send_fd), or
                          none when the parent could not build it (the init makes the mount) */
  SYNC_ERROR,          /* either way: code + message, then the sender gives up; the last type */
};

/* Error messages only: longer ones are cut. */
#define SYNC_TEXT_MAX 4096

/* Creates the socketpair (both ends CLOEXEC). */
int sync_pair (int fds[2], struct ocirt_error **err);

/* Sends a message; `text` may be NULL. */
int sync_send (int fd, enum sync_type type, int32_t code, const char *text, struct ocirt_error **err);

/* Sends a message with `attached` passed along (SCM_RIGHTS; none when -1). */
int sync_send_fd (int fd, enum sync_type type, int32_t code, int attached, struct ocirt_error **err);

/* Waits for the message `expected`, which may carry one fd: *ret_code gets
   its code, *ret_attached the fd (CLOEXEC) or -1. */
int sync_expect_fd (int fd, enum sync_type expected, int32_t *ret_code, int *ret_attached,
                    struct ocirt_error **err);

/* Sends *err (or a generic failure) as SYNC_ERROR; used on the way out. */
void sync_send_error (int fd, const struct ocirt_error *error);

/* Waits for the next message and checks it is `expected`. A SYNC_ERROR from
   the peer becomes *err with the peer's code and text; the peer closing the
   socket becomes "<what>: the container's init exited unexpectedly". */
int sync_expect (int fd, enum sync_type expected, struct ocirt_error **err);

/* Waits for any message; *ret_type gets its type. SYNC_ERROR and EOF are
   turned into errors as in sync_expect. */
int sync_receive (int fd, enum sync_type *ret_type, struct ocirt_error **err);

/* Waits for the peer to close its end (0), or for its SYNC_ERROR (*err);
   any other message is an error. */
int sync_await_close (int fd, struct ocirt_error **err);

/* Parses a raw datagram (exposed for the fuzzer and unit tests). */
int sync_decode (const void *buf, size_t len, enum sync_type *ret_type, int32_t *ret_code, char *text,
                 size_t text_size);
