/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/container-resources.h"

/* `pause ID` and `resume ID`: no options but --help. */
static int
pause_or_resume (struct ocirt_global *g, int argc, char **argv, bool pause, struct ocirt_error **err)
{
  static const struct option long_opts[] = {
    { "help", no_argument, NULL, 'h' },
    {},
  };
  const char *id;
  int c, r;

  opterr = 0;
  while ((c = getopt_long (argc, argv, ":h", long_opts, NULL)) != -1)
    switch (c)
      {
      case 'h':
        printf ("Usage: ocirt %s ID\n\n%s\n", argv[0],
                pause ? "Suspends every process of the container (cgroup freezer)."
                      : "Resumes every process of a paused container.");
        exit (EXIT_SUCCESS);
      default:
        return cmd_bad_option (argv, c, err);
      }
  r = cmd_get_id (argc, argv, optind, &id, err);
  if (r == 0)
    r = pause ? container_pause (g->root, id, err) : container_resume (g->root, id, err);
  return r < 0 ? r : 0;
}

int
cmd_pause (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  return pause_or_resume (g, argc, argv, true, err);
}

int
cmd_resume (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  return pause_or_resume (g, argc, argv, false, err);
}
