/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ahead.h"
#include "cgroup-systemd.h"
#include "cgroup.h"
#include "container-internal.h"
#include "hooks.h"
#include "init.h"
#include "lsm.h"
#include "mount.h"
#include "namespace.h"
#include "notify-socket.h"
#include "ocispec.h"
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
#include "util/strv.h"

/* Everything create holds while it works; released in one place. */
struct create_ctx
{
  const struct create_options *opts;
  char *config_json;
  size_t config_len;
  struct oci_config *config;
  struct seccomp_filter *seccomp;
  char bundle[PATH_MAX];
  char rootfs[PATH_MAX];
  struct namespace_plan plan;
  struct container_state st;
  int rootfd, dirfd, fifo_fd, console_fd, pty_peer_fd;
  int sync_fds[2];
  int pidfd;
  bool hook_failed;
  int listen_fds;  /* socket-activation fds passed on (LISTEN_FDS) */
  int *bind_trees; /* with a new user namespace: bind sources cloned while we can still reach them */
  size_t n_bind_trees;
  struct cgroup_join cgroup_join; /* cgroup2 before the init's clone, v1 after it */
  bool cgroup_existed;            /* in cgroup2 (prepare_cgroup) */
  struct ahead_plan ahead;        /* what the init makes before it joins its cgroups */
  struct ahead_net net;           /* the network namespace's helper */
  bool init_recorded;             /* the init's pid and start time are in the entry */
  bool early_commit;              /* committed as soon as the init is cloned (commit) */
  ssize_t cgroup_tree_entry;      /* the cgroup mount we build for the init (mount_cgroup_tree), or -1 */
};

static void
create_ctx_release (struct create_ctx *c)
{
  int *fds[] = { &c->rootfd,      &c->dirfd,       &c->fifo_fd,     &c->console_fd,
                 &c->pty_peer_fd, &c->sync_fds[0], &c->sync_fds[1], &c->pidfd };
  ahead_net_release (&c->net);
  for (size_t i = 0; i < ARRAY_SIZE (fds); i++)
    cleanup_closep (fds[i]);
  for (size_t i = 0; i < c->n_bind_trees; i++)
    cleanup_closep (&c->bind_trees[i]);
  free (c->bind_trees);
  cgroup_join_release (&c->cgroup_join);
  oci_config_free (c->config);
  seccomp_filter_free (c->seccomp);
  free (c->config_json);
  free (c->st.created);
  free (c->st.owner);
  free (c->st.cgroup_path);
  free (c->st.systemd_unit);
  free (c->st.notify_socket);
}

