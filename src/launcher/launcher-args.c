/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <string.h>

#include "create-options.h"
#include "global-options.h"
#include "launcher/launcher-args.h"

#define MAX_ARGS 256

/* The bundle of create/run's options, from a copy of their arguments: GNU
   getopt reorders what it scans, and the runtime must get argv as given. */
static const char *
find_bundle (int argc, char **argv, bool run)
{
  char *copy[MAX_ARGS + 1];
  const char *bundle = ".";
  int c;

  if (argc > MAX_ARGS)
    return NULL;
  memcpy (copy, argv, (size_t) argc * sizeof *copy);
  copy[argc] = NULL;
  optind = 0;
  while ((c = getopt_long (argc, copy, run ? RUN_SHORT_OPTIONS : CREATE_SHORT_OPTIONS, create_option_table,
                           NULL))
         != -1)
    {
      if (c == '?' || c == ':' || c == 'h')
        return NULL;
      if (c == 'b')
        bundle = optarg;
    }
  return bundle;
}

void
launcher_read_args (int argc, char **argv, struct launcher_args *ret)
{
  static const char *const entering[] = { "create", "run", "exec" };
  bool systemd = false;
  int c;

  *ret = (struct launcher_args){ 0 };
  /* 0, not 1: a full restart of getopt's scan in both C libraries. */
  optind = 0;
  opterr = 0;
  while ((c = getopt_long (argc, argv, GLOBAL_SHORT_OPTIONS, global_options, NULL)) != -1)
    {
      if (c == '?' || c == ':')
        return;
      systemd |= c == OPT_SYSTEMD_CGROUP;
      /* The runtime answers --help and --version as it meets them. */
      if (c == 'h' || c == 'v')
        {
          ret->systemd_cgroup = systemd;
          return;
        }
    }
  if (optind >= argc)
    return;
  ret->systemd_cgroup = systemd;
  for (size_t i = 0; i < sizeof entering / sizeof entering[0]; i++)
    if (strcmp (argv[optind], entering[i]) == 0)
      ret->enters_container = true;
  if (strcmp (argv[optind], "create") == 0 || strcmp (argv[optind], "run") == 0)
    ret->bundle = find_bundle (argc - optind, argv + optind, argv[optind][0] == 'r');
}
