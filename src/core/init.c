/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "hooks.h"
#include "init.h"
#include "lsm.h"
#include "ocispec.h"
#include "process-setup.h"
#include "rootfs.h"
#include "seccomp-notify.h"
#include "sync.h"
#include "terminal.h"
#include "util/fs.h"
#include "util/log.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The init, top to bottom. Each step is one call into the module that owns
   the concern; the order is the one the spec and runc's callers rely on. */

struct init_state
{
  struct rootfs_ctx *rootfs;
  char *state_json; /* for createContainer/startContainer hooks */
  int proc_fd;      /* the host's procfs, to reopen exec.fifo after pivot_root */
  int *trees;       /* per mounts[] entry, a tree the creator made, or -1; NULL: none */
  struct process_exec exec;
};

/* Did the creator die before our parent-death signal was armed? In a new
   pid namespace getppid() is 0, so ask the sync socket: its peer's end is
   closed exactly when the creator is gone. */
static bool
creator_gone (const struct init_args *a)
{
  struct pollfd pfd = { .fd = a->sync_fd, .events = POLLRDHUP };

  if (getppid () != 0 && getppid () != a->parent_pid)
    return true;
  return poll (&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLRDHUP));
}

static int
check_parent (const struct init_args *a, struct ocirt_error **err)
{
  /* Die with the creator: a half-made container must not run on. */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0)
    return ocirt_error_set (err, errno, "set parent-death signal");
  if (creator_gone (a))
    return ocirt_error_setx (err, ESRCH, "the runtime exited during create");
  /* Nothing inside the container may ptrace or read /proc of a process that
     still holds host fds (CVE-2016-9962). */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return ocirt_error_set (err, errno, "make the init non-dumpable");
  return 0;
}

/* `entered`: the CLONE_NEW* flags of what ahead_enter made or joined. */
static int
enter_namespaces (const struct init_args *a, int entered, struct ocirt_error **err)
{
  const struct namespace_plan *plan = a->plan;
  int flags, r;

  if (plan->new_flags & CLONE_NEWUSER)
    {
      r = sync_send (a->sync_fd, SYNC_USERMAP_PLEASE, 0, NULL, err);
      if (r == 0)
        r = sync_expect (a->sync_fd, SYNC_USERMAP_DONE, err);
      if (r < 0)
        return r;
      if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
        return ocirt_error_set (err, errno, "become root of the user namespace");
    }
  for (size_t i = 0; i < plan->n_join; i++)
    {
      if (namespace_flag (plan->join[i]->type) & entered)
        continue;
      r = namespace_join_entry (plan->join[i], err);
      if (r < 0)
        return r;
    }
  /* user and pid namespaces were made by clone(); the others are unshared
     here, after joining, so they belong to the right user namespace. */
  flags = plan->new_flags & ~(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWTIME | entered);
  if (flags && unshare (flags) < 0)
    return ocirt_error_set (err, errno, "create namespaces");
  if (plan->new_flags & CLONE_NEWTIME)
    {
      if (unshare (CLONE_NEWTIME) < 0)
        return ocirt_error_set (err, errno, "create the time namespace");
      r = namespace_enter_time (a->config->linux_ ? a->config->linux_->time_offsets : NULL, err);
      if (r < 0)
        return r;
    }
  if (flags & CLONE_NEWNET)
    return namespace_loopback_up (err);
  return 0;
}

static int
set_names (const struct init_args *a, struct ocirt_error **err)
{
  const struct oci_config *c = a->config;

  if (c->hostname && sethostname (c->hostname, strlen (c->hostname)) < 0)
    return ocirt_error_set (err, errno, "set hostname `%s`", c->hostname);
  if (c->domainname && setdomainname (c->domainname, strlen (c->domainname)) < 0)
    return ocirt_error_set (err, errno, "set domainname `%s`", c->domainname);
  /* A session keyring of its own, so containers do not share the host's keys. */
  if (!a->no_new_keyring && syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, a->id) < 0 && errno != ENOSYS)
    return ocirt_error_set (err, errno, "create session keyring");
  return 0;
}

