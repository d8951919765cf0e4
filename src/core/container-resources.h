/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The commands that act on a container's cgroup: pause, resume, update,
   ps, events. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "oci-config.h"
#include "util/error.h"

/* Freezes a running (or created) container: "container not running" else. */
int container_pause (const char *root, const char *id, struct ocirt_error **err);

/* Thaws a paused container: "container not paused" else. */
int container_resume (const char *root, const char *id, struct ocirt_error **err);

/* Applies `res` to the cgroup of a container that has not stopped. */
int container_update (const char *root, const char *id, const struct oci_resources *res,
                      struct ocirt_error **err);

/* The host pids of every process of the container (none once it stopped);
 *ret is the caller's (free). */
int container_pids (const char *root, const char *id, pid_t **ret, size_t *ret_len, struct ocirt_error **err);

/* Called for each event: `type` "stats" (with `stats`) or "oom" (stats NULL).
   A negative return stops container_events with that value. */
typedef int (*container_event_fn) (void *data, const char *id, const char *type,
                                   const struct cgroup_stats *stats);

/* With `once`, one "stats" event. Otherwise a "stats" event every
   `interval_ms` and an "oom" event whenever the OOM killer acts, until the
   container's init exits. */
int container_events (const char *root, const char *id, bool once, int interval_ms, container_event_fn fn,
                      void *data, struct ocirt_error **err);
