/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cmd-create-options.h"
#include "cmd.h"
#include "core/container.h"
#include "core/self-protect.h"

int
cmd_run (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  struct create_options opts = { 0 };
  struct run_extra_options run = { 0 };
  int r, status = 0;

  /* Before getopt permutes argv, and before anything enters a container. */
  r = self_protect_exe (g->argv, err);
  if (r < 0)
    return r;
  opts.systemd_cgroup = g->systemd_cgroup;
  r = cmd_parse_create_options (argc, argv, &opts, &run, err);
  if (r < 0)
    return r;
  opts.start = true;
  if (run.detach)
    {
      /* Detached: create + start; the container outlives us. */
      r = container_create (g->root, &opts, NULL, err);
      return r < 0 ? r : 0;
    }
  opts.foreground = true;
  r = container_run (g->root, &opts, run.keep, &status, err);
  return r < 0 ? r : status;
}
