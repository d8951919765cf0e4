/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "core/container.h"
#include "core/signals.h"

int
cmd_kill (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  static const struct option long_opts[] = {
    { "all", no_argument, NULL, 'a' },
    { "help", no_argument, NULL, 'h' },
    {},
  };
  bool all = false;
  int c, r, sig = SIGTERM;

  opterr = 0;
  while ((c = getopt_long (argc, argv, "+:ah", long_opts, NULL)) != -1)
    switch (c)
      {
      case 'a':
        all = true;
        break;
      case 'h':
        puts ("Usage: ocirt kill [--all] ID [SIGNAL]\n\nSends SIGNAL (default SIGTERM; a name or a number) "
              "to the "
              "container's init,\nor with --all to every process of the container.");
        exit (EXIT_SUCCESS);
      default:
        return cmd_bad_option (argv, c, err);
      }
  if (optind >= argc)
    return ocirt_error_setx (err, EINVAL,
                             "kill: missing container id (usage: ocirt kill [options] ID [SIGNAL])");
  if (argc - optind > 2)
    return ocirt_error_setx (err, EINVAL, "kill: unexpected argument `%s`", argv[optind + 2]);
  if (argc - optind == 2 && (r = signal_parse (argv[optind + 1], &sig, err)) < 0)
    return r;
  r = container_kill (g->root, argv[optind], sig, all, err);
  return r < 0 ? r : 0;
}
