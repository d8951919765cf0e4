/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup.h"
#include "util/log.h"

/* The processes of a container's cgroup: freezing, listing, killing them,
   and removing the cgroup once they are gone. */

#define WAIT_MS 2000        /* for processes to leave before rmdir gives up */
#define FREEZE_WAIT_MS 5000 /* a freeze waits for tasks in uninterruptible sleep */

static int64_t
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms (int ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

  (void) nanosleep (&ts, NULL);
}

/* v1 freezer if there is one (the v2 freezer cannot freeze tasks a v1
   freezer thaws on a hybrid host), else cgroup2's. */
static int
freezer_index (const struct cgroup_layout *l)
{
  int i = cgroup_layout_v1_index (l, "freezer");

  return i >= 0 ? i : l->v2;
}

/* Where every process of the container is listed. */
static int
procs_index (const struct cgroup_layout *l)
{
  if (l->v2 >= 0)
    return l->v2;
  if (freezer_index (l) >= 0)
    return freezer_index (l);
  for (size_t i = 0; i < l->n; i++)
    if (strncmp (l->h[i].key, "name=", 5) != 0)
      return (int) i;
  return l->n ? 0 : -1;
}

/* Opens the container's cgroup in hierarchy `which`; *ret_path is its path. */
static int
open_in (const char *ident, int which, const struct cgroup_layout **ret_l, char **ret_path,
         struct ocirt_error **err)
{
  const struct cgroup_layout *l;
  char **paths = NULL;
  int r = cgroup_layout_get (&l, err), fd;

  if (r < 0)
    return r;
  *ret_l = l;
  if (which < 0)
    return ocirt_error_setx (err, ENOTSUP, "no cgroup hierarchy for this operation on this host");
  r = cgroup_paths_parse (l, ident, &paths, err);
  if (r < 0)
    return r;
  if (paths[which] == NULL)
    fd = ocirt_error_setx (err, ENOENT, "cgroup `%s` has no directory in `%s`", ident, l->h[which].mount);
  else
    fd = cgroup_hier_open (l, (size_t) which, paths[which], 0, err);
  if (fd >= 0 && ret_path)
    *ret_path = TAKE_PTR (paths[which]);
  cgroup_paths_free (paths, l->n);
  return fd;
}

/* The last line of a file (test trees append each write). */
static char *
last_line (int dirfd, const char *file)
{
  _cleanup_free_ char *text = NULL;
  char *nl;

  if (cgroup_read (dirfd, file, &text) < 0)
    return NULL;
  nl = strrchr (text, '\n');
  return strdup (nl ? nl + 1 : text);
}

static bool
is_frozen_fd (const struct cgroup_layout *l, int which, int fd)
{
  _cleanup_free_ char *state = last_line (fd, l->h[which].v2 ? "cgroup.freeze" : "freezer.state");

  return state && strcmp (state, l->h[which].v2 ? "1" : "FROZEN") == 0;
}

bool
cgroup_is_frozen (const char *path)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  const struct cgroup_layout *l = NULL;
  _cleanup_close_ int fd = -1;
  int which;

  if (path == NULL || cgroup_layout_get (&l, &err) < 0)
    return false;
  which = freezer_index (l);
  fd = open_in (path, which, &l, NULL, &err);
  return fd >= 0 && is_frozen_fd (l, which, fd);
}

