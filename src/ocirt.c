/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_version.h>

#include "cmd/cmd.h"
#include "core/hand-off.h"
#include "global-options.h"
#include "oci-config.h"
#include "util/ahead-net.h"

struct command
{
  const char *name;
  cmd_fn fn;
  const char *summary;
};

/* Only commands that work are listed (and dispatched). */
static const struct command commands[] = {
  { "create", cmd_create, "create a container" },
  { "start", cmd_start, "start the user process of a created container" },
  { "run", cmd_run, "create and start a container" },
  { "exec", cmd_exec, "run a new process in a running container" },
  { "state", cmd_state, "print the state of a container" },
  { "kill", cmd_kill, "send a signal to the container's init process" },
  { "delete", cmd_delete, "delete a container and what it holds" },
  { "list", cmd_list, "list the containers" },
  { "spec", cmd_spec, "write a default config.json" },
  { "features", cmd_features, "print what this runtime supports" },
  { "pause", cmd_pause, "suspend every process of a container" },
  { "resume", cmd_resume, "resume a paused container" },
  { "update", cmd_update, "change the resource limits of a container" },
  { "ps", cmd_ps, "list the processes of a container" },
  { "events", cmd_events, "print resource usage and OOM events of a container" },
};

static void
usage (FILE *out)
{
  fputs ("Usage: ocirt [global options] COMMAND [options] [arguments]\n\n"
         "An OCI runtime with the command line of runc.\n\nCommands:\n",
         out);
  for (size_t i = 0; i < ARRAY_SIZE (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs ("\nGlobal options:\n"
         "  --root DIR             where container state is kept (default /run/ocirt)\n"
         "  --log FILE             write log records to FILE\n"
         "  --log-format FORMAT    text or json\n"
         "  --debug                log debug records too\n"
         "  --systemd-cgroup       manage cgroups through systemd\n"
         "  --rootless VALUE       auto, true or false\n"
         "  -h, --help             show this help\n"
         "  -v, --version          show the version\n\n"
         "`ocirt COMMAND --help` describes a command; see also ocirt(8).\n",
         out);
}

static void
version (void)
{
  printf ("ocirt version %s\ncommit: %s\nspec: %s\n", PACKAGE_VERSION, GIT_COMMIT, OCI_VERSION);
  printf ("yajl: %s\nlibseccomp: %s\nlibcap: %s\n", YAJL_VERSION_STR, LIBSECCOMP_VERSION, LIBCAP_VERSION);
#ifdef HAVE_SELINUX
  puts ("selinux: yes");
#else
  puts ("selinux: no");
#endif
#ifdef HAVE_APPARMOR
  puts ("apparmor: yes");
#else
  puts ("apparmor: no");
#endif
#ifdef OCIRT_STATIC_RUNTIME
  puts ("build: static (musl)");
#else
  puts ("build: glibc");
#endif
}

/* Root's default, or $XDG_RUNTIME_DIR/ocirt for an unprivileged user. Podman
   never passes --root, so this must be right on its own. */
static const char *
default_root (void)
{
  static char buf[4096];
  const char *xdg = getenv ("XDG_RUNTIME_DIR");

  if (geteuid () == 0 || xdg == NULL || *xdg == '\0')
    return "/run/ocirt";
  snprintf (buf, sizeof buf, "%s/ocirt", xdg);
  return buf;
}

static int
parse_global (int argc, char **argv, struct ocirt_global *g, struct ocirt_error **err)
{
  int c;

  opterr = 0;
  while ((c = getopt_long (argc, argv, GLOBAL_SHORT_OPTIONS, global_options, NULL)) != -1)
    switch (c)
      {
      case OPT_ROOT:
        g->root = optarg;
        break;
      case OPT_LOG:
        g->log_path = optarg;
        break;
      case OPT_LOG_FORMAT:
        if (strcmp (optarg, "json") == 0)
          g->log_format = LOG_FORMAT_JSON;
        else if (strcmp (optarg, "text") == 0)
          g->log_format = LOG_FORMAT_TEXT;
        else
          return ocirt_error_setx (err, EINVAL, "--log-format: unknown format `%s` (text or json)", optarg);
        break;
      case OPT_DEBUG:
        g->debug = true;
        break;
      case OPT_SYSTEMD_CGROUP:
        g->systemd_cgroup = true;
        break;
      case OPT_ROOTLESS:
        if (strcmp (optarg, "auto") && strcmp (optarg, "true") && strcmp (optarg, "false"))
          return ocirt_error_setx (err, EINVAL, "--rootless: expected auto, true or false, got `%s`", optarg);
        g->rootless = optarg;
        break;
      case OPT_CRIU:
        break; /* accepted for runc compatibility; checkpointing is not supported */
      case 'h':
        usage (stdout);
        exit (EXIT_SUCCESS);
      case 'v':
        version ();
        exit (EXIT_SUCCESS);
      default:
        return ocirt_error_setx (err, EINVAL, "unknown global option `%s`", argv[optind - 1]);
      }
  return optind;
}

static const struct command *
find_command (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

int
main (int argc, char **argv)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct ocirt_global global
      = { .root = default_root (), .argv0 = argv[0], .argv = argv, .error_status = EXIT_FAILURE };
  const struct command *cmd;
  int first, r = -1;

  hand_off_init (argv);
  first = parse_global (argc, argv, &global, &err);
  if (first >= 0 && first >= argc)
    {
      usage (stderr);
      return EXIT_FAILURE;
    }
  if (first >= 0)
    {
      r = log_init (global.log_path, global.log_format, global.debug);
      if (r < 0)
        first = ocirt_error_set (&err, -r, "open log file `%s`", global.log_path);
    }
  if (first >= 0 && global.systemd_cgroup && !hand_off_can_use_systemd ())
    first = hand_off_to_glibc_runtime ("--systemd-cgroup", &err);
  if (first >= 0)
    {
      cmd = find_command (argv[first]);
      if (cmd == NULL)
        r = ocirt_error_setx (&err, EINVAL, "unknown command `%s` (see `ocirt --help`)", argv[first]);
      else
        {
          /* Each command parses its own options from a fresh getopt state. */
          optind = 0;
          r = cmd->fn (&global, argc - first, argv + first, &err);
        }
    }
  /* A network namespace the launcher began for a create or run that failed
     before it took it over: the helper is reaped, not left behind. */
  ahead_net_release_unclaimed ();
  if (first >= 0 && r >= 0)
    return r;
  if (err)
    {
      log_error ("%s", err->msg);
      ocirt_error_print (stderr, err->msg);
    }
  return global.error_status;
}
