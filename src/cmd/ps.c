/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "core/container-resources.h"
#include "util/fs.h"

/* `ps ID [--format table|json] [PS-OPTIONS...]`: json is the array of host
   pids containerd reads; table runs ps(1) (default options -ef) and keeps
   its header and the lines of the container's processes, as runc does. */

static bool
has_pid (const pid_t *pids, size_t n, long pid)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* Runs ps with `args` and returns its whole output. */
static int
run_ps (char **args, char **ret, struct ocirt_error **err)
{
  int pipefd[2], status, r;
  pid_t child;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return ocirt_error_set (err, errno, "ps");
  child = fork ();
  if (child < 0)
    return ocirt_error_set (err, errno, "ps");
  if (child == 0)
    {
      if (dup2 (pipefd[1], STDOUT_FILENO) < 0)
        _exit (127);
      execvp ("ps", args);
      _exit (127);
    }
  close (pipefd[1]);
  r = fs_read_fd (pipefd[0], ret, NULL);
  close (pipefd[0]);
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return ocirt_error_set (err, -r, "read the output of ps");
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return ocirt_error_setx (err, EIO, "ps failed (exit status %d)",
                             WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  return 0;
}

/* The column of the header whose title is "PID". */
static int
pid_column (const char *header)
{
  int col = 0;

  for (const char *p = header; *p;)
    {
      size_t n;
      p += strspn (p, " \t");
      n = strcspn (p, " \t\n");
      if (n == 3 && strncmp (p, "PID", 3) == 0)
        return col;
      if (n == 0)
        break;
      p += n;
      col++;
    }
  return -1;
}

static long
field (const char *line, int col)
{
  const char *p = line;

  for (int i = 0; i <= col; i++)
    {
      p += strspn (p, " \t");
      if (i == col)
        return strtol (p, NULL, 10);
      p += strcspn (p, " \t");
    }
  return -1;
}

static int
print_table (char **ps_args, size_t n_args, const pid_t *pids, size_t n, struct ocirt_error **err)
{
  _cleanup_free_ char **args = calloc (n_args + 3, sizeof (char *));
  _cleanup_free_ char *out = NULL;
  char *line, *save = NULL;
  int col, r;

  if (args == NULL)
    return ocirt_error_set (err, ENOMEM, "ps");
  args[0] = (char *) "ps";
  if (n_args == 0)
    args[1] = (char *) "-ef";
  for (size_t i = 0; i < n_args; i++)
    args[i + 1] = ps_args[i];
  r = run_ps (args, &out, err);
  if (r < 0)
    return r;
  line = strtok_r (out, "\n", &save);
  if (line == NULL || (col = pid_column (line)) < 0)
    return ocirt_error_setx (err, EINVAL, "ps: no PID column in the output of ps");
  puts (line);
  while ((line = strtok_r (NULL, "\n", &save)) != NULL)
    if (has_pid (pids, n, field (line, col)))
      puts (line);
  return 0;
}

int
cmd_ps (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  static const struct option long_opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    {},
  };
  _cleanup_free_ pid_t *pids = NULL;
  const char *format = "table", *id;
  size_t n = 0;
  int c, r;

  opterr = 0;
  /* "+": the options after the id belong to ps(1). */
  while ((c = getopt_long (argc, argv, "+:f:h", long_opts, NULL)) != -1)
    switch (c)
      {
      case 'f':
        format = optarg;
        break;
      case 'h':
        puts ("Usage: ocirt ps [--format table|json] ID [PS-OPTIONS...]\n\n"
              "Lists the processes of the container: json prints the array of their host pids,\n"
              "table runs ps(1) (options -ef unless given) and keeps the container's lines.");
        exit (EXIT_SUCCESS);
      default:
        return cmd_bad_option (argv, c, err);
      }
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return ocirt_error_setx (err, EINVAL, "ps: invalid format `%s` (table or json)", format);
  if (optind >= argc)
    return ocirt_error_setx (err, EINVAL, "ps: missing container id (usage: ocirt ps [options] ID)");
  id = argv[optind];
  r = container_pids (g->root, id, &pids, &n, err);
  if (r < 0)
    return r;
  if (strcmp (format, "json") == 0)
    {
      if (argc - optind > 1)
        return ocirt_error_setx (err, EINVAL, "ps: ps options cannot be used with --format json");
      putchar ('[');
      for (size_t i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", (int) pids[i]);
      puts ("]");
      return 0;
    }
  return print_table (argv + optind + 1, (size_t) (argc - optind - 1), pids, n, err);
}
