/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "container-internal.h"
#include "exec-process.h"
#include "lsm.h"
#include "namespace.h"
#include "ocispec.h"
#include "process-setup.h"
#include "seccomp-cache.h"
#include "seccomp-notify.h"
#include "seccomp.h"
#include "self-protect.h"
#include "spec.h"
#include "sync.h"
#include "terminal.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"

/* Everything `exec` holds while it works; released in one place. */
struct exec_ctx
{
  const struct exec_options *opts;
  struct container_state *st;
  struct oci_config *config;
  struct oci_process *process;
  struct seccomp_filter *seccomp;
  int ns_flags;   /* the container's namespaces, joined through its init's pidfd */
  int init_pidfd; /* pins the container's init */
  int sync_fds[2];
  int console_fd;  /* where the pty master goes */
  int pty_peer_fd; /* foreground with a terminal: our end */
  int dirfd;       /* the container's entry, locked (shared) until the execve */
  pid_t pid;
  int pidfd;
  char *cgroup;            /* the cgroup the process joins (the container's or a --cgroup one) */
  struct cgroup_join join; /* born in it (cgroup2) and moving itself (v1), when it could be prepared */
  bool join_at_birth;
};

static void
exec_ctx_release (struct exec_ctx *x)
{
  int *fds[] = { &x->init_pidfd,  &x->sync_fds[0], &x->sync_fds[1], &x->console_fd,
                 &x->pty_peer_fd, &x->pidfd,       &x->dirfd };

  for (size_t i = 0; i < ARRAY_SIZE (fds); i++)
    cleanup_closep (fds[i]);
  cgroup_join_release (&x->join);
  free (x->cgroup);
  seccomp_filter_free (x->seccomp);
  oci_process_free (x->process);
  oci_config_free (x->config);
  container_state_free (x->st);
}

static int
check_status (int dirfd, struct exec_ctx *x, struct ocirt_error **err)
{
  enum container_status status = container_status_of (dirfd, x->st);

  /* runc lets exec into a created container too (its create.bats checks it):
     the init has done all its setup and waits for `start`. */
  if (status == STATUS_RUNNING || status == STATUS_CREATED
      || (status == STATUS_PAUSED && x->opts->ignore_paused))
    return 0;
  if (status == STATUS_PAUSED)
    return ocirt_error_setx (err, EINVAL,
                             "cannot exec in a paused container (use --ignore-paused to override)");
  return ocirt_error_setx (err, EINVAL, "cannot exec in a %s container", status_name (status));
}

static void
plan_namespaces (struct exec_ctx *x)
{
  const struct oci_linux *l = x->config->linux_;

  /* Every namespace the container has, new or joined; those it shares with
     the host we are in already. */
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    x->ns_flags |= namespace_flag (l->namespaces[i].type);
}

static int
prepare_terminal (struct exec_ctx *x, struct ocirt_error **err)
{
  int pair[2];

  if (!x->process->terminal)
    {
      if (x->opts->console_socket)
        return ocirt_error_setx (err, EINVAL,
                                 "cannot use console socket if runc will not detach or allocate tty");
      return 0;
    }
  if (x->opts->console_socket)
    return terminal_connect_console_socket (x->opts->console_socket, &x->console_fd, err);
  if (x->opts->detach)
    return ocirt_error_setx (err, EINVAL,
                             "cannot allocate tty if runc will detach without setting console socket");
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    return ocirt_error_set (err, errno, "create terminal socket");
  x->pty_peer_fd = pair[0];
  x->console_fd = pair[1];
  return 0;
}

/* The exec'd process's own listener fd goes to the agent too, as runc
   does: through us, since we hold the host's view of listenerPath. */
static int
seccomp_handoff (int notify_fd, void *data, struct ocirt_error **err)
{
  struct exec_ctx *x = data;
  int r = sync_send (x->sync_fds[1], SYNC_SECCOMP_FD, 0, NULL, err);

  if (r == 0)
    r = seccomp_pass_notify_fd (x->sync_fds[1], notify_fd, err);
  if (r == 0)
    r = sync_expect (x->sync_fds[1], SYNC_SECCOMP_DONE, err);
  return r;
}

