/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "oci-config.h"
#include "seccomp.h"
#include "util/error.h"

/* What is left to do after process_setup: execve (path, argv, envp). The
   arrays borrow their strings from the process object. */
struct process_exec
{
  char *path;
  char **argv;
  char **envp;
};

void process_exec_release (struct process_exec *e);

/* The seccomp step of process_setup: the compiled filter (NULL: none) and
   what becomes of the SCMP_ACT_NOTIFY listener fd right after loading
   (`handoff` gets it while it is still ours; NULL: it is closed). */
struct process_seccomp
{
  const struct seccomp_filter *filter;
  int (*handoff) (int notify_fd, void *data, struct ocirt_error **err);
  void *data;
};

/* Gives the calling process every attribute of `p` (and of `linux_`:
   personality, memory policy), in runc's order: privileged settings,
   bounding set, fds above 2 + preserve_fds marked close-on-exec, user change
   keeping capabilities, cwd (as root, then as the user if refused) and
   executable, capability sets, no_new_privs; the seccomp filter (`seccomp`
   may be NULL) as late as the kernel allows: after no_new_privs, or,
   without it, while CAP_SYS_ADMIN is still effective (before the user
   change), as runc does.
   Used by the init and by `exec`. */
int process_setup (const struct oci_process *p, const struct oci_linux *linux_, int preserve_fds,
                   const struct process_seccomp *seccomp, struct process_exec *ret, struct ocirt_error **err);
