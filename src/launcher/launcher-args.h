/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/* What the launcher needs of the command line, read as the runtime reads it
   (global options skipped with their values, --help and --version acted on
   where they stand). Anything the runtime would reject (an unknown option,
   no command) answers false to all and is left for it to report. */
struct launcher_args
{
  /* The command puts a process into a container (create, run, exec): the
     runtime must start from a file no container can write (CVE-2019-5736). */
  bool enters_container;
  /* --systemd-cgroup: the systemd driver needs libsystemd, which only the
     glibc runtime can load. */
  bool systemd_cgroup;
  /* create or run: the bundle directory its options name (-b, --bundle;
     "." when none), for the network namespace begun ahead
     (util/ahead-net.h); NULL for other commands. Only a guess on which
     nothing but speed depends: the runtime reads the command line itself. */
  const char *bundle;
};

void launcher_read_args (int argc, char **argv, struct launcher_args *ret);
