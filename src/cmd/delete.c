/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "core/container.h"

int
cmd_delete (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  static const struct option long_opts[] = {
    { "force", no_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    {},
  };
  bool force = false;
  const char *id;
  int c, r;

  opterr = 0;
  while ((c = getopt_long (argc, argv, ":fh", long_opts, NULL)) != -1)
    switch (c)
      {
      case 'f':
        force = true;
        break;
      case 'h':
        puts ("Usage: ocirt delete [--force] ID\n\nDeletes a stopped container; --force kills a running one "
              "first.");
        exit (EXIT_SUCCESS);
      default:
        return cmd_bad_option (argv, c, err);
      }
  r = cmd_get_id (argc, argv, optind, &id, err);
  if (r == 0)
    r = container_delete (g->root, id, force, err);
  return r < 0 ? r : 0;
}
