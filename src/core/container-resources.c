/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cgroup-systemd.h"
#include "cgroup.h"
#include "container-internal.h"
#include "container-resources.h"
#include "util/log.h"
#include "util/proc.h"

/* Opens the entry of `id` locked as asked and derives its status, counting
   a frozen cgroup as "paused". */
static int
open_entry (const char *root, const char *id, int lock, int *ret_dirfd, struct container_state **ret,
            enum container_status *ret_status, struct ocirt_error **err)
{
  _cleanup_close_ int rootfd = -1;
  enum container_status status;
  int r = state_root_open (root, false, &rootfd, err);

  if (r == -ENOENT)
    {
      ocirt_error_free (*err);
      *err = NULL;
      return ocirt_error_setx (err, ENOENT, "container `%s` does not exist", id);
    }
  if (r < 0 || (r = state_open (rootfd, id, lock, ret_dirfd, ret, err)) < 0)
    return r;
  status = container_status_of (*ret_dirfd, *ret);
  if ((status == STATUS_RUNNING || status == STATUS_CREATED) && (*ret)->cgroup_path
      && cgroup_is_frozen ((*ret)->cgroup_path))
    status = STATUS_PAUSED;
  *ret_status = status;
  return 0;
}

static int
need_cgroup (const struct container_state *st, struct ocirt_error **err)
{
  if (st->cgroup_path == NULL)
    return ocirt_error_setx (err, ENOTSUP, "container `%s` has no cgroup", st->id);
  return 0;
}

int
container_pause (const char *root, const char *id, struct ocirt_error **err)
{
  _cleanup_container_state_ struct container_state *st = NULL;
  _cleanup_close_ int dirfd = -1;
  enum container_status status;
  int r = open_entry (root, id, LOCK_EX, &dirfd, &st, &status, err);

  if (r < 0)
    return r;
  /* runc's rule and words: only running or created containers pause. */
  if (status != STATUS_RUNNING && status != STATUS_CREATED)
    return ocirt_error_setx (err, EINVAL, "container not running");
  r = need_cgroup (st, err);
  return r < 0 ? r : cgroup_freeze (st->cgroup_path, true, err);
}

int
container_resume (const char *root, const char *id, struct ocirt_error **err)
{
  _cleanup_container_state_ struct container_state *st = NULL;
  _cleanup_close_ int dirfd = -1;
  enum container_status status;
  int r = open_entry (root, id, LOCK_EX, &dirfd, &st, &status, err);

  if (r < 0)
    return r;
  if (status != STATUS_PAUSED)
    return ocirt_error_setx (err, EINVAL, "container not paused");
  return cgroup_freeze (st->cgroup_path, false, err);
}

int
container_update (const char *root, const char *id, const struct oci_resources *res, struct ocirt_error **err)
{
  _cleanup_container_state_ struct container_state *st = NULL;
  _cleanup_close_ int dirfd = -1;
  enum container_status status;
  int r = open_entry (root, id, LOCK_EX, &dirfd, &st, &status, err);

  if (r < 0 || (r = container_hand_off_if_systemd (st, err)) < 0)
    return r;
  if (status == STATUS_STOPPED || status == STATUS_CREATING)
    return ocirt_error_setx (err, EINVAL, "container not running");
  r = need_cgroup (st, err);
  /* systemd first, or it could later re-apply the values it knew. */
  if (r == 0 && st->systemd_unit)
    r = cgroup_systemd_update (st->systemd_unit, res, err);
  return r < 0 ? r : cgroup_update (st->cgroup_path, res, err);
}

int
container_pids (const char *root, const char *id, pid_t **ret, size_t *ret_len, struct ocirt_error **err)
{
  _cleanup_container_state_ struct container_state *st = NULL;
  _cleanup_close_ int dirfd = -1;
  enum container_status status;
  int r = open_entry (root, id, 0, &dirfd, &st, &status, err);

  if (r < 0)
    return r;
  if (status == STATUS_STOPPED || st->cgroup_path == NULL)
    {
      /* Without a cgroup only the init is known to be ours. */
      size_t n = status != STATUS_STOPPED && st->init_pid > 0;
      *ret = calloc (n + 1, sizeof (pid_t));
      if (*ret == NULL)
        return ocirt_error_set (err, ENOMEM, "ps");
      if (n)
        (*ret)[0] = st->init_pid;
      *ret_len = n;
      return 0;
    }
  return cgroup_pids (st->cgroup_path, ret, ret_len, err);
}

static int
emit_stats (const struct container_state *st, container_event_fn fn, void *data, struct ocirt_error **err)
{
  struct cgroup_stats s;
  int r = cgroup_stats (st->cgroup_path, &s, err);

  if (r < 0)
    return r;
  r = fn (data, st->id, "stats", &s);
  cgroup_stats_release (&s);
  return r;
}

/* Waits for OOM events, the next stats tick or the end of the init. */
static int
event_loop (const struct container_state *st, int interval_ms, container_event_fn fn, void *data,
            struct ocirt_error **err)
{
  _cleanup_error_ struct ocirt_error *oerr = NULL;
  struct cgroup_oom_watch *w = NULL;
  _cleanup_close_ int pidfd = proc_pidfd_open_checked (st->init_pid, st->init_start);
  int r = 0;

  if (pidfd < 0)
    return ocirt_error_setx (err, ESRCH, "container not running");
  if (cgroup_oom_watch_open (st->cgroup_path, &w, &oerr) < 0)
    log_warn ("%s: no OOM events", oerr->msg);
  while (r >= 0)
    {
      struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN },
                             { .fd = w ? cgroup_oom_watch_fd (w) : -1, .events = POLLIN } };
      uint64_t ooms = 0;
      int n = poll (p, 2, interval_ms);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        r = ocirt_error_set (err, errno, "events");
      else if (n == 0)
        r = emit_stats (st, fn, data, err);
      if (r >= 0 && n > 0 && (p[1].revents & POLLIN) && cgroup_oom_watch_read (w, &ooms) == 0)
        for (uint64_t i = 0; i < ooms && r >= 0; i++)
          r = fn (data, st->id, "oom", NULL);
      if (r >= 0 && n > 0 && (p[0].revents & POLLIN))
        break; /* the init exited: no more events will come */
    }
  cgroup_oom_watch_free (w);
  return r < 0 ? r : 0;
}

int
container_events (const char *root, const char *id, bool once, int interval_ms, container_event_fn fn,
                  void *data, struct ocirt_error **err)
{
  _cleanup_container_state_ struct container_state *st = NULL;
  _cleanup_close_ int dirfd = -1;
  enum container_status status;
  int r = open_entry (root, id, 0, &dirfd, &st, &status, err);

  if (r < 0)
    return r;
  if (status == STATUS_STOPPED)
    return ocirt_error_setx (err, EINVAL, "container not running");
  r = need_cgroup (st, err);
  if (r < 0)
    return r;
  if (once)
    return emit_stats (st, fn, data, err);
  return event_loop (st, interval_ms, fn, data, err);
}
