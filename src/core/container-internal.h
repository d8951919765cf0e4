/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the container-*.c files only. */

#include "container.h"
#include "state.h"
#include "status.h"

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
