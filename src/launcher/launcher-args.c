/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <string.h>

#include "global-options.h"
#include "launcher/launcher-args.h"

bool
launcher_enters_container (int argc, char **argv)
{
  static const char *const entering[] = { "create", "run", "exec" };
  int c;

  /* 0, not 1: a full restart of getopt's scan in both C libraries. */
  optind = 0;
  opterr = 0;
  while ((c = getopt_long (argc, argv, GLOBAL_SHORT_OPTIONS, global_options, NULL)) != -1)
    if (c == '?' || c == ':' || c == 'h' || c == 'v')
      return false;
  if (optind >= argc)
    return false;
  for (size_t i = 0; i < sizeof entering / sizeof entering[0]; i++)
    if (strcmp (argv[optind], entering[i]) == 0)
      return true;
  return false;
}
