/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "ocispec.h"
#include "util/error.h"

/* The last steps of the init (and of `exec`) before execve: identity,
   executable lookup, working directory and fd hygiene. Expected order:
   capability_drop_bounding, process_change_user, capability_apply,
   process_chdir, process_resolve_executable, process_close_fds, execve. */

/* setgroups(additionalGids), setresgid, setresuid, then the umask (0022 when
   absent, like runc). Sets PR_SET_KEEPCAPS first so the permitted set survives
   the uid change; capability_apply clears it. When setgroups is denied in the
   user namespace, an empty additionalGids is skipped and a non-empty one is an
   error (runc's rule). */
int process_change_user (const struct oci_user *user, bool in_userns_without_setgroups,
                         struct ocirt_error **err);

/* Finds the program to execve, inside the container (after pivot_root): a
   name without '/' is searched in PATH from `envp` (a default PATH when
   unset; empty and relative entries are skipped), a name with '/' is taken as
   is. It must be a non-directory with an execute bit. *ret_path is the
   caller's. Errors use Go's os/exec wording, which callers (Podman) match:
     exec: "foo": executable file not found in $PATH          (ENOENT)
     exec: "/x/y": stat /x/y: no such file or directory       (ENOENT)
     exec: "/x/y": permission denied                          (EACCES) */
int process_resolve_executable (const char *file, char *const envp[], char **ret_path,
                                struct ocirt_error **err);

/* chdir(cwd) then checks with getcwd that the result is inside the current
   root: a cwd reaching a leaked host directory fd through /proc/self/fd/N
   (CVE-2024-21626) makes getcwd fail with ENOENT or return "(unreachable)…",
   and is refused. Returns -errno of chdir unchanged, so a caller may retry an
   EACCES after the uid change, as runc does. */
int process_chdir (const char *cwd, struct ocirt_error **err);

/* Marks every fd >= first_keep_fd_end close-on-exec (close_range with
   CLOSE_RANGE_CLOEXEC; fallback: walk /proc/self/fd). 0-2 and the preserved
   fds 3..first_keep_fd_end-1 stay as they are. */
int process_close_fds (int first_keep_fd_end, struct ocirt_error **err);
