/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "status.h"

enum container_status
status_derive (const struct status_facts *f)
{
  /* A half-made container is "creating" while its creator lives; once the
     creator is gone without finishing, nothing will ever start it. */
  if (!f->committed)
    return f->creator_alive ? STATUS_CREATING : STATUS_STOPPED;
  if (!f->init_alive)
    return STATUS_STOPPED;
  if (f->frozen)
    return STATUS_PAUSED;
  return f->fifo_exists ? STATUS_CREATED : STATUS_RUNNING;
}

const char *
status_name (enum container_status status)
{
  switch (status)
    {
    case STATUS_CREATING:
      return "creating";
    case STATUS_CREATED:
      return "created";
    case STATUS_RUNNING:
      return "running";
    case STATUS_PAUSED:
      return "paused";
    case STATUS_STOPPED:
      return "stopped";
    }
  return "unknown";
}
