/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/container.h"
#include "ocispec.h"

int
cmd_state (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  static const struct option long_opts[] = { { "help", no_argument, NULL, 'h' }, {} };
  _cleanup_state_ struct oci_state *state = NULL;
  _cleanup_free_ char *json = NULL;
  const char *id;
  int c, r;

  opterr = 0;
  while ((c = getopt_long (argc, argv, ":h", long_opts, NULL)) != -1)
    {
      if (c != 'h')
        return cmd_bad_option (argv, c, err);
      puts ("Usage: ocirt state ID\n\nPrints the state of a container as JSON.");
      exit (EXIT_SUCCESS);
    }
  r = cmd_get_id (argc, argv, optind, &id, err);
  if (r == 0)
    r = container_state (g->root, id, &state, err);
  if (r == 0)
    r = oci_state_to_json (state, 1, &json, err);
  if (r < 0)
    return r;
  fputs (json, stdout);
  if (json[0] && json[strlen (json) - 1] != '\n')
    fputc ('\n', stdout);
  return 0;
}
