/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "oci-config.h"
#include "util/error.h"

/* process.apparmorProfile and process.selinuxLabel: both are set "on exec"
   (they take effect at the init's execve of the container process), written
   to the init's own attribute files in procfs. Those files are reached only
   below a procfs fd that was checked with fstatfs, and opened without
   crossing mounts or following magic links: a container image that puts a
   fake /proc in place (CVE-2019-16884) or mounts something over an attribute
   file (CVE-2019-19921) must not make the runtime write the label into the
   void and run the container unconfined. */

/* Whether AppArmor is enabled on this host (looks at /sys: call it in the
   runtime, not in the init after pivot_root). */
bool lsm_apparmor_enabled (void);

/* Whether SELinux is enabled on this host. libselinux decides when it is
   loaded; without it the answer is cached after the first call, which must
   happen while the host's /sys is visible (lsm_check_process does it). */
bool lsm_selinux_enabled (void);

/* The checks that belong in `create` before anything is done: an AppArmor
   profile on a host without AppArmor is an error (runc's words); a SELinux
   label on a host without SELinux is ignored with a warning. */
int lsm_check_process (const struct oci_process *p, struct ocirt_error **err);

/* Makes the next execve of the calling thread enter AppArmor profile
   `profile` ("exec PROFILE" into attr/apparmor/exec, or attr/exec on kernels
   before 5.8). `proc_fd` is an fd of the host's procfs root (-1: open /proc
   and check it). NULL or "" does nothing. */
int lsm_apply_apparmor (int proc_fd, const char *profile, struct ocirt_error **err);

/* Makes the next execve of the calling thread run with SELinux context
   `label` (attr/exec). SELinux disabled: warns and does nothing, as runc.
   NULL or "" does nothing. */
int lsm_apply_selinux (int proc_fd, const char *label, struct ocirt_error **err);

/* Writes `value` to the first of the NULL-terminated `attrs` (paths below
   `proc_fd`, e.g. "thread-self/attr/exec") that exists, refusing anything
   that is not procfs. Exposed for the tests. */
int lsm_write_proc_attr (int proc_fd, const char *const *attrs, const char *value, struct ocirt_error **err);

/* Whether the mount option is a SELinux context option (context=,
   fscontext=, defcontext=, rootcontext=). */
bool lsm_is_selinux_mount_option (const char *option);

/* True for a SELinux context option when SELinux is disabled: the kernel
   rejects those options with EINVAL then, so the mount code drops them
   (runc 1.1.5 passes them on and the mount fails). */
bool lsm_mount_option_dropped (const char *option);

/* Copies comma-separated mount data `data` into *ret without the options
   lsm_mount_option_dropped() refuses; commas inside double quotes (as in
   context="system_u:object_r:t:s0:c1,c2") do not split. *ret is NULL when
   nothing is left (or `data` is NULL); the caller frees it. */
int lsm_filter_mount_data (const char *data, char **ret, struct ocirt_error **err);