/* The state the in-container hooks get on stdin, with the pid as the
   container sees it (runtime.md, "State"): ours, here. */
static int
hook_state (const struct init_args *a, char **ret, struct ocirt_error **err)
{
  struct oci_state st = {
    .oci_version = (char *) OCI_VERSION,
    .id = (char *) a->id,
    .status = (char *) "creating",
    .pid = getpid (),
    .pid_present = true,
    .bundle = (char *) a->bundle,
    .annotations = a->config->annotations,
  };

  return oci_state_to_json (&st, 0, ret, err);
}

/* Hooks to run before the pivot: the creator's, or ours (which need the
   state the creator hands back). */
static bool
stops_for_hooks (const struct init_args *a)
{
  const struct oci_hooks *h = a->config->hooks;

  return a->hooks_in_parent || (h && (h->create_container_len || h->start_container_len));
}

static int
run_create_hooks (const struct init_args *a, struct init_state *s, struct ocirt_error **err)
{
  const struct oci_hooks *h = a->config->hooks;
  int r;

  if (!stops_for_hooks (a))
    return 0;
  /* The creator runs prestart and createRuntime now (in the runtime's
     namespaces) and hands back the state the in-container hooks get. */
  r = sync_send (a->sync_fd, SYNC_HOOKS_PLEASE, 0, NULL, err);
  if (r == 0)
    r = sync_expect (a->sync_fd, SYNC_HOOKS_DONE, err);
  if (r == 0)
    r = hook_state (a, &s->state_json, err);
  if (r < 0)
    return r;
  if (h && h->create_container_len
      && (r = hooks_run (h->create_container, h->create_container_len, "createContainer", s->state_json, err))
             < 0)
    {
      /* runtime.md: a failed createContainer hook means poststop hooks run
         when the creator cleans up; the creator learns it from this. */
      (void) sync_send (a->sync_fd, SYNC_HOOK_FAILED, 0, NULL, NULL);
      return r;
    }
  return 0;
}

