/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <getopt.h>
#include <stddef.h>

/* The options of `create` and `run`, as runc has them; one table for the
   runtime (src/cmd/create-options.c) and the launcher (src/launcher),
   which looks for the bundle in the same argv. */
enum
{
  OPT_CONSOLE_SOCKET = 256,
  OPT_PID_FILE,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_PRESERVE_FDS,
  OPT_KEEP,
  OPT_PIDFD_SOCKET,
  OPT_IGNORED,
};

/* ":" first: a missing value is told from an unknown option. */
#define CREATE_SHORT_OPTIONS ":b:h"
#define RUN_SHORT_OPTIONS ":b:dh"

static const struct option create_option_table[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
  { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
  { "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET },
  { "detach", no_argument, NULL, 'd' },
  { "keep", no_argument, NULL, OPT_KEEP },
  { "no-subreaper", no_argument, NULL, OPT_IGNORED },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};
