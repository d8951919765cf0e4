/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the container-*.c files only. */

#include "container.h"
#include "state.h"
#include "status.h"

#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#define EXEC_FIFO "exec.fifo"
#define CONFIG_COPY "config.json"

/* Observes the facts and derives the status of the container in `dirfd`. */
enum container_status container_status_of (int dirfd, const struct container_state *st);

/* Reads the config the container was created from (the copy in its entry). */
int container_read_config (int dirfd, struct oci_config **ret, struct ocirt_error **err);

/* The state JSON handed to hooks (compact; status as given). */
int container_hook_state (const struct container_state *st, enum container_status status, char **ret,
                          struct ocirt_error **err);

/* Kills the init (if it is still the process we started) and waits for it
   to be gone. */
int container_kill_init (const struct container_state *st, struct ocirt_error **err);

/* Undoes everything `create` did, in reverse: processes, then the entry.
   With `poststop`, runs the poststop hooks of `config` last (failures only
   warn, as runtime.md says). The entry must be locked by the caller. */
int container_destroy (int rootfd, const struct container_state *st, const struct oci_config *config,
                       bool poststop, struct ocirt_error **err);

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
};

/* Blocks the forwarded signals (call after the process exists: it must not
   inherit the mask) and puts our terminal in raw mode when there is a pty. */
int foreground_prepare (struct foreground *l, pid_t pid, int pidfd, int pty, struct ocirt_error **err);

/* Waits for the process, proxying and forwarding; *ret_status is its exit
   status, 128+N when killed by signal N. */
int foreground_wait (struct foreground *l, int *ret_status, struct ocirt_error **err);

/* Restores the terminal, closes the signalfd (not pidfd or pty). */
void foreground_release (struct foreground *l);
