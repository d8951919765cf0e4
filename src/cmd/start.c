/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "core/container.h"

int
cmd_start (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  static const struct option long_opts[] = { { "help", no_argument, NULL, 'h' }, {} };
  const char *id;
  int c, r;

  opterr = 0;
  while ((c = getopt_long (argc, argv, ":h", long_opts, NULL)) != -1)
    {
      if (c != 'h')
        return cmd_bad_option (argv, c, err);
      puts ("Usage: ocirt start ID\n\nRuns the user process of a created container.");
      exit (EXIT_SUCCESS);
    }
  r = cmd_get_id (argc, argv, optind, &id, err);
  if (r == 0)
    r = container_start (g->root, id, err);
  return r < 0 ? r : 0;
}
