/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <sys/types.h>

#include "util/error.h"

/* The SCMP_ACT_NOTIFY listener fd on its way to the seccomp agent
   (config-linux.md "Seccomp", listenerPath): the init loads the filter and
   passes the fd to the runtime, which connects to linux.seccomp.listenerPath
   and sends the fd with the container process state, then closes its copy. */

/* Sends `fd` over the unix socket `sock` with SCM_RIGHTS (one byte of
   payload); the peer receives it with fdpass_receive(). `fd` stays ours. */
int seccomp_pass_notify_fd (int sock, int fd, struct ocirt_error **err);

/* Builds the container process state ("containerProcessState": ociVersion,
   fds ["seccompFd"], pid, metadata if not NULL, state = `state_json`, which
   must be a JSON object). *ret (NUL-terminated) is the caller's. */
int seccomp_process_state_json (const char *metadata, pid_t pid, const char *state_json, char **ret,
                                struct ocirt_error **err);

/* Connects to the AF_UNIX SOCK_STREAM socket at `listener_path`, sends the
   container process state with `notify_fd` attached to the first sendmsg,
   and closes the connection: one state per connection, as the spec says.
   `notify_fd` stays the caller's. Any failure is an error (the spec: "If
   sending to this socket fails, the runtime MUST generate an error"). */
int seccomp_send_notify_fd (const char *listener_path, const char *metadata, int notify_fd,
                            const char *state_json, pid_t pid, struct ocirt_error **err);
