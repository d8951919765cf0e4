/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "ocispec.h"
#include "util/error.h"

/* Runs hooks[0..n-1] in order, each as execve(path, args, env): argv is
   `args` (args[0] is argv[0], as the spec says; {path} when args is absent or
   empty), the environment exactly `env` (empty when absent), stdin a pipe
   carrying `state_json`, stdout and stderr inherited. A hook that exits
   without reading its stdin is fine (the write ignores EPIPE and never
   raises SIGPIPE); one that outlives its `timeout` is killed with SIGKILL.
   Stops at the first hook that cannot be started, exits non-zero, is killed
   or times out, with an error such as
     prestart hook #0 (/usr/bin/x): exited with status 3
     poststop hook #1 (/usr/bin/y): timed out after 5 s
   where #i is the index in the config's hooks.<kind> array and `kind`
   ("prestart", "createRuntime", …) only serves the messages. */
int hooks_run (const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json,
               struct ocirt_error **err);

/* Runs every hook, whatever the others do; a failure is only a warning
   (runtime.md: poststop hooks). */
void hooks_run_all (const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json);