static int
read_config (struct create_ctx *c, struct ocirt_error **err)
{
  const char *bundle = c->opts->bundle ? c->opts->bundle : ".";
  _cleanup_close_ int fd = -1;
  int r;

  if (realpath (bundle, c->bundle) == NULL)
    return ocirt_error_set (err, errno, "bundle `%s`", bundle);
  fd = open (c->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return ocirt_error_set (err, errno, "bundle `%s`", bundle);
  r = fs_read_all (fd, "config.json", &c->config_json, &c->config_len);
  if (r < 0)
    return ocirt_error_set (err, -r, "open `%s/config.json`", c->bundle);
  return 0;
}

static int
parse_config (const char *root, struct create_ctx *c, struct ocirt_error **err)
{
  int r = oci_config_parse (c->config_json, c->config_len, &c->config, err);

  if (r == 0)
    r = spec_validate (c->config, err);
  /* Compiled here, so a bad profile fails before anything exists. */
  if (r == 0)
    r = seccomp_filter_prepare (root, c->config->linux_ ? c->config->linux_->seccomp : NULL, &c->seccomp,
                                err);
  if (r == 0)
    r = lsm_check_process (c->config->process, err);
  if (r < 0)
    return ocirt_error_prefix (err, "config.json");
  return 0;
}

/* systemd socket activation (sd_listen_fds): when our caller handed us
   LISTEN_FDS=N fds meant for us (LISTEN_PID is our pid), they go on to the
   container's process as fds 3..3+N-1 with LISTEN_FDS=N and LISTEN_PID=1,
   before the --preserve-fds ones, as runc does. */
static int
pass_listen_fds (struct create_ctx *c, struct ocirt_error **err)
{
  const char *fds = getenv ("LISTEN_FDS"), *pid = getenv ("LISTEN_PID");
  struct oci_process *p = c->config->process;
  char listen_fds[32];
  const char *env[] = { listen_fds, "LISTEN_PID=1" };
  long n;

  c->listen_fds = 0;
  if (fds == NULL || pid == NULL || p == NULL || atol (pid) != (long) getpid ())
    return 0;
  n = atol (fds);
  if (n <= 0 || n > 1024)
    return 0;
  snprintf (listen_fds, sizeof listen_fds, "LISTEN_FDS=%ld", n);
  if (strv_append (&p->env, &p->env_len, env, 2) < 0)
    return ocirt_error_set (err, ENOMEM, "LISTEN_FDS");
  c->listen_fds = (int) n;
  return 0;
}

/* root.path is relative to the bundle (containerd passes "rootfs"); the
   rootfs must be a real directory, not a symlink to one. */
static int
resolve_rootfs (struct create_ctx *c, struct ocirt_error **err)
{
  const char *path = c->config->root->path;
  char joined[PATH_MAX];
  struct stat st;

  if (path[0] == '/')
    snprintf (joined, sizeof joined, "%s", path);
  else if (snprintf (joined, sizeof joined, "%s/%s", c->bundle, path) >= (int) sizeof joined)
    return ocirt_error_setx (err, ENAMETOOLONG, "root.path: too long");
  if (lstat (joined, &st) < 0)
    return ocirt_error_set (err, errno, "root.path: `%s`", joined);
  if (S_ISLNK (st.st_mode))
    return ocirt_error_setx (err, EINVAL, "root.path: `%s` is a symlink", joined);
  if (!S_ISDIR (st.st_mode))
    return ocirt_error_setx (err, ENOTDIR, "root.path: `%s` is not a directory", joined);
  if (realpath (joined, c->rootfs) == NULL)
    return ocirt_error_set (err, errno, "root.path: `%s`", joined);
  return 0;
}

static int
check_terminal_options (struct create_ctx *c, struct ocirt_error **err)
{
  bool terminal = c->config->process && c->config->process->terminal;

  /* runc's rules and words: callers match them. */
  if (terminal && c->opts->console_socket == NULL && !c->opts->foreground)
    return ocirt_error_setx (err, EINVAL,
                             "cannot allocate tty if runc will detach without setting console socket");
  if (!terminal && c->opts->console_socket)
    return ocirt_error_setx (err, EINVAL,
                             "cannot use console socket if runc will not detach or allocate tty");
  return 0;
}

static int
connect_console (struct create_ctx *c, struct ocirt_error **err)
{
  int pair[2];

  if (!(c->config->process && c->config->process->terminal))
    return 0;
  if (c->opts->console_socket == NULL)
    {
      /* Foreground run: the pty master comes back to us over a socketpair. */
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
        return ocirt_error_set (err, errno, "create terminal socket");
      c->pty_peer_fd = pair[0];
      c->console_fd = pair[1];
      return 0;
    }
  return terminal_connect_console_socket (c->opts->console_socket, &c->console_fd, err);
}

static char *
now_rfc3339 (void)
{
  struct timespec ts;
  struct tm tm;
  char base[32], *out = NULL;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  if (asprintf (&out, "%s.%09ldZ", base, ts.tv_nsec) < 0)
    return NULL;
  return out;
}

static int
make_entry (const char *root, struct create_ctx *c, struct ocirt_error **err)
{
  int r;

  c->st.id = (char *) c->opts->id;
  c->st.bundle = c->bundle;
  c->st.rootfs = c->rootfs;
  c->st.created = now_rfc3339 ();
  c->st.owner = strdup ("");
  c->st.annotations = c->config->annotations;
  c->st.creator_pid = getpid ();
  c->st.own_pid_ns = (c->plan.new_flags & CLONE_NEWPID) != 0;
  if (c->st.created == NULL || c->st.owner == NULL)
    return ocirt_error_set (err, ENOMEM, "create");
  r = proc_start_time (getpid (), &c->st.creator_start);
  if (r < 0)
    return ocirt_error_set (err, -r, "read own start time");
  r = state_root_open (root, true, &c->rootfd, err);
  if (r == 0)
    r = state_create_entry (c->rootfd, &c->st, c->config_json, c->config_len, &c->dirfd, err);
  if (r < 0)
    return r;
  /* The init opens it for writing after dropping to the container's user,
     which may be anyone: 0622 as runc (the entry directory is 0700, and
     the init reaches the fifo through its own fd, not the path). */
  if (mkfifoat (c->dirfd, EXEC_FIFO, 0622) < 0 || fchmodat (c->dirfd, EXEC_FIFO, 0622, 0) < 0)
    return ocirt_error_set (err, errno, "create exec fifo");
  c->fifo_fd = openat (c->dirfd, EXEC_FIFO, O_PATH | O_CLOEXEC);
  if (c->fifo_fd < 0)
    return ocirt_error_set (err, errno, "open exec fifo");
  return 0;
}

/* Before the init is cloned: checks what the cgroup already held (a frozen
   cgroup would freeze the init mid-setup, and us with it), and creates it
   in cgroup2, where the init is born (CLONE_INTO_CGROUP). The v1
   hierarchies come after the clone (make_v1_cgroups). */
static int
prepare_cgroup (struct create_ctx *c, struct ocirt_error **err)
{
  int r;

  if (c->st.systemd_unit)
    return 0; /* systemd makes it with the init in it (spawn_init) */
  if (cgroup_is_frozen (c->st.cgroup_path))
    {
      /* Not ours: leave it as it is. */
      free (TAKE_PTR (c->st.cgroup_path));
      return ocirt_error_setx (err, EBUSY, "container's cgroup unexpectedly frozen");
    }
  r = cgroup_create (c->st.cgroup_path, c->config->linux_, CGROUP_V2, &c->cgroup_join, err);
  if (r < 0)
    return r;
  c->cgroup_existed = r > 0;
  return 0;
}

/* The v1 hierarchies, while the init makes what it makes ahead (ahead.h),
   with the files it joins them through. A cgroup that held processes
   besides the init makes `delete` of either container kill both (runc
   warns the same way). */
static int
make_v1_cgroups (struct create_ctx *c, struct ocirt_error **err)
{
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0, others = 0;
  int r = cgroup_create (c->st.cgroup_path, c->config->linux_, CGROUP_V1, &c->cgroup_join, err);

  if (r < 0)
    return r;
  if ((r > 0 || c->cgroup_existed) && cgroup_pids (c->st.cgroup_path, &pids, &n, NULL) == 0)
    for (size_t i = 0; i < n; i++)
      others += pids[i] != c->st.init_pid;
  if (others > 0)
    log_warn ("container's cgroup is not empty: %zu process(es) found", others);
  return 0;
}

/* Into its cgroups before it does anything more than ahead_enter. */
static int
enter_cgroups (struct create_ctx *c, bool joins_itself, struct ocirt_error **err)
{
  int r;

  if (c->st.systemd_unit)
    return cgroup_systemd_start (c->opts->id, c->config, c->st.init_pid, err);
  if (c->st.cgroup_path == NULL)
    return 0;
  r = make_v1_cgroups (c, err);
  if (r == 0 && !joins_itself)
    {
      /* Moved by pid: nothing left for it to join. */
      cgroup_join_release (&c->cgroup_join);
      r = cgroup_enter (c->st.cgroup_path, c->st.init_pid, err);
    }
  return r;
}

static bool
init_joins_cgroups (const struct create_ctx *c)
{
  return c->st.cgroup_path && !c->st.systemd_unit;
}

/* What sending to an init that has already failed and exited gives (its
   end of the socket closed, with or without our messages unread), or
   reading its start time then: its own error waits in the socket. */
static bool
init_gone (int r)
{
  return r == -EPIPE || r == -ECONNRESET || r == -ESRCH;
}

/* The cgroup mount, built while the init joins its cgroups: it finds it
   made instead of making it after the joins. If we cannot, it makes it
   (and tells the error, if any, as its own). */
static int
send_cgroup_tree (struct create_ctx *c, struct ocirt_error **err)
{
  _cleanup_error_ struct ocirt_error *why = NULL;
  _cleanup_free_ char *member = NULL;
  _cleanup_close_ int tree = -1;
  const struct oci_mount *m = &c->config->mounts[c->cgroup_tree_entry];

  if (cgroup_member_text (c->st.cgroup_path, &member, &why) < 0
      || mount_cgroup_tree (m, member, &tree, &why) < 0)
    log_debug ("mounts[%zd] (%s): left to the init: %s", c->cgroup_tree_entry, m->destination, why->msg);
  return sync_send_fd (c->sync_fds[0], SYNC_MOUNT_TREE, (int32_t) c->cgroup_tree_entry, tree, err);
}

/* SYNC_PROCEED, then the files of the v1 cgroups the init joins and the
   tree of its cgroup mount. An init that failed meanwhile, in what it does
   ahead, is gone with its error waiting in the socket: nothing to commit,
   serve_init reads it next. */
static int
proceed (struct create_ctx *c, struct ocirt_error **err)
{
  int r = sync_send (c->sync_fds[0], SYNC_PROCEED, 0, NULL, err);

  if (r == 0 && init_joins_cgroups (c))
    r = cgroup_join_send (c->sync_fds[0], &c->cgroup_join, err);
  cgroup_join_release (&c->cgroup_join);
  if (r == 0 && c->cgroup_tree_entry >= 0)
    r = send_cgroup_tree (c, err);
  if (!init_gone (r))
    return r;
  ocirt_error_free (*err);
  *err = NULL;
  c->early_commit = false;
  return 0;
}

/* In a new user namespace the init is root of that namespace only, and may
   not reach a bind source (runc's userns.bats "inaccessible mounts"): we
   clone every bind source now, as the host's root, and hand the detached
   trees down (runc passes mount fds the same way). */
static int
prepare_bind_trees (struct create_ctx *c, struct ocirt_error **err)
{
  size_t n = c->config->mounts_len;

  if (!(c->plan.new_flags & CLONE_NEWUSER) || n == 0)
    return 0;
  c->bind_trees = malloc (n * sizeof *c->bind_trees);
  if (c->bind_trees == NULL)
    return ocirt_error_set (err, ENOMEM, "mounts");
  for (size_t i = 0; i < n; i++)
    c->bind_trees[i] = -1;
  c->n_bind_trees = n;
  for (size_t i = 0; i < n; i++)
    {
      int r = mount_prepare_bind_tree (&c->config->mounts[i], c->bundle, &c->bind_trees[i], err);
      if (r < 0)
        return ocirt_error_prefix (err, "mounts[%zu] (%s)", i, c->config->mounts[i].destination);
    }
  return 0;
}

/* The caller's NOTIFY_SOCKET (a systemd unit of Type=notify running us):
   the container gets its own socket, relayed by `start` (notify-socket.h). */
static int
prepare_notify (struct create_ctx *c, const char *root, struct ocirt_error **err)
{
  const char *host = getenv ("NOTIFY_SOCKET");
  char root_abs[PATH_MAX];
  _cleanup_free_ char *entry = NULL;

  if (host == NULL || *host == '\0' || c->config->process == NULL)
    return 0;
  if (realpath (root, root_abs) == NULL)
    return ocirt_error_set (err, errno, "state root `%s`", root);
  if (asprintf (&entry, "%s/%s", root_abs, c->opts->id) < 0 || (c->st.notify_socket = strdup (host)) == NULL)
    return ocirt_error_set (err, ENOMEM, "NOTIFY_SOCKET");
  return notify_socket_prepare (c->dirfd, entry, c->config, err);
}

static bool
hooks_for_parent (const struct oci_config *config)
{
  const struct oci_hooks *h = config->hooks;

  return h && (h->prestart_len || h->create_runtime_len);
}

static int commit_early (struct create_ctx *c, struct ocirt_error **err);

/* clone3 into the namespaces that must exist at birth (user, pid), and into
   the container's cgroup2 cgroup, with a pidfd so that no later step can
   confuse the init with a recycled pid. It is cloned as soon as the entry
   and that cgroup exist, and makes what it can ahead (ahead.h) while we
   make its v1 cgroups. */
static int
spawn_init (struct create_ctx *c, struct ocirt_error **err)
{
  struct clone_args args = {
    .flags = CLONE_PIDFD | (c->plan.new_flags & (CLONE_NEWUSER | CLONE_NEWPID)),
    .pidfd = (uint64_t) (uintptr_t) &c->pidfd,
    .exit_signal = SIGCHLD,
  };
  _cleanup_close_ int saved_pidns = -1;
  struct init_args ia;
  cpu_set_t ours, others;
  bool joins_itself = true, move = false;
  pid_t pid;
  int r;

  /* Made for a container that wants none of its own: dropped. */
  if (!c->ahead.net)
    ahead_net_close (&c->net);
  c->cgroup_tree_entry = init_joins_cgroups (c) ? mount_cgroup_tree_entry (c->config) : -1;
  ia = (struct init_args){
    .id = c->opts->id,
    .config = c->config,
    .bundle = c->bundle,
    .rootfs = c->rootfs,
    .plan = &c->plan,
    .seccomp = c->seccomp,
    .parent_pid = getpid (),
    .sync_fd = c->sync_fds[1],
    .state_fds = { c->rootfd, c->dirfd },
    .fifo_fd = c->fifo_fd,
    .console_socket_fd = c->console_fd,
    .preserve_fds = c->listen_fds + c->opts->preserve_fds,
    .bind_trees = c->bind_trees,
    .joins_cgroups = init_joins_cgroups (c),
    .cgroup_tree_entry = c->cgroup_tree_entry,
    .ahead = &c->ahead,
    .net_fd = c->net.fd,
    .no_pivot = c->opts->no_pivot,
    .no_new_keyring = c->opts->no_new_keyring,
    .hooks_in_parent = hooks_for_parent (c->config),
    .start_at_commit = c->opts->start,
  };

  /* Born non-dumpable (fork inherits it): a joined pid namespace may hold
     other processes, which must never ptrace the init or open its
     /proc/PID/exe (CVE-2019-5736, CVE-2016-9962). */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return ocirt_error_set (err, errno, "make the runtime non-dumpable");
  if (c->plan.join_pid)
    {
      /* setns(CLONE_NEWPID) only moves our future children; we move back
         right after the clone so hooks run in the runtime's namespace. */
      saved_pidns = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
      if (saved_pidns < 0)
        return ocirt_error_set (err, errno, "open /proc/self/ns/pid");
      if (namespace_join_entry (c->plan.join_pid, err) < 0)
        return -(*err)->code;
    }
  c->early_commit = !init_asks_creator (&ia);
  /* With work of its own to do beside ours, it must not wait for our CPU. */
  if (c->ahead.net || c->ahead.net_joined || c->ahead.mount)
    move = ahead_cpus_besides_ours (&ours, &others);
  ia.cpus = move ? &ours : NULL;
  pid = cgroup_clone3 (&args, &c->cgroup_join, &joins_itself);
  if (pid == 0)
    {
      /* The runtime's own: the init must not hold it. */
      self_protect_release_mount ();
      close (c->sync_fds[0]);
      init_main (&ia);
    }
  if (saved_pidns >= 0)
    (void) setns (saved_pidns, CLONE_NEWPID);
  if (pid < 0)
    return ocirt_error_set (err, errno, "clone the container's init");
  if (move)
    (void) sched_setaffinity (pid, sizeof others, &others);
  ahead_net_close (&c->net);
  cleanup_closep (&c->sync_fds[1]);
  cleanup_closep (&c->console_fd);
  cgroup_join_release (&c->cgroup_join);
  c->st.init_pid = pid;
  /* Then it goes on while we wait (record_init). */
  r = enter_cgroups (c, joins_itself, err);
  if (r == 0)
    r = proceed (c, err);
  if (r == 0 && c->early_commit)
    r = commit_early (c, err);
  /* Now, while the init sets up: closing the last fd of the mount waits
     for an RCU grace period. */
  self_protect_release_mount ();
  return r;
}

/* The init's start time (which tells it from a later process with its pid)
   is read from our own unreaped child: always there. */
static int
read_init_start (struct create_ctx *c, struct ocirt_error **err)
{
  if (c->st.init_start == 0 && proc_start_time (c->st.init_pid, &c->st.init_start) < 0)
    return ocirt_error_setx (err, ESRCH, "the container's init exited unexpectedly");
  return 0;
}

/* The init in the entry, once it has something to tell us (while it sets
   up, we would only keep it waiting): before a hook or listener can look
   at the entry, else with the commit. Were we killed before, the init dies
   of its parent-death signal, and `delete --force` finds the cgroup and
   unit the entry names from its birth. */
static int
save_entry (struct create_ctx *c, struct ocirt_error **err)
{
  int r = read_init_start (c, err);

  return r < 0 ? r : state_save (c->dirfd, &c->st, err);
}

static int
record_init (struct create_ctx *c, struct ocirt_error **err)
{
  int r;

  if (c->init_recorded)
    return 0;
  r = save_entry (c, err);
  c->init_recorded = r == 0;
  return r;
}

static int
run_parent_hooks (struct create_ctx *c, struct ocirt_error **err)
{
  const struct oci_hooks *h = c->config->hooks;
  _cleanup_free_ char *json = NULL;
  int r;

  r = container_hook_state (&c->st, STATUS_CREATING, &json, err);
  if (r == 0 && h && h->prestart_len)
    r = hooks_run (h->prestart, h->prestart_len, "prestart", json, err);
  if (r == 0 && h && h->create_runtime_len)
    r = hooks_run (h->create_runtime, h->create_runtime_len, "createRuntime", json, err);
  if (r < 0)
    {
      c->hook_failed = true;
      return r;
    }
  return sync_send (c->sync_fds[0], SYNC_HOOKS_DONE, 0, NULL, err);
}

static int
serve_init (struct create_ctx *c, struct ocirt_error **err)
{
  for (;;)
    {
      enum sync_type type;
      int r = sync_receive (c->sync_fds[0], &type, err);
      if (r < 0)
        return r;
      switch (type)
        {
        case SYNC_USERMAP_PLEASE:
          r = namespace_write_id_maps (c->st.init_pid, c->config->linux_, err);
          if (r == 0)
            r = sync_send (c->sync_fds[0], SYNC_USERMAP_DONE, 0, NULL, err);
          break;
        case SYNC_HOOKS_PLEASE:
          r = record_init (c, err);
          if (r == 0)
            r = run_parent_hooks (c, err);
          break;
        case SYNC_SECCOMP_FD:
          r = record_init (c, err);
          if (r == 0)
            r = container_forward_seccomp_fd (c->sync_fds[0], c->config->linux_->seccomp, &c->st,
                                              STATUS_CREATING, c->st.init_pid, err);
          break;
        case SYNC_HOOK_FAILED:
          c->hook_failed = true; /* the init's SYNC_ERROR follows */
          break;
        case SYNC_READY:
          return 0;
        default:
          r = ocirt_error_setx (err, EBADMSG, "sync: unexpected message %d", type);
        }
      if (r < 0)
        return r;
    }
}

/* The entry marked committed, then SYNC_COMMIT: the init may drop its
   parent-death signal (and, for `run`, exec) once it reads it. */
static int
commit_entry (struct create_ctx *c, struct ocirt_error **err)
{
  int r;

  c->st.committed = true;
  r = save_entry (c, err);
  return r < 0 ? r : sync_send (c->sync_fds[0], SYNC_COMMIT, 0, NULL, err);
}

/* Right after SYNC_PROCEED (commit). If that fails, the commit waits for
   READY as usual; an init already gone (init_gone) failed at once, and
   serve_init, next, reads why. */
static int
commit_early (struct create_ctx *c, struct ocirt_error **err)
{
  int r = commit_entry (c, err);

  if (r == 0)
    return 0;
  c->early_commit = false;
  c->st.committed = false;
  if (!init_gone (r))
    return r;
  ocirt_error_free (*err);
  *err = NULL;
  return 0;
}

/* Once the init is READY. An init that asks us nothing on the way
   (init_asks_creator) was committed right after SYNC_PROCEED instead: the
   entry is saved while it sets up, and it finds SYNC_COMMIT waiting, not a
   round trip through us (a wake-up on each side, and the save between).
   Either way it drops its parent-death signal only once the entry says
   committed, and a setup that fails is undone as before. The pid file
   comes after READY in both cases: a create that fails leaves none. */
static int
commit (struct create_ctx *c, struct ocirt_error **err)
{
  int r = 0;

  if (c->opts->pid_file && (r = container_write_pid_file (c->opts->pid_file, c->st.init_pid, err)) < 0)
    return r;
  if (!c->early_commit)
    r = commit_entry (c, err);
  if (r == 0 && !c->opts->start)
    r = sync_expect (c->sync_fds[0], SYNC_COMMITTED, err);
  return r;
}

static int
receive_pty (struct create_ctx *c, struct created_container *ret, struct ocirt_error **err)
{
  int r;

  ret->pty_master = -1;
  if (c->pty_peer_fd < 0)
    return 0;
  r = fdpass_receive (c->pty_peer_fd, &ret->pty_master);
  if (r < 0)
    return ocirt_error_set (err, -r, "receive the terminal of the container");
  return 0;
}

static void
undo (struct create_ctx *c)
{
  _cleanup_error_ struct ocirt_error *err = NULL;

  if (c->dirfd < 0)
    return; /* the entry was never ours: touch nothing */
  /* Without it, the init could not be told from a stranger and killed. */
  if (c->st.init_pid > 0)
    {
      _cleanup_error_ struct ocirt_error *ignored = NULL;
      (void) read_init_start (c, &ignored);
    }
  if (container_destroy (c->rootfd, &c->st, c->config, c->hook_failed, &err) < 0)
    log_warn ("cleaning up after a failed create: %s", err->msg);
  if (c->st.init_pid > 0)
    (void) waitpid (c->st.init_pid, NULL, 0);
}

int
container_create (const char *root, const struct create_options *opts, struct created_container *ret,
                  struct ocirt_error **err)
{
  struct create_ctx c = { .opts = opts,
                          .rootfd = -1,
                          .dirfd = -1,
                          .fifo_fd = -1,
                          .console_fd = -1,
                          .pty_peer_fd = -1,
                          .sync_fds = { -1, -1 },
                          .pidfd = -1,
                          .cgroup_join = { .v2_fd = -1 },
                          .cgroup_tree_entry = -1 };
  int r;

  /* The launcher's, begun before we started (through our own re-execution
     too: self-protect.h), dropped like ours when the container turns out
     to want none. */
  ahead_net_adopt (&c.net);
  r = spec_validate_id (opts->id, err);
  if (r == 0)
    r = read_config (&c, err);
  if (r == 0 && c.net.pid < 0 && ahead_text_wants_net (c.config_json, c.config_len))
    ahead_net_begin (&c.net);
  if (r == 0)
    r = parse_config (root, &c, err);
  /* Known now, before anything exists (config.md: process is required
     when start is called). */
  if (r == 0 && opts->start && c.config->process == NULL)
    r = ocirt_error_setx (err, EINVAL, "cannot start a container that has no process");
  if (r == 0)
    r = pass_listen_fds (&c, err);
  if (r == 0)
    r = resolve_rootfs (&c, err);
  if (r == 0)
    r = check_terminal_options (&c, err);
  if (r == 0)
    {
      namespace_plan_make (c.config->linux_, &c.plan);
      ahead_plan_make (&c.plan, c.config, c.bundle, c.rootfs, &c.ahead);
      /* Decided and checked before anything exists, and named in the entry
         from its birth: `delete --force` can always find it. */
      r = opts->systemd_cgroup
              ? cgroup_systemd_plan (opts->id, c.config, &c.st.cgroup_path, &c.st.systemd_unit, err)
              : cgroup_plan (opts->id, c.config->linux_, false, &c.st.cgroup_path, err);
    }
  if (r == 0)
    r = make_entry (root, &c, err);
  if (r == 0 && c.st.cgroup_path)
    r = prepare_cgroup (&c, err);
  if (r == 0)
    r = prepare_notify (&c, root, err);
  if (r == 0)
    r = prepare_bind_trees (&c, err);
  if (r == 0 && (r = sync_pair (c.sync_fds, err)) == 0 && (r = connect_console (&c, err)) == 0
      && (r = spawn_init (&c, err)) == 0 && (r = serve_init (&c, err)) == 0)
    r = commit (&c, err);
  if (r == 0 && opts->pidfd_socket)
    r = container_send_pidfd (opts->pidfd_socket, c.pidfd, err);
  if (r == 0 && ret)
    {
      r = receive_pty (&c, ret, err);
      ret->pid = c.st.init_pid;
      ret->pidfd = TAKE_FD (c.pidfd);
    }
  /* A failed start destroys what it could not start. */
  if (r == 0 && opts->start)
    {
      r = container_start_created (c.rootfd, c.dirfd, c.sync_fds[0], &c.st, c.config, err);
      if (r == 0 && ret)
        ret->config = TAKE_PTR (c.config);
      create_ctx_release (&c);
      return r;
    }
  if (r < 0)
    undo (&c);
  create_ctx_release (&c);
  return r;
}
