/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-create-options.h"
#include "cmd.h"
#include "core/container.h"
#include "core/self-protect.h"

int
cmd_create (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  struct create_options opts = { 0 };
  int r;

  /* Before getopt permutes argv, and before anything enters a container. */
  r = self_protect_exe (g->argv, err);
  if (r < 0)
    return r;
  opts.systemd_cgroup = g->systemd_cgroup;
  r = cmd_parse_create_options (argc, argv, &opts, NULL, err);
  if (r < 0)
    return r;
  r = container_create (g->root, &opts, NULL, err);
  return r < 0 ? r : 0;
}
