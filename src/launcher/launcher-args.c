/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <string.h>

#include "global-options.h"
#include "launcher/launcher-args.h"

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
}