/* v2 tells through cgroup.events (poll() wakes with POLLPRI on a change). */
static int
wait_v2_frozen (int fd, bool frozen, const char *path, struct ocirt_error **err)
{
  _cleanup_close_ int ev = openat (fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  int64_t deadline = now_ms () + FREEZE_WAIT_MS;
  uint64_t value = 0;

  while (cgroup_read_keyed (fd, "cgroup.events", "frozen", &value) == 0 && (value != 0) != frozen)
    {
      struct pollfd p = { .fd = ev, .events = POLLPRI };
      int64_t left = deadline - now_ms ();
      if (left <= 0)
        return ocirt_error_setx (err, ETIMEDOUT, "cgroup `%s` did not %s in time", path,
                                 frozen ? "freeze" : "thaw");
      (void) poll (&p, 1, (int) (left < 100 ? left : 100));
    }
  return 0;
}

/* v1 has no notification: re-read freezer.state, writing FROZEN again as
   the kernel documentation asks while it says FREEZING. */
static int
wait_v1_frozen (const struct cgroup_layout *l, int fd, bool frozen, const char *path,
                struct ocirt_error **err)
{
  const char *want = frozen ? "FROZEN" : "THAWED";
  int64_t deadline = now_ms () + FREEZE_WAIT_MS;

  for (int delay = 1;; delay = delay < 10 ? delay * 2 : 10)
    {
      _cleanup_free_ char *state = last_line (fd, "freezer.state");
      if (state && strcmp (state, want) == 0)
        return 0;
      if (now_ms () > deadline)
        return ocirt_error_setx (err, ETIMEDOUT, "cgroup `%s` did not %s in time (freezer.state: %s)", path,
                                 frozen ? "freeze" : "thaw", state ? state : "?");
      sleep_ms (delay);
      if (cgroup_write (l, fd, path, "freezer.state", want, err) < 0)
        return -(*err)->code;
    }
}

int
cgroup_freeze (const char *path, bool frozen, struct ocirt_error **err)
{
  _cleanup_free_ char *hpath = NULL;
  const struct cgroup_layout *l = NULL;
  _cleanup_close_ int fd = -1;
  int which, r;

  r = cgroup_layout_get (&l, err);
  if (r < 0)
    return r;
  which = freezer_index (l);
  fd = open_in (path, which, &l, &hpath, err);
  if (fd < 0)
    return fd;
  if (l->h[which].v2)
    r = cgroup_write (l, fd, hpath, "cgroup.freeze", frozen ? "1" : "0", err);
  else
    r = cgroup_write (l, fd, hpath, "freezer.state", frozen ? "FROZEN" : "THAWED", err);
  if (r < 0 || l->test_mode)
    return r;
  return l->h[which].v2 ? wait_v2_frozen (fd, frozen, hpath, err)
                        : wait_v1_frozen (l, fd, frozen, hpath, err);
}

int
cgroup_pids (const char *path, pid_t **ret, size_t *ret_len, struct ocirt_error **err)
{
  const struct cgroup_layout *l = NULL;
  _cleanup_close_ int fd = -1;
  _cleanup_error_ struct ocirt_error *ignored = NULL;
  pid_t *pids = NULL;
  size_t n = 0;
  int r;

  r = cgroup_layout_get (&l, err);
  if (r < 0)
    return r;
  fd = open_in (path, procs_index (l), &l, NULL, err);
  if (fd < 0)
    return fd;
  r = cgroup_collect_pids (fd, &pids, &n);
  if (r < 0)
    {
      free (pids);
      return ocirt_error_set (err, -r, "read the processes of cgroup `%s`", path);
    }
  *ret = pids;
  *ret_len = n;
  return 0;
}

/* cgroup.kill (Linux 5.14) kills the whole subtree at once, atomically
   against forks; returns 1 when it did. */
static int
kill_v2 (const char *path, struct ocirt_error **err)
{
  _cleanup_error_ struct ocirt_error *ignored = NULL;
  _cleanup_free_ char *hpath = NULL;
  const struct cgroup_layout *l = NULL;
  _cleanup_close_ int fd = -1;

  if (cgroup_layout_get (&l, &ignored) < 0 || l->v2 < 0)
    return 0;
  fd = open_in (path, l->v2, &l, &hpath, &ignored);
  if (fd < 0 || (!l->test_mode && faccessat (fd, "cgroup.kill", F_OK, 0) < 0))
    return 0;
  return cgroup_write (l, fd, hpath, "cgroup.kill", "1", err) < 0 ? -(*err)->code : 1;
}

/* cgroup_pids, with a cgroup that is not there counted as empty: one that a
   killed `create` left half made (no process enters it before it is
   complete), or one already removed. */
static int
pids_or_none (const char *path, pid_t **ret, size_t *ret_len, struct ocirt_error **err)
{
  int r = cgroup_pids (path, ret, ret_len, err);

  if (r != -ENOENT)
    return r;
  ocirt_error_free (*err);
  *err = NULL;
  *ret_len = 0;
  return 0;
}

int
cgroup_kill_all (const char *path, int sig, struct ocirt_error **err)
{
  _cleanup_error_ struct ocirt_error *ferr = NULL;
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  bool frozen;
  int r;

  if (sig == SIGKILL && (r = kill_v2 (path, err)) != 0)
    {
      /* On a hybrid host the v1 freezer may hold them: a frozen process
         never acts on its SIGKILL. */
      if (r > 0 && cgroup_is_frozen (path))
        r = cgroup_freeze (path, false, err);
      return r < 0 ? r : 0;
    }
  /* Empty (the usual case once an init with its own pid namespace died),
     nobody inside can fork: no freeze, which on v1 flips a kernel static
     key, an interrupt to every CPU, twice. */
  r = pids_or_none (path, &pids, &n, err);
  if (r < 0 || n == 0)
    return r;
  /* Frozen, nothing can fork a process we would miss. */
  frozen = cgroup_freeze (path, true, &ferr) == 0;
  if (!frozen)
    log_debug ("%s: killing without freezing", ferr->msg);
  free (TAKE_PTR (pids));
  r = pids_or_none (path, &pids, &n, err);
  for (size_t i = 0; r == 0 && i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      r = ocirt_error_set (err, errno, "send signal %d to process %d", sig, (int) pids[i]);
  if (frozen && cgroup_freeze (path, false, r < 0 ? &ferr : err) < 0 && r == 0)
    r = -(*err)->code;
  return r;
}

/* Removes the files a test tree holds (real cgroup directories hold only
   kernel files, which rmdir takes along). */
static void
clear_test_files (int fd)
{
  _cleanup_closedir_ DIR *d = NULL;
  int dup_fd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
  struct dirent *de;

  if (dup_fd < 0 || (d = fdopendir (dup_fd)) == NULL)
    {
      if (dup_fd >= 0)
        close (dup_fd);
      return;
    }
  while ((de = readdir (d)) != NULL)
    if (de->d_type == DT_REG)
      (void) unlinkat (fd, de->d_name, 0);
}

static void
wait_emptier (int fd, bool v2, int64_t left)
{
  if (v2)
    {
      _cleanup_close_ int ev = openat (fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
      struct pollfd p = { .fd = ev, .events = POLLPRI };
      uint64_t populated;
      if (ev >= 0 && cgroup_read_keyed (fd, "cgroup.events", "populated", &populated) == 0 && populated)
        {
          (void) poll (&p, 1, (int) (left < 100 ? left : 100));
          return;
        }
    }
  sleep_ms (left < 10 ? (int) left : 10);
}

/* rmdir of `name` below `parent`, sub-cgroups first (the container may have
   made some), waiting up to `deadline` for exiting processes to leave. */
static int
remove_cgroup (const struct cgroup_layout *l, int parent, const char *name, bool v2, int64_t deadline)
{
  _cleanup_close_ int fd = -1;
  _cleanup_closedir_ DIR *d = NULL;
  struct dirent *de;
  int r, dfd;

  /* Usually it goes at once: a real cgroup holds only kernel files, and
     seldom a cgroup of its own. */
  if (!l->test_mode && unlinkat (parent, name, AT_REMOVEDIR) == 0)
    return 0;
  fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : -errno;
  dfd = openat (fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || (d = fdopendir (dfd)) == NULL)
    return -errno;
  while ((de = readdir (d)) != NULL)
    if (de->d_type == DT_DIR && strcmp (de->d_name, ".") && strcmp (de->d_name, "..")
        && (r = remove_cgroup (l, fd, de->d_name, v2, deadline)) < 0)
      return r;
  if (l->test_mode)
    clear_test_files (fd);
  while (unlinkat (parent, name, AT_REMOVEDIR) < 0)
    {
      int64_t left = deadline - now_ms ();
      if (errno == ENOENT)
        return 0;
      if (errno != EBUSY || left <= 0)
        return -errno;
      wait_emptier (fd, v2, left);
    }
  return 0;
}

static int
destroy_in (const struct cgroup_layout *l, size_t i, const char *path, int64_t deadline,
            struct ocirt_error **err)
{
  const char *rel = cgroup_hier_relpath (&l->h[i], path);
  _cleanup_free_ char *parent = NULL;
  _cleanup_close_ int pfd = -1;
  const char *slash = strrchr (rel, '/');
  int r;

  if (strcmp (rel, ".") == 0)
    return 0; /* never the root of a hierarchy */
  parent = slash ? strndup (rel, (size_t) (slash - rel)) : strdup (".");
  if (parent == NULL)
    return ocirt_error_set (err, ENOMEM, "cgroup");
  pfd = cgroup_hier_open (l, i, parent, 0, err);
  if (pfd == -ENOENT)
    {
      ocirt_error_free (*err);
      *err = NULL;
      return 0;
    }
  if (pfd < 0)
    return pfd;
  r = remove_cgroup (l, pfd, slash ? slash + 1 : rel, l->h[i].v2, deadline);
  if (r < 0)
    return ocirt_error_set (err, -r, "remove cgroup `%s` in `%s`", path, l->h[i].mount);
  return 0;
}

int
cgroup_destroy (const char *path, struct ocirt_error **err)
{
  const struct cgroup_layout *l;
  char **paths = NULL;
  int64_t deadline = now_ms () + WAIT_MS;
  int r = cgroup_layout_get (&l, err);

  if (r < 0)
    return r;
  /* Frozen v1 tasks cannot even die: thaw first. */
  if (cgroup_is_frozen (path))
    {
      _cleanup_error_ struct ocirt_error *ignored = NULL;
      (void) cgroup_freeze (path, false, &ignored);
    }
  r = cgroup_paths_parse (l, path, &paths, err);
  for (size_t i = 0; r == 0 && i < l->n; i++)
    if (paths[i])
      r = destroy_in (l, i, paths[i], deadline, err);
  if (paths)
    cgroup_paths_free (paths, l->n);
  return r;
}