static int
child_setup (struct exec_ctx *x, struct process_exec *e, struct ocirt_error **err)
{
  const struct oci_process *p = x->process;
  int r;

  /* Nothing in the container may ptrace us or open our /proc entries while
     we still hold host fds (CVE-2016-9962). */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return ocirt_error_set (err, errno, "make the exec process non-dumpable");
  r = sync_expect (x->sync_fds[1], SYNC_COMMIT, err);
  if (r == 0 && x->join_at_birth)
    r = cgroup_join_self (&x->join, err);
  if (r < 0)
    return r;
  /* One setns(2) on the init's pidfd enters all its namespaces at once
     (the pid namespace already holds us: we were cloned into it). */
  if (x->ns_flags & ~CLONE_NEWPID && setns (x->init_pidfd, x->ns_flags & ~CLONE_NEWPID) < 0)
    return ocirt_error_set (err, errno, "join the namespaces of container `%s`", x->opts->id);
  if (p->terminal)
    {
      _cleanup_close_ int master = -1, slave = -1;
      if ((r = terminal_open_pty (&master, &slave, err)) < 0
          || (r = terminal_give_to_user (slave, p->user, err)) < 0
          || (r = terminal_send_fd (x->console_fd, master, err)) < 0
          || (r = terminal_make_controlling (slave, err)) < 0)
        return r;
      if (p->console_size)
        (void) terminal_set_size (STDIN_FILENO, p->console_size->height, p->console_size->width, NULL);
    }
  if ((r = lsm_apply_apparmor (-1, p->apparmor_profile, err)) < 0
      || (r = lsm_apply_selinux (-1, p->selinux_label, err)) < 0)
    return r;
  {
    const struct process_seccomp sc = { .filter = x->seccomp, .handoff = seccomp_handoff, .data = x };
    return process_setup (p, x->config->linux_, x->opts->preserve_fds, &sc, e, err);
  }
}

static _Noreturn void
exec_child (struct exec_ctx *x)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct process_exec e = { 0 };

  sigset_t none;

  /* The foreground `exec` blocked its signals for forwarding: not ours. */
  sigemptyset (&none);
  (void) sigprocmask (SIG_SETMASK, &none, NULL);
  close (x->sync_fds[0]);
  if (x->pty_peer_fd >= 0)
    close (x->pty_peer_fd);
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) == 0 && child_setup (x, &e, &err) == 0)
    {
      /* A detached process outlives us: no parent-death signal past here. */
      (void) prctl (PR_SET_PDEATHSIG, 0);
      execve (e.path, e.argv, e.envp);
      ocirt_error_set (&err, errno, "exec `%s`", e.path);
    }
  sync_send_error (x->sync_fds[1], err);
  _exit (EXIT_FAILURE);
}

/* Which cgroup the process joins, checked before it exists. It is born in
   it and moves itself where the files can be opened now (cgroup-join.c:
   no RCU grace period to wait for); otherwise it is moved by pid, whose
   error callers know by runc's words ("adding pid N to cgroups"). */
static int
prepare_cgroup (struct exec_ctx *x, struct ocirt_error **err)
{
  _cleanup_error_ struct ocirt_error *ignored = NULL;
  int r;

  if (x->st->cgroup_path == NULL)
    return 0;
  if (x->opts->cgroups_len)
    r = cgroup_sub_ident (x->st->cgroup_path, x->opts->cgroups, x->opts->cgroups_len, &x->cgroup, err);
  else
    r = (x->cgroup = strdup (x->st->cgroup_path)) ? 0 : ocirt_error_set (err, ENOMEM, "exec");
  if (r == 0)
    x->join_at_birth = cgroup_join_prepare (x->cgroup, &x->join, &ignored) == 0;
  return r;
}

/* clone3 into the container's pid namespace (setns(CLONE_NEWPID) moves only
   our future children, and we move back at once) and its cgroup2 cgroup. */
static int
spawn (struct exec_ctx *x, struct ocirt_error **err)
{
  struct clone_args args
      = { .flags = CLONE_PIDFD, .pidfd = (uint64_t) (uintptr_t) &x->pidfd, .exit_signal = SIGCHLD };
  _cleanup_close_ int own_pidns = -1;
  int r = prepare_cgroup (x, err);

  if (r < 0)
    return r;

  /* The child, in the container's namespaces until its execve, must not
     hold the mount our binary is seen through. */
  self_protect_release_mount ();
  /* Born non-dumpable (fork inherits it): between clone and its own prctl
     the child would otherwise be open to ptrace and /proc/PID/exe from the
     container's processes (CVE-2019-5736, CVE-2016-9962). */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return ocirt_error_set (err, errno, "make the runtime non-dumpable");
  if (x->ns_flags & CLONE_NEWPID)
    {
      own_pidns = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
      if (own_pidns < 0 || setns (x->init_pidfd, CLONE_NEWPID) < 0)
        return ocirt_error_set (err, errno, "join the pid namespace of container `%s`", x->opts->id);
    }
  x->pid = cgroup_clone3 (&args, &x->join, &x->join_at_birth);
  if (x->pid == 0)
    exec_child (x);
  if (own_pidns >= 0)
    (void) setns (own_pidns, CLONE_NEWPID);
  if (x->pid < 0)
    return ocirt_error_set (err, errno, "clone the exec process");
  cleanup_closep (&x->sync_fds[1]);
  cleanup_closep (&x->console_fd);
  cgroup_join_release (&x->join);
  return 0;
}

