/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* sd_notify(3) across the container boundary, as runc does: when the
   caller of `create` has NOTIFY_SOCKET set, the container gets a socket of
   its own (the entry's notify/ directory bound at /run/notify, and
   NOTIFY_SOCKET=/run/notify/notify.sock in its environment); `start` listens
   on it and relays the container's READY=1 to the caller's socket, so that a
   systemd unit of Type=notify running the runtime sees the container's
   readiness, not the runtime's. */

#include <sys/types.h>

#include "oci-config.h"
#include "util/error.h"

#define NOTIFY_DIR "notify"
#define NOTIFY_CONTAINER_SOCKET "/run/notify/notify.sock"

/* In `create`: makes <entry>/notify and adds its bind mount and the
   environment variable to `config` (the in-memory copy the init uses).
   `entry_path` is the entry's absolute path. */
int notify_socket_prepare (int entry_fd, const char *entry_path, struct oci_config *config,
                           struct ocirt_error **err);

/* In `start`, before the process runs: binds the container's socket.
   Returns its fd (the caller's). */
int notify_socket_listen (int entry_fd, struct ocirt_error **err);

/* In `start`, once the process runs: waits for a message with READY=1 (or
   for the process behind `pidfd` to exit) and sends it on to `host_path`. */
int notify_socket_relay (int sock, int pidfd, const char *host_path, struct ocirt_error **err);
