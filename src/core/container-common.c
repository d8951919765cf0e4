/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-systemd.h"
#include "cgroup.h"
#include "container-internal.h"
#include "hand-off.h"
#include "hooks.h"
#include "ocispec.h"
#include "seccomp-notify.h"
#include "sync.h"
#include "terminal.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"

enum container_status
container_status_of (int dirfd, const struct container_state *st)
{
  struct status_facts f = {
    .committed = st->committed,
    .creator_alive = proc_alive (st->creator_pid, st->creator_start),
    .init_alive = proc_alive (st->init_pid, st->init_start),
    .fifo_exists = faccessat (dirfd, EXEC_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0,
  };

  /* Only a live container can be paused: read the freezer only then. */
  if (f.committed && f.init_alive && st->cgroup_path)
    f.frozen = cgroup_is_frozen (st->cgroup_path);
  return status_derive (&f);
}

int
container_read_config (int dirfd, struct oci_config **ret, struct ocirt_error **err)
{
  int r = oci_config_parse_file (dirfd, CONFIG_COPY, ret, err);

  return r < 0 ? ocirt_error_prefix (err, "read the container's config") : r;
}

int
container_hook_state (const struct container_state *st, enum container_status status, char **ret,
                      struct ocirt_error **err)
{
  struct oci_state s = {
    .oci_version = (char *) OCI_VERSION,
    .id = st->id,
    .status = (char *) status_name (status),
    .pid = st->init_pid,
    .pid_present = st->init_pid > 0,
    .bundle = st->bundle,
    .annotations = st->annotations,
  };

  return oci_state_to_json (&s, 0, ret, err);
}

int
container_kill_init (const struct container_state *st, struct ocirt_error **err)
{
  /* One already dying still holds its cgroups until it has gone. */
  _cleanup_close_ int pidfd = proc_pidfd_open_to_wait (st->init_pid, st->init_start);

  if (pidfd < 0)
    return 0; /* already gone */
  if (syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
    return ocirt_error_set (err, errno, "kill the init of container `%s`", st->id);
  /* A process killed with SIGKILL dies promptly; 10 s covers a blocked exit
     (e.g. a stuck FUSE mount) without hanging for ever. */
  if (proc_pidfd_wait (pidfd, 10000) < 0)
    return ocirt_error_setx (err, ETIMEDOUT, "the init of container `%s` did not exit after SIGKILL", st->id);
  return 0;
}

int
container_destroy (int rootfd, const struct container_state *st, const struct oci_config *config,
                   bool poststop, struct ocirt_error **err)
{
  int r;

  /* Every process of the container goes, not only the init: without a pid
     namespace of its own, its children would outlive it. */
  if (st->cgroup_path && (r = cgroup_kill_all (st->cgroup_path, SIGKILL, err)) < 0)
    return r;
  r = container_kill_init (st, err);
  if (r == 0 && st->systemd_unit)
    r = cgroup_systemd_stop (st->systemd_unit, err);
  if (r == 0 && st->cgroup_path)
    r = cgroup_destroy (st->cgroup_path, err);
  if (r < 0)
    return r;
  r = state_remove (rootfd, st->id, err);
  if (r < 0)
    return r;
  if (poststop && config && config->hooks && config->hooks->poststop_len)
    {
      _cleanup_error_ struct ocirt_error *hook_err = NULL;
      _cleanup_free_ char *json = NULL;
      if (container_hook_state (st, STATUS_STOPPED, &json, &hook_err) == 0)
        hooks_run_all (config->hooks->poststop, config->hooks->poststop_len, "poststop", json);
      else
        log_warn ("%s", hook_err->msg);
    }
  return 0;
}

/* The pid file is written atomically: callers poll for it and must never
   read a partial pid. Relative paths are relative to the caller's cwd. */
int
container_write_pid_file (const char *path, pid_t pid, struct ocirt_error **err)
{
  _cleanup_free_ char *dir = strdup (path);
  _cleanup_close_ int dirfd = -1;
  char *slash, buf[32];
  const char *name = path;
  int n, r;

  if (dir == NULL)
    return ocirt_error_set (err, ENOMEM, "write pid file");
  slash = strrchr (dir, '/');
  if (slash)
    {
      name = path + (slash - dir) + 1;
      *(slash == dir ? slash + 1 : slash) = '\0';
    }
  dirfd = open (slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return ocirt_error_set (err, errno, "pid file `%s`", path);
  n = snprintf (buf, sizeof buf, "%d", (int) pid);
  r = fs_write_atomic (dirfd, name, buf, (size_t) n, 0644);
  if (r < 0)
    return ocirt_error_set (err, -r, "write pid file `%s`", path);
  return 0;
}

int
container_forward_seccomp_fd (int sync_fd, const struct oci_seccomp *s, const struct container_state *st,
                              enum container_status status, pid_t pid, struct ocirt_error **err)
{
  _cleanup_free_ char *json = NULL;
  _cleanup_close_ int fd = -1;
  int r = fdpass_receive (sync_fd, &fd);

  if (r < 0)
    return ocirt_error_set (err, -r, "receive the seccomp listener fd");
  r = container_hook_state (st, status, &json, err);
  if (r == 0)
    r = seccomp_send_notify_fd (s->listener_path, s->listener_metadata, fd, json, pid, err);
  if (r == 0)
    r = sync_send (sync_fd, SYNC_SECCOMP_DONE, 0, NULL, err);
  return r;
}

int
container_send_pidfd (const char *path, int pidfd, struct ocirt_error **err)
{
  static const char payload[] = "pidfd";
  _cleanup_close_ int sock = -1;
  int r = terminal_connect_console_socket (path, &sock, err);

  if (r < 0)
    return ocirt_error_prefix (err, "--pidfd-socket");
  r = fdpass_send (sock, payload, sizeof payload - 1, pidfd);
  if (r < 0)
    return ocirt_error_set (err, -r, "--pidfd-socket: send the pidfd to `%s`", path);
  return 0;
}

int
container_hand_off_if_systemd (const struct container_state *st, struct ocirt_error **err)
{
  if (st->systemd_unit == NULL || hand_off_can_use_systemd ())
    return 0;
  return hand_off_to_glibc_runtime ("the systemd cgroup driver", err);
}

int
container_open (const char *root, const char *id, int lock, int *ret_rootfd, int *ret_dirfd,
                struct container_state **ret, struct ocirt_error **err)
{
  int r = state_root_open (root, false, ret_rootfd, err);

  if (r == -ENOENT)
    {
      /* No root at all: no container either. */
      ocirt_error_free (*err);
      *err = NULL;
      return ocirt_error_setx (err, ENOENT, "container `%s` does not exist", id);
    }
  if (r < 0)
    return r;
  return state_open (*ret_rootfd, id, lock, ret_dirfd, ret, err);
}
