/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-create-options.h"
#include "cmd.h"
#include "create-options.h"

static void
usage (const char *cmd, bool run)
{
  printf ("Usage: ocirt %s [options] ID\n\n"
          "  -b, --bundle DIR          the bundle (default: the current directory)\n"
          "      --console-socket PATH unix socket that receives the pty master\n"
          "      --pid-file FILE       write the init's pid to FILE\n"
          "      --no-pivot            do not use pivot_root (for a rootfs on a ramdisk)\n"
          "      --no-new-keyring      keep the caller's session keyring\n"
          "      --preserve-fds N      pass N more fds (from 3 on) to the process\n"
          "      --pidfd-socket PATH   unix socket that receives a pidfd of the init\n",
          cmd);
  if (run)
    printf ("  -d, --detach              do not wait for the container\n"
            "      --keep                do not delete the container after it exits\n");
}

static int
parse_preserve_fds (const char *s, int *ret, struct ocirt_error **err)
{
  char *end;
  long v;

  errno = 0;
  v = strtol (s, &end, 10);
  if (errno || *end || end == s || v < 0 || v > 65535)
    return ocirt_error_setx (err, EINVAL, "--preserve-fds: expected a count of fds, got `%s`", s);
  *ret = (int) v;
  return 0;
}

int
cmd_parse_create_options (int argc, char **argv, struct create_options *opts, struct run_extra_options *run,
                          struct ocirt_error **err)
{
  int c, r;

  opterr = 0;
  while ((c = getopt_long (argc, argv, run ? RUN_SHORT_OPTIONS : CREATE_SHORT_OPTIONS, create_option_table,
                           NULL))
         != -1)
    {
      switch (c)
        {
        case 'b':
          opts->bundle = optarg;
          break;
        case OPT_CONSOLE_SOCKET:
          opts->console_socket = optarg;
          break;
        case OPT_PID_FILE:
          opts->pid_file = optarg;
          break;
        case OPT_PIDFD_SOCKET:
          opts->pidfd_socket = optarg;
          break;
        case OPT_NO_PIVOT:
          opts->no_pivot = true;
          break;
        case OPT_NO_NEW_KEYRING:
          opts->no_new_keyring = true;
          break;
        case OPT_PRESERVE_FDS:
          if ((r = parse_preserve_fds (optarg, &opts->preserve_fds, err)) < 0)
            return r;
          break;
        case 'd':
        case OPT_KEEP:
          if (run == NULL)
            return cmd_bad_option (argv, '?', err);
          if (c == 'd')
            run->detach = true;
          else
            run->keep = true;
          break;
        case OPT_IGNORED:
          break; /* runc compatibility: accepted, nothing to do */
        case 'h':
          usage (argv[0], run != NULL);
          exit (EXIT_SUCCESS);
        default:
          return cmd_bad_option (argv, c, err);
        }
    }
  return cmd_get_id (argc, argv, optind, &opts->id, err);
}