static int
open_host_proc (struct init_state *s, struct ocirt_error **err)
{
  struct statfs sfs;

  s->proc_fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (s->proc_fd < 0)
    return ocirt_error_set (err, errno, "open /proc");
  if (fstatfs (s->proc_fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
    return ocirt_error_setx (err, EINVAL, "/proc of the runtime is not procfs");
  return 0;
}

static int
setup_console (const struct init_args *a, struct init_state *s, struct ocirt_error **err)
{
  _cleanup_close_ int master = -1, slave = -1;
  const struct oci_console_size *size = a->config->process->console_size;
  int r;

  r = terminal_open_pty (&master, &slave, err);
  if (r == 0)
    r = terminal_give_to_user (slave, a->config->process->user, err);
  if (r == 0 && size)
    r = terminal_set_size (slave, size->height, size->width, err);
  if (r == 0)
    r = rootfs_mount_console (s->rootfs, slave, err);
  if (r == 0)
    r = terminal_send_fd (a->console_socket_fd, master, err);
  if (r == 0)
    r = terminal_make_controlling (slave, err);
  return r;
}

/* The SCMP_ACT_NOTIFY listener fd goes to the creator right after the
   filter is loaded; the creator hands it to linux.seccomp.listenerPath, and
   process_setup closes ours: the container's process must not hold it. */
static int
seccomp_handoff (int notify_fd, void *data, struct ocirt_error **err)
{
  const struct init_args *a = data;
  int r = sync_send (a->sync_fd, SYNC_SECCOMP_FD, 0, NULL, err);

  if (r == 0)
    r = seccomp_pass_notify_fd (a->sync_fd, notify_fd, err);
  if (r == 0)
    r = sync_expect (a->sync_fd, SYNC_SECCOMP_DONE, err);
  return r;
}

/* Before the cgroups, whose cpuset may narrow them again. */
static int
return_to_cpus (const struct init_args *a, struct ocirt_error **err)
{
  if (a->cpus && sched_setaffinity (0, sizeof *a->cpus, a->cpus) < 0)
    return ocirt_error_set (err, errno, "restore the CPU affinity");
  return 0;
}

/* The v1 hierarchies, through the files the creator opened for us (after
   our birth, while we set up), which follow SYNC_PROCEED. */
static int
join_cgroups (const struct init_args *a, struct ocirt_error **err)
{
  struct cgroup_join j;
  int r;

  if (!a->joins_cgroups)
    return 0;
  r = cgroup_join_receive (a->sync_fd, &j, err);
  return r < 0 ? r : cgroup_join_self (&j, err);
}

/* The tree of the cgroup mount, when the creator builds it (SYNC_MOUNT_TREE):
   then s->trees has it, with the bind trees if any. */
static int
receive_cgroup_tree (const struct init_args *a, struct init_state *s, struct ocirt_error **err)
{
  size_t n = a->config->mounts_len;
  int32_t entry;
  int tree, r;

  if (a->cgroup_tree_entry < 0)
    return 0;
  r = sync_expect_fd (a->sync_fd, SYNC_MOUNT_TREE, &entry, &tree, err);
  if (r == 0 && entry != a->cgroup_tree_entry)
    r = ocirt_error_setx (err, EBADMSG, "sync: a tree for mounts[%d], not mounts[%zd]", entry,
                          a->cgroup_tree_entry);
  if (r == 0 && tree >= 0 && (s->trees = malloc (n * sizeof *s->trees)) == NULL)
    r = ocirt_error_set (err, ENOMEM, "mounts");
  if (r < 0 || tree < 0)
    {
      cleanup_closep (&tree);
      return r;
    }
  for (size_t i = 0; i < n; i++)
    s->trees[i] = a->bind_trees ? a->bind_trees[i] : -1;
  s->trees[entry] = tree;
  return 0;
}

static int
init_setup (const struct init_args *a, struct init_state *s, struct ocirt_error **err)
{
  const struct oci_config *c = a->config;
  int entered = 0, r;

  /* Made while the creator makes our v1 cgroups (ahead.h); then PROCEED,
     and the container's cgroup before anything else: a cgroup namespace
     must be made inside it, and whatever we set up next is charged to it. */
  if ((r = check_parent (a, err)) < 0
      || (r = ahead_enter (a->ahead, a->net_fd, &entered, &s->rootfs, err)) < 0
      || (r = sync_expect (a->sync_fd, SYNC_PROCEED, err)) < 0 || (r = return_to_cpus (a, err)) < 0
      || (r = join_cgroups (a, err)) < 0 || (r = enter_namespaces (a, entered, err)) < 0
      || (r = set_names (a, err)) < 0 || (r = open_host_proc (s, err)) < 0)
    return r;
  if (chdir (a->bundle) < 0)
    return ocirt_error_set (err, errno, "chdir to the bundle `%s`", a->bundle);
  if ((r = receive_cgroup_tree (a, s, err)) < 0
      || (r = rootfs_setup (c, a->rootfs, s->trees ? s->trees : a->bind_trees, &s->rootfs, err)) < 0)
    return r;
  /* createContainer hooks run in the rootfs, as with runc (they use
     relative paths such as ./lib). */
  if (chdir (a->rootfs) < 0)
    return ocirt_error_set (err, errno, "chdir to the rootfs `%s`", a->rootfs);
  if ((r = run_create_hooks (a, s, err)) < 0 || (r = rootfs_pivot (s->rootfs, a->no_pivot, err)) < 0)
    return r;
  if (a->console_socket_fd >= 0 && c->process && c->process->terminal && (r = setup_console (a, s, err)) < 0)
    return r;
  if ((r = rootfs_finalize (s->rootfs, err)) < 0)
    return r;
  if (c->process == NULL)
    return 0;
  /* Labels for the exec, written through the host's procfs checked above
     (never the container's /proc: CVE-2019-16884). */
  if ((r = lsm_apply_apparmor (s->proc_fd, c->process->apparmor_profile, err)) < 0
      || (r = lsm_apply_selinux (s->proc_fd, c->process->selinux_label, err)) < 0)
    return r;
  {
    const struct process_seccomp sc
        = { .filter = a->seccomp, .handoff = seccomp_handoff, .data = (void *) a };
    return process_setup (c->process, c->linux_, a->preserve_fds, &sc, &s->exec, err);
  }
}

/* After READY: the creator records the container, then lets us go on
   without it (the parent-death signal would kill us when it exits); `create`
   waits for our word that we let go before it exits, `run` stays anyway. */
static int
await_commit (const struct init_args *a, struct ocirt_error **err)
{
  int r = sync_send (a->sync_fd, SYNC_READY, 0, NULL, err);

  if (r == 0)
    r = sync_expect (a->sync_fd, SYNC_COMMIT, err);
  if (r < 0)
    return r;
  if (prctl (PR_SET_PDEATHSIG, 0) < 0)
    return ocirt_error_set (err, errno, "clear parent-death signal");
  return a->start_at_commit ? 0 : sync_send (a->sync_fd, SYNC_COMMITTED, 0, NULL, err);
}

/* The startContainer hooks, then the user process; returns only on failure. */
static void
start_process (const struct init_args *a, struct init_state *s, struct ocirt_error **err)
{
  const struct oci_hooks *h = a->config->hooks;

  if (a->config->process == NULL)
    {
      ocirt_error_setx (err, EINVAL, "cannot start a container that has no process");
      return;
    }
  if (h && h->start_container_len
      && hooks_run (h->start_container, h->start_container_len, "startContainer", s->state_json, err) < 0)
    return;
  execve (s->exec.path, s->exec.argv, s->exec.envp);
  /* runc's words: callers map "no such file or directory" (a script whose
     interpreter is missing) and "permission denied" to 127 and 126. */
  int saved = errno;
  char why[128];
  ocirt_strerror_go (saved, why, sizeof why);
  ocirt_error_setx (err, saved, "exec `%s`: %s", s->exec.path, why);
}

/* Blocks until `start` opens exec.fifo for reading. Anything written to it
   before the fifo closes is an error `start` reports; a successful execve
   closes it (CLOEXEC), which `start` sees as success. */
static _Noreturn void
wait_start_and_exec (const struct init_args *a, struct init_state *s)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  char path[64];
  int fd;

  snprintf (path, sizeof path, "self/fd/%d", a->fifo_fd);
  fd = openat (s->proc_fd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    _exit (EXIT_FAILURE);
  close (a->fifo_fd);
  close (s->proc_fd);
  start_process (a, s, &err);
  (void) fs_write_full (fd, err->msg, strlen (err->msg));
  _exit (EXIT_FAILURE);
}

bool
init_asks_creator (const struct init_args *a)
{
  return (a->plan->new_flags & CLONE_NEWUSER) || stops_for_hooks (a)
         || seccomp_filter_uses_notify (a->seccomp);
}

void
init_main (const struct init_args *a)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct init_state s = { .proc_fd = -1 };
  sigset_t none;

  /* A foreground `run` blocked its signals for forwarding: not ours. */
  sigemptyset (&none);
  (void) sigprocmask (SIG_SETMASK, &none, NULL);

  for (size_t i = 0; i < ARRAY_SIZE (a->state_fds); i++)
    close (a->state_fds[i]);
  if (init_setup (a, &s, &err) < 0 || await_commit (a, &err) < 0)
    {
      sync_send_error (a->sync_fd, err);
      _exit (EXIT_FAILURE);
    }
  if (a->start_at_commit)
    {
      /* `run` reads the sync socket until execve closes it (CLOEXEC). */
      close (a->fifo_fd);
      close (s.proc_fd);
      start_process (a, &s, &err);
      sync_send_error (a->sync_fd, err);
      _exit (EXIT_FAILURE);
    }
  close (a->sync_fd);
  wait_start_and_exec (a, &s);
}
