/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/container.h"
#include "core/self-protect.h"

enum
{
  OPT_CONSOLE_SOCKET = 256,
  OPT_PID_FILE,
  OPT_CWD,
  OPT_NO_NEW_PRIVS,
  OPT_APPARMOR,
  OPT_PROCESS_LABEL,
  OPT_PRESERVE_FDS,
  OPT_CGROUP,
  OPT_IGNORE_PAUSED,
  OPT_PIDFD_SOCKET,
};

static void
usage (void)
{
  puts ("Usage: ocirt exec [options] ID [COMMAND [ARGS...]]\n\n"
        "Runs a new process in a running container.\n\n"
        "  -p, --process FILE         the process as a `process` JSON (config.md)\n"
        "  -t, --tty                  allocate a pseudo-terminal\n"
        "      --console-socket PATH  unix socket that receives the pty master\n"
        "  -d, --detach               do not wait for the process\n"
        "      --pid-file FILE        write the process's pid to FILE\n"
        "      --cwd DIR              working directory inside the container\n"
        "  -e, --env KEY=VALUE        set an environment variable (repeatable)\n"
        "  -u, --user UID[:GID]       run as this user\n"
        "  -g, --additional-gids GID  an additional group (repeatable)\n"
        "  -c, --cap CAP              add a capability (repeatable)\n"
        "      --no-new-privs         set no_new_privs\n"
        "      --apparmor PROFILE     AppArmor profile\n"
        "      --process-label LABEL  SELinux label\n"
        "      --preserve-fds N       pass N more fds (from 3 on)\n"
        "      --cgroup [CTRL[,CTRL]:]PATH  join this sub-cgroup of the container's cgroup\n"
        "                             (all or the named controllers; repeatable)\n"
        "      --ignore-paused        allow exec in a paused container\n"
        "      --pidfd-socket PATH    unix socket that receives a pidfd of the process");
}

/* Appends `v` to a NULL-terminated growing list owned by the caller. */
static int
push (char ***list, size_t *len, char *v)
{
  char **grown = realloc (*list, (*len + 2) * sizeof (char *));

  if (grown == NULL)
    return -ENOMEM;
  grown[(*len)++] = v;
  grown[*len] = NULL;
  *list = grown;
  return 0;
}

static int
parse_uint (const char *what, const char *s, unsigned long max, unsigned long *ret, struct ocirt_error **err)
{
  char *end;

  errno = 0;
  *ret = strtoul (s, &end, 10);
  if (errno || *end || end == s || s[0] == '-' || *ret > max)
    return ocirt_error_setx (err, EINVAL, "exec: %s: invalid value `%s`", what, s);
  return 0;
}

static int
add_gid (struct exec_options *o, const char *s, struct ocirt_error **err)
{
  unsigned long v;
  uint32_t *grown;
  int r = parse_uint ("--additional-gids", s, UINT32_MAX, &v, err);

  if (r < 0)
    return r;
  grown = realloc (o->additional_gids, (o->additional_gids_len + 1) * sizeof *grown);
  if (grown == NULL)
    return ocirt_error_set (err, ENOMEM, "exec");
  grown[o->additional_gids_len++] = (uint32_t) v;
  o->additional_gids = grown;
  return 0;
}

static int
parse_options (int argc, char **argv, struct exec_options *o, struct ocirt_error **err)
{
  static const struct option long_opts[] = {
    { "process", required_argument, NULL, 'p' },
    { "tty", no_argument, NULL, 't' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "detach", no_argument, NULL, 'd' },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "env", required_argument, NULL, 'e' },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "cap", required_argument, NULL, 'c' },
    { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "cgroup", required_argument, NULL, OPT_CGROUP },
    { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
    { "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET },
    { "help", no_argument, NULL, 'h' },
    {},
  };
  unsigned long v;
  int c, r = 0;

  opterr = 0;
  /* "+": everything after the id is the command and its own options. */
  while (r == 0 && (c = getopt_long (argc, argv, "+:p:tde:u:g:c:h", long_opts, NULL)) != -1)
    switch (c)
      {
      case 'p':
        o->process_file = optarg;
        break;
      case 't':
        o->tty = true;
        break;
      case OPT_CONSOLE_SOCKET:
        o->console_socket = optarg;
        break;
      case 'd':
        o->detach = true;
        break;
      case OPT_PID_FILE:
        o->pid_file = optarg;
        break;
      case OPT_CWD:
        o->cwd = optarg;
        break;
      case 'e':
        r = push (&o->env, &o->env_len, optarg) < 0 ? ocirt_error_set (err, ENOMEM, "exec") : 0;
        break;
      case 'u':
        o->user = optarg;
        break;
      case 'g':
        r = add_gid (o, optarg, err);
        break;
      case 'c':
        r = push (&o->caps, &o->caps_len, optarg) < 0 ? ocirt_error_set (err, ENOMEM, "exec") : 0;
        break;
      case OPT_NO_NEW_PRIVS:
        o->no_new_privs = true;
        break;
      case OPT_APPARMOR:
        o->apparmor = optarg;
        break;
      case OPT_PROCESS_LABEL:
        o->process_label = optarg;
        break;
      case OPT_PRESERVE_FDS:
        if ((r = parse_uint ("--preserve-fds", optarg, 65535, &v, err)) == 0)
          o->preserve_fds = (int) v;
        break;
      case OPT_CGROUP:
        r = push (&o->cgroups, &o->cgroups_len, optarg) < 0 ? ocirt_error_set (err, ENOMEM, "exec") : 0;
        break;
      case OPT_IGNORE_PAUSED:
        o->ignore_paused = true;
        break;
      case OPT_PIDFD_SOCKET:
        o->pidfd_socket = optarg;
        break;
      case 'h':
        usage ();
        exit (EXIT_SUCCESS);
      default:
        return cmd_bad_option (argv, c, err);
      }
  if (r < 0)
    return r;
  if (optind >= argc)
    return ocirt_error_setx (err, EINVAL,
                             "exec: missing container id (usage: ocirt exec [options] ID COMMAND)");
  o->id = argv[optind];
  o->args = argv + optind + 1;
  o->args_len = (size_t) (argc - optind - 1);
  return 0;
}

int
cmd_exec (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  struct exec_options o = { 0 };
  int r, status = 0;

  /* runc exits 255 when exec itself fails, so that callers can tell it from
     the process's own exit status. */
  g->error_status = 255;
  /* Before getopt permutes argv, and before anything enters a container. */
  r = self_protect_exe (g->argv, err);
  if (r == 0)
    r = parse_options (argc, argv, &o, err);
  if (r == 0)
    r = container_exec (g->root, &o, &status, err);
  free (o.env);
  free (o.caps);
  free (o.cgroups);
  free (o.additional_gids);
  return r < 0 ? r : status;
}