/* Puts the process in its cgroup unless it joins by itself, lets it go, and
   waits for its execve: the sync socket is CLOEXEC, so EOF means success and
   a message is the child's error. */
static int
release (struct exec_ctx *x, struct ocirt_error **err)
{
  enum sync_type type;
  int r = 0;

  if (x->cgroup && !x->join_at_birth)
    r = cgroup_enter (x->cgroup, x->pid, err);
  if (r == 0)
    r = sync_send (x->sync_fds[0], SYNC_COMMIT, 0, NULL, err);
  while (r == 0 && (r = sync_receive (x->sync_fds[0], &type, err)) == 0 && type == SYNC_SECCOMP_FD)
    r = container_forward_seccomp_fd (x->sync_fds[0], x->config->linux_->seccomp, x->st, STATUS_RUNNING,
                                      x->pid, err);
  if (r == -EPIPE)
    {
      /* EOF: exec'd. */
      ocirt_error_free (*err);
      *err = NULL;
      return 0;
    }
  return r < 0 ? r : ocirt_error_setx (err, EBADMSG, "sync: unexpected message %d", type);
}

static int
load (const char *root, struct exec_ctx *x, struct ocirt_error **err)
{
  _cleanup_close_ int rootfd = -1;
  int r;

  /* A shared lock until the process has exec'd: `pause` (LOCK_EX) then
     cannot freeze it half set up, nor `delete` remove the container under
     it. Not with --ignore-paused: it waits for a `resume`, which must get
     through. */
  r = container_open (root, x->opts->id, x->opts->ignore_paused ? 0 : LOCK_SH, &rootfd, &x->dirfd, &x->st,
                      err);
  if (r == 0)
    r = check_status (x->dirfd, x, err);
  if (r == 0)
    r = container_read_config (x->dirfd, &x->config, err);
  if (r == 0)
    r = exec_process_build (x->opts, x->config->process, &x->process, err);
  if (r == 0)
    r = spec_validate_process (x->process, true, err);
  if (r == 0 && x->config->linux_)
    r = seccomp_filter_prepare (root, x->config->linux_->seccomp, &x->seccomp, err);
  if (r < 0)
    return r;
  x->init_pidfd = proc_pidfd_open_checked (x->st->init_pid, x->st->init_start);
  if (x->init_pidfd < 0)
    return ocirt_error_setx (err, ESRCH, "cannot exec in a stopped container");
  plan_namespaces (x);
  return 0;
}

int
container_exec (const char *root, const struct exec_options *opts, int *ret_status, struct ocirt_error **err)
{
  struct exec_ctx x = { .opts = opts,
                        .init_pidfd = -1,
                        .sync_fds = { -1, -1 },
                        .console_fd = -1,
                        .pty_peer_fd = -1,
                        .pidfd = -1,
                        .dirfd = -1,
                        .join = { .v2_fd = -1 } };
  struct foreground l = { .sigfd = -1 };
  int pty = -1, r;

  r = load (root, &x, err);
  /* Signals are queued from before the process exists: one sent to us
     while it is set up reaches it once it runs. */
  if (r == 0 && !opts->detach)
    r = foreground_prepare (&l, err);
  if (r == 0 && (r = prepare_terminal (&x, err)) == 0 && (r = sync_pair (x.sync_fds, err)) == 0
      && (r = spawn (&x, err)) == 0 && (r = release (&x, err)) == 0 && x.pty_peer_fd >= 0)
    r = fdpass_receive (x.pty_peer_fd, &pty) < 0 ? ocirt_error_set (err, EIO, "receive the terminal") : 0;
  if (r == 0 && opts->pidfd_socket)
    r = container_send_pidfd (opts->pidfd_socket, x.pidfd, err);
  /* Exec'd: `pause` and `delete` may go on (a long foreground exec must
     not hold them up). */
  cleanup_closep (&x.dirfd);
  if (r == 0 && opts->pid_file)
    r = container_write_pid_file (opts->pid_file, x.pid, err);
  if (r == 0 && !opts->detach)
    r = foreground_wait (&l, x.pid, x.pidfd, pty, ret_status, err);
  if (l.sigfd >= 0)
    foreground_release (&l);
  if (r < 0 && x.pid > 0)
    {
      (void) kill (x.pid, SIGKILL);
      (void) waitpid (x.pid, NULL, 0);
    }
  cleanup_closep (&pty);
  exec_ctx_release (&x);
  return r;
}
