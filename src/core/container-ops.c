/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "container-internal.h"
#include "hooks.h"
#include "notify-socket.h"
#include "ocispec.h"
#include "sync.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"

/* Waits for the init to open exec.fifo, then reads until it closes: empty
   means the execve succeeded, anything else is the init's error. */
static int
release_init (int dirfd, const struct container_state *st, struct ocirt_error **err)
{
  _cleanup_close_ int fifo = -1, pidfd = -1;
  _cleanup_free_ char *msg = NULL;
  struct pollfd pfd[2];
  int r;

  pidfd = proc_pidfd_open_checked (st->init_pid, st->init_start);
  if (pidfd < 0)
    return ocirt_error_setx (err, ESRCH, "cannot start a container that has stopped");
  fifo = openat (dirfd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    return ocirt_error_set (err, errno, "open exec fifo");
  pfd[0] = (struct pollfd){ .fd = fifo, .events = POLLIN };
  pfd[1] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
  /* A fifo that never had a writer does not report POLLHUP: we wake when
     the init writes or closes, or when it dies. */
  do
    r = poll (pfd, 2, -1);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return ocirt_error_set (err, errno, "wait for the container's init");
  if (!(pfd[0].revents & (POLLIN | POLLHUP)))
    return ocirt_error_setx (err, ESRCH, "the container's init exited before start");
  (void) unlinkat (dirfd, EXEC_FIFO, 0);
  if (fcntl (fifo, F_SETFL, 0) < 0)
    return ocirt_error_set (err, errno, "read exec fifo");
  r = fs_read_fd (fifo, &msg, NULL);
  if (r < 0)
    return ocirt_error_set (err, -r, "read exec fifo");
  if (msg[0] != '\0')
    return ocirt_error_setx (err, EINVAL, "%s", msg);
  return 0;
}

/* `run`: the init execs once committed; its end of the sync socket closes
   at the execve (CLOEXEC), or brings the reason it could not. */
static int
await_exec (int dirfd, int sync_fd, struct ocirt_error **err)
{
  int r = sync_await_close (sync_fd, err);

  if (r == 0)
    (void) unlinkat (dirfd, EXEC_FIFO, 0);
  return r;
}

int
container_start_created (int rootfd, int dirfd, int sync_fd, const struct container_state *st,
                         const struct oci_config *config, struct ocirt_error **err)
{
  _cleanup_close_ int notify_fd = -1;
  int r;

  if (config->process == NULL)
    return ocirt_error_setx (err, EINVAL, "cannot start a container that has no process");
  if (st->notify_socket && (notify_fd = notify_socket_listen (dirfd, err)) < 0)
    return notify_fd;
  r = sync_fd >= 0 ? await_exec (dirfd, sync_fd, err) : release_init (dirfd, st, err);
  if (r == 0 && notify_fd >= 0)
    {
      _cleanup_close_ int pidfd = proc_pidfd_open_checked (st->init_pid, st->init_start);
      if (pidfd >= 0)
        r = notify_socket_relay (notify_fd, pidfd, st->notify_socket, err);
    }
  if (r == 0 && config->hooks && config->hooks->poststart_len)
    {
      _cleanup_free_ char *json = NULL;
      r = container_hook_state (st, STATUS_RUNNING, &json, err);
      if (r == 0)
        r = hooks_run (config->hooks->poststart, config->hooks->poststart_len, "poststart", json, err);
    }
  if (r < 0)
    {
      /* runtime.md: a failed start stops the container and goes on to
         destroy it (step 12) and the poststop hooks (step 13). */
      _cleanup_error_ struct ocirt_error *derr = NULL;
      if (container_destroy (rootfd, st, config, true, &derr) < 0)
        log_warn ("%s", derr->msg);
    }
  return r;
}

int
container_start (const char *root, const char *id, struct ocirt_error **err)
{
  _cleanup_container_state_ struct container_state *st = NULL;
  _cleanup_close_ int rootfd = -1, dirfd = -1;
  _cleanup_config_ struct oci_config *config = NULL;
  enum container_status status;
  int r;

  r = container_open (root, id, LOCK_EX, &rootfd, &dirfd, &st, err);
  if (r < 0 || (r = container_hand_off_if_systemd (st, err)) < 0)
    return r;
  status = container_status_of (dirfd, st);
  if (status == STATUS_STOPPED)
    return ocirt_error_setx (err, EINVAL, "cannot start a container that has stopped");
  if (status != STATUS_CREATED)
    return ocirt_error_setx (err, EINVAL, "cannot start an already %s container", status_name (status));
  r = container_read_config (dirfd, &config, err);
  if (r < 0)
    return r;
  return container_start_created (rootfd, dirfd, -1, st, config, err);
}

/* Every process in the container's pid namespace (as seen from ours). */
static int
kill_pid_namespace (const struct container_state *st, int sig, struct ocirt_error **err)
{
  _cleanup_closedir_ DIR *proc = opendir ("/proc");
  char path[64];
  struct stat init_ns, ns;
  struct dirent *de;

  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) st->init_pid);
  if (proc == NULL || stat (path, &init_ns) < 0)
    return ocirt_error_set (err, errno, "find the processes of container `%s`", st->id);
  while ((de = readdir (proc)) != NULL)
    {
      int pid = atoi (de->d_name);
      if (pid <= 0)
        continue;
      snprintf (path, sizeof path, "/proc/%d/ns/pid", pid);
      if (stat (path, &ns) == 0 && ns.st_ino == init_ns.st_ino && ns.st_dev == init_ns.st_dev)
        (void) kill (pid, sig);
    }
  return 0;
}

