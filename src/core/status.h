/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

enum container_status
{
  STATUS_CREATING,
  STATUS_CREATED,
  STATUS_RUNNING,
  STATUS_PAUSED,
  STATUS_STOPPED,
};

/* What can be observed about a container; the status is derived from these
   facts on every read and never stored, so it cannot go stale. */
struct status_facts
{
  bool committed;     /* `create` finished and recorded it */
  bool creator_alive; /* the `create` that made it still runs */
  bool init_alive;    /* the recorded init pid still is the process we started */
  bool fifo_exists;   /* exec.fifo is there: `start` has not happened yet */
  bool frozen;        /* its cgroup is frozen */
};

enum container_status status_derive (const struct status_facts *facts);

/* "created", "running"...: the words runc prints and its callers parse. */
const char *status_name (enum container_status status);
