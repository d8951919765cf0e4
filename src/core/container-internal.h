/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the container-*.c files only. */

#include "container.h"
#include "state.h"
#include "status.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#define EXEC_FIFO "exec.fifo"
#define CONFIG_COPY "config.json"

/* Opens the runtime root and the entry of `id`, locked as asked (LOCK_EX,
   LOCK_SH or 0); "container `ID` does not exist" when either is missing. */
int container_open (const char *root, const char *id, int lock, int *ret_rootfd, int *ret_dirfd,
                    struct container_state **ret, struct ocirt_error **err);

/* The static runtime leaves a container of the systemd driver to the glibc
   runtime (hand-off.h) before it touches it: returns only if it keeps it. */
int container_hand_off_if_systemd (const struct container_state *st, struct ocirt_error **err);

/* Observes the facts and derives the status of the container in `dirfd`. */
enum container_status container_status_of (int dirfd, const struct container_state *st);

/* Reads the config the container was created from (the copy in its entry). */
int container_read_config (int dirfd, struct oci_config **ret, struct ocirt_error **err);

/* The state JSON handed to hooks (compact; status as given). */
int container_hook_state (const struct container_state *st, enum container_status status, char **ret,
                          struct ocirt_error **err);

/* `start` of a container in the `created` status whose entry the caller has
   open and locked (container_start, or `create` itself for `run`): lets the
   init exec the user process, relays the notify socket, runs the poststart
   hooks; a failure past the init's release destroys the container. The
   release is through exec.fifo, or, with `sync_fd` (`run`, whose init execs
   at the commit), the end of the sync socket. */
int container_start_created (int rootfd, int dirfd, int sync_fd, const struct container_state *st,
                             const struct oci_config *config, struct ocirt_error **err);

/* Kills the init (if it is still the process we started) and waits for it
   to be gone. */
int container_kill_init (const struct container_state *st, struct ocirt_error **err);

/* Undoes everything `create` did, in reverse: processes, then the entry.
   With `poststop`, runs the poststop hooks of `config` last (failures only
   warn, as runtime.md says). The entry must be locked by the caller. */
int container_destroy (int rootfd, const struct container_state *st, const struct oci_config *config,
                       bool poststop, struct ocirt_error **err);

/* Receives a seccomp listener fd that the process on the other end of
   `sync_fd` announced (SYNC_SECCOMP_FD), hands it to linux.seccomp's
   listenerPath with the container state (config-linux.md "Seccomp") and
   answers SYNC_SECCOMP_DONE. */
int container_forward_seccomp_fd (int sync_fd, const struct oci_seccomp *s, const struct container_state *st,
                                  enum container_status status, pid_t pid, struct ocirt_error **err);

/* Sends `pidfd` over the unix socket at `path` (--pidfd-socket): the caller
   gets a handle on the process that can never name a recycled pid. */
int container_send_pidfd (const char *path, int pidfd, struct ocirt_error **err);

/* Writes `pid` to `path` (relative to the caller's cwd) atomically: callers
   poll for the file and must never read a partial pid. */
int container_write_pid_file (const char *path, pid_t pid, struct ocirt_error **err);

/* A process the caller waits for in the foreground (`run`, `exec`):
   signals it receives are forwarded, its terminal proxied. */
struct foreground
{
  pid_t pid;
  int pidfd;
  int sigfd;
  int pty;         /* -1 without a terminal */
  bool stdin_open; /* stop reading stdin at EOF */
  bool raw;
  struct termios saved;
  sigset_t saved_mask;
};

/* Blocks the forwarded signals into a signalfd, before the process exists,
   so that none is lost while it is being set up; the process resets its
   mask before it execs (init_main, exec_child). */
int foreground_prepare (struct foreground *l, struct ocirt_error **err);

/* Waits for the process, proxying its terminal (our stdin in raw mode) and
   forwarding signals, queued ones too; *ret_status is its exit status,
   128+N when killed by signal N. */
int foreground_wait (struct foreground *l, pid_t pid, int pidfd, int pty, int *ret_status,
                     struct ocirt_error **err);

/* Restores the terminal and the signal mask, closes the signalfd (not the
   pidfd or pty). */
void foreground_release (struct foreground *l);