int
container_kill (const char *root, const char *id, int sig, bool all, struct ocirt_error **err)
{
  _cleanup_container_state_ struct container_state *st = NULL;
  _cleanup_close_ int rootfd = -1, dirfd = -1, pidfd = -1;
  enum container_status status;
  int r;

  r = container_open (root, id, 0, &rootfd, &dirfd, &st, err);
  if (r < 0)
    return r;
  /* runc: --all signals whatever the cgroup holds, whatever the status
     (nothing, once it has stopped). */
  if (all && st->cgroup_path && st->committed)
    return cgroup_kill_all (st->cgroup_path, sig, err);
  status = container_status_of (dirfd, st);
  if (status == STATUS_STOPPED || status == STATUS_CREATING)
    return ocirt_error_setx (err, ESRCH, "container not running");
  pidfd = proc_pidfd_open_checked (st->init_pid, st->init_start);
  if (pidfd < 0)
    return ocirt_error_setx (err, ESRCH, "container not running");
  if (all && st->own_pid_ns)
    return kill_pid_namespace (st, sig, err);
  if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
    {
      if (errno == ESRCH)
        return ocirt_error_setx (err, ESRCH, "container not running");
      return ocirt_error_set (err, errno, "send signal %d to container `%s`", sig, id);
    }
  return 0;
}

/* Deletes the locked entry: `config` is the one it was made from (NULL: read
   from the entry; unreadable costs the poststop hooks only). */
static int
delete_entry (int rootfd, int dirfd, const struct container_state *st, bool force,
              const struct oci_config *config, struct ocirt_error **err)
{
  _cleanup_config_ struct oci_config *read = NULL;
  _cleanup_error_ struct ocirt_error *cerr = NULL;

  /* Forced, whatever it is goes (and the status costs a few reads). */
  if (!force)
    {
      enum container_status status = container_status_of (dirfd, st);
      if (status == STATUS_RUNNING || status == STATUS_PAUSED)
        return ocirt_error_setx (err, EBUSY, "cannot delete container %s that is not stopped: %s", st->id,
                                 status_name (status));
    }
  if (config == NULL && container_read_config (dirfd, &read, &cerr) < 0)
    log_warn ("%s", cerr->msg);
  if (force && st->own_pid_ns && proc_alive (st->init_pid, st->init_start))
    (void) kill_pid_namespace (st, SIGKILL, NULL);
  return container_destroy (rootfd, st, config ? config : read, st->committed, err);
}

/* Opens and locks the entry for deletion, and hands a systemd-managed one
   to the glibc runtime; *st stays NULL when there is none and `missing_ok`
   (runc: forcing the removal of what is not there succeeds). */
static int
open_to_delete (const char *root, const char *id, bool missing_ok, int *rootfd, int *dirfd,
                struct container_state **st, struct ocirt_error **err)
{
  int r = container_open (root, id, LOCK_EX, rootfd, dirfd, st, err);

  if (r == -ENOENT && missing_ok)
    {
      ocirt_error_free (*err);
      *err = NULL;
      return 0;
    }
  return r < 0 ? r : container_hand_off_if_systemd (*st, err);
}

int
container_delete (const char *root, const char *id, bool force, struct ocirt_error **err)
{
  _cleanup_container_state_ struct container_state *st = NULL;
  _cleanup_close_ int rootfd = -1, dirfd = -1;
  int r = open_to_delete (root, id, force, &rootfd, &dirfd, &st, err);

  if (r < 0 || st == NULL)
    return r;
  return delete_entry (rootfd, dirfd, st, force, NULL, err);
}

int
container_delete_own (const char *root, const char *id, pid_t init_pid, const struct oci_config *config,
                      struct ocirt_error **err)
{
  _cleanup_container_state_ struct container_state *st = NULL;
  _cleanup_close_ int rootfd = -1, dirfd = -1;
  int r = open_to_delete (root, id, true, &rootfd, &dirfd, &st, err);

