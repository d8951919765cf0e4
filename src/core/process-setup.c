/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "capability.h"
#include "process-exec.h"
#include "process-setup.h"
#include "process.h"

void
process_exec_release (struct process_exec *e)
{
  free (e->path);
  free (e->argv);
  free (e->envp);
  *e = (struct process_exec){ 0 };
}

/* argv and envp as NULL-terminated arrays, and the executable resolved in
   the container, so a missing binary fails `create`, as with runc. */
static int
prepare_exec (const struct oci_process *p, struct process_exec *e, struct ocirt_error **err)
{
  e->argv = calloc (p->args_len + 1, sizeof (char *));
  e->envp = calloc (p->env_len + 1, sizeof (char *));
  if (e->argv == NULL || e->envp == NULL)
    return ocirt_error_set (err, ENOMEM, "prepare exec");
  memcpy (e->argv, p->args, p->args_len * sizeof (char *));
  if (p->env_len)
    memcpy (e->envp, p->env, p->env_len * sizeof (char *));
  return process_resolve_executable (p->args[0], e->envp, &e->path, err);
}

static int
load_seccomp (const struct process_seccomp *sc, struct ocirt_error **err)
{
  _cleanup_close_ int fd = -1;
  int r;

  if (sc == NULL || sc->filter == NULL)
    return 0;
  r = seccomp_filter_load (sc->filter, &fd, err);
  if (r == 0 && fd >= 0 && sc->handoff)
    r = sc->handoff (fd, sc->data, err);
  return r;
}

static int
set_attributes (const struct oci_process *p, const struct oci_linux *l, struct ocirt_error **err)
{
  const struct oci_exec_cpu_affinity *aff = p->exec_cpu_affinity;
  int r;

  if ((r = process_set_rlimits (p, err)) < 0 || (r = process_set_oom_score_adj (p, err)) < 0
      || (r = process_set_scheduler (p, err)) < 0 || (r = process_set_io_priority (p, err)) < 0)
    return r;
  if (l
      && ((r = process_set_personality (l->personality, err)) < 0
          || (r = process_set_memory_policy (l->memory_policy, err)) < 0))
    return r;
  /* Set up and in its cgroup: the final affinity applies. */
  if (aff && (r = process_set_cpu_affinity (aff->final ? aff->final : aff->initial, err)) < 0)
    return r;
  return 0;
}

int
process_setup (const struct oci_process *p, const struct oci_linux *linux_, int preserve_fds,
               const struct process_seccomp *seccomp, struct process_exec *ret, struct ocirt_error **err)
{
  static const struct oci_user root_user = { 0 };
  _cleanup_error_ struct ocirt_error *cwd_err = NULL;
  const char *cwd = p->cwd ? p->cwd : "/";
  uint64_t bounding;
  int r, cwd_r;

  /* fds first: a profile may well not allow close_range. */
  if ((r = set_attributes (p, linux_, err)) < 0
      || (r = capability_drop_bounding (p->capabilities, &bounding, err)) < 0
      || (r = process_close_fds (3 + preserve_fds, err)) < 0)
    return r;
  /* Without no_new_privs the kernel wants CAP_SYS_ADMIN for seccomp; the
     user change clears the effective capabilities. */
  if (!p->no_new_privileges && (r = load_seccomp (seccomp, err)) < 0)
    return r;
  /* cwd as runc: first as root (a cwd only root may enter works), and if
     that is refused, again as the user. */
  cwd_r = process_chdir (cwd, &cwd_err);
  if (cwd_r < 0 && cwd_r != -EACCES)
    return ocirt_error_from (err, cwd_err->code, cwd_err->msg);
  if ((r = process_change_user (p->user ? p->user : &root_user, false, err)) < 0
      || (cwd_r == -EACCES && (r = process_chdir (cwd, err)) < 0) || (r = prepare_exec (p, ret, err)) < 0
      || (r = capability_apply (p->capabilities, bounding, err)) < 0)
    return r;
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return ocirt_error_set (err, errno, "set no_new_privs");
  /* As late as possible: the fewer of our own syscalls run under the
     filter, the less the profile has to allow. */
  if (p->no_new_privileges && (r = load_seccomp (seccomp, err)) < 0)
    return r;
  return 0;
}
