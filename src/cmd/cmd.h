/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "util/error.h"
#include "util/log.h"

/* The global options, parsed once by main and handed to every command. */
struct ocirt_global
{
  const char *root;     /* --root: where container state lives */
  const char *log_path; /* --log */
  enum log_format log_format;
  bool debug;
  bool systemd_cgroup;
  const char *rootless; /* --rootless auto|true|false */
  const char *argv0;
  char **argv;      /* main's argv, untouched: self_protect_exe re-executes it */
  int error_status; /* the exit status when the command fails (runc: 1, exec: 255) */
};

/* Every command: parse argv (argv[0] is the command name), do one call into
   core/, print the result. Returns the process exit status on success, or a
   negative errno with *err set. */
typedef int (*cmd_fn) (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);

int cmd_create (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_start (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_run (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_state (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_kill (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_delete (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_list (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_exec (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_spec (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_features (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_pause (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_resume (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_update (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_ps (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);
int cmd_events (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err);

/* Shared by the command front-ends: the one positional container id, with a
   usage error naming the command when it is missing or followed by extras. */
int cmd_get_id (int argc, char **argv, int optind_, const char **ret_id, struct ocirt_error **err);

/* The one-line error for an option getopt rejected (`opt` is what it returned:
   '?' or ':'). Call with opterr = 0 and an optstring starting with ':'. */
int cmd_bad_option (char **argv, int opt, struct ocirt_error **err);