  /* Gone, or deleted and made anew under the same id meanwhile: not ours. */
  if (r < 0 || st == NULL || st->init_pid != init_pid)
    return r;
  return delete_entry (rootfd, dirfd, st, true, config, err);
}

/* runc's `list` names the owner of the state directory; `state` leaves it empty. */
static char *
owner_name (int dirfd)
{
  struct passwd *pw;
  struct stat sb;
  char *out = NULL;

  if (fstat (dirfd, &sb) < 0)
    return strdup ("");
  pw = getpwuid (sb.st_uid);
  if (pw)
    return strdup (pw->pw_name);
  if (asprintf (&out, "#%u", (unsigned) sb.st_uid) < 0)
    return NULL;
  return out;
}

static int
to_oci_state (int dirfd, const struct container_state *st, bool list, struct oci_state **ret,
              struct ocirt_error **err)
{
  _cleanup_state_ struct oci_state *s = calloc (1, sizeof *s);
  enum container_status status = container_status_of (dirfd, st);

  if (s == NULL)
    return ocirt_error_set (err, ENOMEM, "state");
  s->oci_version = strdup (OCI_VERSION);
  s->id = strdup (st->id);
  s->status = strdup (status_name (status));
  /* runc prints pid 0 once the container has stopped. */
  s->pid = status == STATUS_STOPPED ? 0 : st->init_pid;
  s->pid_present = true;
  s->bundle = strdup (st->bundle);
  s->rootfs = st->rootfs ? strdup (st->rootfs) : NULL;
  s->created = st->created ? strdup (st->created) : NULL;
  s->owner = list ? owner_name (dirfd) : strdup (st->owner ? st->owner : "");
  if (st->annotations)
    {
      s->annotations = calloc (1, sizeof *s->annotations);
      if (s->annotations == NULL)
        return ocirt_error_set (err, ENOMEM, "state");
      s->annotations->keys = calloc (st->annotations->len + 1, sizeof (char *));
      s->annotations->values = calloc (st->annotations->len + 1, sizeof (char *));
      if (s->annotations->keys == NULL || s->annotations->values == NULL)
        return ocirt_error_set (err, ENOMEM, "state");
      for (size_t i = 0; i < st->annotations->len; i++, s->annotations->len++)
        {
          s->annotations->keys[i] = strdup (st->annotations->keys[i]);
          s->annotations->values[i] = strdup (st->annotations->values[i]);
        }
    }
  if (s->oci_version == NULL || s->id == NULL || s->status == NULL || s->bundle == NULL || s->owner == NULL)
    return ocirt_error_set (err, ENOMEM, "state");
  *ret = TAKE_PTR (s);
  return 0;
}

int
container_state (const char *root, const char *id, struct oci_state **ret, struct ocirt_error **err)
{
  _cleanup_container_state_ struct container_state *st = NULL;
  _cleanup_close_ int rootfd = -1, dirfd = -1;
  int r;

  r = container_open (root, id, 0, &rootfd, &dirfd, &st, err);
  if (r < 0)
    return r;
  return to_oci_state (dirfd, st, false, ret, err);
}

void
container_state_list_free (struct oci_state **list, size_t len)
{
  for (size_t i = 0; list && i < len; i++)
    oci_state_free (list[i]);
  free (list);
}

int
container_state_list (const char *root, struct oci_state ***ret, size_t *ret_len, struct ocirt_error **err)
{
  _cleanup_close_ int rootfd = -1;
  _cleanup_strv_ char **ids = NULL;
  struct oci_state **list;
  size_t n = 0, count = 0;
  int r;

  r = state_root_open (root, false, &rootfd, err);
  if (r == -ENOENT)
    {
      ocirt_error_free (*err);
      *err = NULL;
    }
  else if (r < 0 || (r = state_list_ids (rootfd, &ids, err)) < 0)
    return r;
  while (ids && ids[count])
    count++;
  list = calloc (count + 1, sizeof *list);
  if (list == NULL)
    return ocirt_error_set (err, ENOMEM, "list");
  for (size_t i = 0; i < count; i++)
    {
      _cleanup_container_state_ struct container_state *st = NULL;
      _cleanup_error_ struct ocirt_error *ignored = NULL;
      _cleanup_close_ int dirfd = -1;
      /* Deleted while we read: not an error, just not there any more. */
      if (state_open (rootfd, ids[i], 0, &dirfd, &st, &ignored) < 0)
        continue;
      if (to_oci_state (dirfd, st, true, &list[n], &ignored) == 0)
        n++;
    }
  *ret = list;
  *ret_len = n;
  return 0;
}
