/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How a process gets into the container's cgroup: moved by pid, or, for the
   init, born in it (cgroup2) and moving itself (v1). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup.h"
#include "util/fdpass.h"

/* Worded as runc's message: callers and runc's tests match " adding pid ". */
int
cgroup_enter (const char *ident, pid_t pid, struct ocirt_error **err)
{
  const struct cgroup_layout *l;
  char **paths = NULL;
  int r = cgroup_layout_get (&l, err);

  if (r == 0)
    r = cgroup_paths_parse (l, ident, &paths, err);
  for (size_t i = 0; r == 0 && i < l->n; i++)
    {
      _cleanup_close_ int fd = -1;
      char why[128];
      if (paths[i] == NULL)
        continue;
      fd = cgroup_hier_open (l, i, paths[i], 0, err);
      r = fd < 0 ? fd : cgroup_writef (l, fd, paths[i], "cgroup.procs", err, "%d", pid);
      if (r == 0)
        continue;
      ocirt_strerror_go (-r, why, sizeof why);
      ocirt_error_free (*err);
      *err = NULL;
      r = ocirt_error_setx (err, -r, "adding pid %d to cgroups: %s %s/%s/cgroup.procs: %s", pid,
                            fd < 0 ? "open" : "write", l->h[i].mount,
                            cgroup_hier_relpath (&l->h[i], paths[i]), why);
    }
  if (paths)
    cgroup_paths_free (paths, l->n);
  return r;
}

int
cgroup_join_add (struct cgroup_join *j, const struct cgroup_layout *l, size_t i, int dirfd, const char *path,
                 struct ocirt_error **err)
{
  struct cgroup_join_file *grown;
  int fd;

  if (l->h[i].v2)
    {
      fd = fcntl (dirfd, F_DUPFD_CLOEXEC, 3);
      if (fd < 0)
        return ocirt_error_set (err, errno, "cgroup `%s` in %s", path, l->h[i].mount);
      cleanup_closep (&j->v2_fd);
      j->v2_fd = fd;
      return 0;
    }
  fd = openat (dirfd, "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW | (l->test_mode ? O_CREAT | O_APPEND : 0),
               0644);
  if (fd < 0)
    return ocirt_error_set (err, errno, "open %s/%s/tasks", l->h[i].mount,
                            cgroup_hier_relpath (&l->h[i], path));
  grown = realloc (j->v1, (j->n_v1 + 1) * sizeof *j->v1);
  if (grown == NULL)
    {
      close (fd);
      return ocirt_error_set (err, ENOMEM, "cgroup");
    }
  j->v1 = grown;
  j->v1[j->n_v1++] = (struct cgroup_join_file){ .fd = fd, .hier = i };
  return 0;
}

int
cgroup_join_prepare (const char *ident, struct cgroup_join *ret, struct ocirt_error **err)
{
  const struct cgroup_layout *l;
  char **paths = NULL;
  struct cgroup_join j = { .v2_fd = -1 };
  int r = cgroup_layout_get (&l, err);

  if (r == 0)
    r = cgroup_paths_parse (l, ident, &paths, err);
  for (size_t i = 0; r == 0 && i < l->n; i++)
    {
      _cleanup_close_ int dirfd = -1;
      if (paths[i] == NULL)
        continue;
      dirfd = cgroup_hier_open (l, i, paths[i], 0, err);
      r = dirfd < 0 ? dirfd : cgroup_join_add (&j, l, i, dirfd, paths[i], err);
    }
  if (paths)
    cgroup_paths_free (paths, l->n);
  if (r < 0)
    {
      cgroup_join_release (&j);
      return r;
    }
  *ret = j;
  return 0;
}

int
cgroup_join_self (struct cgroup_join *j, struct ocirt_error **err)
{
  const struct cgroup_layout *l;
  int r = cgroup_layout_get (&l, err);

  for (size_t k = 0; r == 0 && k < j->n_v1; k++)
    if (write (j->v1[k].fd, "0", 1) != 1)
      r = ocirt_error_set (err, errno, "join the container's cgroup in %s", l->h[j->v1[k].hier].mount);
  cgroup_join_release (j);
  return r;
}

int
cgroup_member_text (const char *ident, char **ret, struct ocirt_error **err)
{
  const struct cgroup_layout *l;
  char **paths = NULL;
  char *text = NULL;
  size_t size = 0;
  FILE *f;
  int r = cgroup_layout_get (&l, err);

  if (r == 0)
    r = cgroup_paths_parse (l, ident, &paths, err);
  if (r < 0)
    return r;
  f = open_memstream (&text, &size);
  for (size_t i = 0; f && i < l->n; i++)
    if (!l->h[i].v2)
      fprintf (f, "%zu:%s:%s\n", i + 1, l->h[i].key, paths[i] ? paths[i] : l->h[i].own);
  cgroup_paths_free (paths, l->n);
  if (f == NULL || fclose (f) != 0)
    {
      free (text);
      return ocirt_error_set (err, ENOMEM, "cgroup");
    }
  *ret = text;
  return 0;
}

void
cgroup_join_release (struct cgroup_join *j)
{
  for (size_t k = 0; k < j->n_v1; k++)
    close (j->v1[k].fd);
  free (j->v1);
  j->v1 = NULL;
  j->n_v1 = 0;
  cleanup_closep (&j->v2_fd);
}

pid_t
cgroup_clone3 (struct clone_args *args, const struct cgroup_join *j, bool *joins_itself)
{
  pid_t pid;

  if (j->v2_fd >= 0)
    {
      args->flags |= CLONE_INTO_CGROUP;
      args->cgroup = (uint64_t) j->v2_fd;
    }
  pid = (pid_t) syscall (SYS_clone3, args, sizeof *args);
  if (pid < 0 && (args->flags & CLONE_INTO_CGROUP)
      && (errno == EINVAL || errno == E2BIG || errno == EOPNOTSUPP))
    {
      /* A kernel without CLONE_INTO_CGROUP (before 5.7): the caller moves
         the child by pid. Cleared before the clone, so the child sees it. */
      args->flags &= ~(uint64_t) CLONE_INTO_CGROUP;
      *joins_itself = false;
      pid = (pid_t) syscall (SYS_clone3, args, sizeof *args);
    }
  return pid;
}

/* One datagram: the hierarchy of each file, the files attached. */
int
cgroup_join_send (int sock, const struct cgroup_join *j, struct ocirt_error **err)
{
  uint32_t hier[FDPASS_MAX + 1] = { (uint32_t) j->n_v1 };
  int fds[FDPASS_MAX];
  int r;

  if (j->n_v1 > FDPASS_MAX)
    return ocirt_error_setx (err, E2BIG, "too many cgroup hierarchies");
  for (size_t k = 0; k < j->n_v1; k++)
    {
      hier[k + 1] = (uint32_t) j->v1[k].hier;
      fds[k] = j->v1[k].fd;
    }
  r = fdpass_send_many (sock, hier, (j->n_v1 + 1) * sizeof *hier, fds, j->n_v1);
  return r < 0 ? ocirt_error_set (err, -r, "sync: send the cgroup files") : 0;
}

int
cgroup_join_receive (int sock, struct cgroup_join *ret, struct ocirt_error **err)
{
  uint32_t hier[FDPASS_MAX + 1];
  int fds[FDPASS_MAX];
  const struct cgroup_layout *l;
  size_t len, n;
  struct cgroup_join j = { .v2_fd = -1 };
  bool valid;
  int r = cgroup_layout_get (&l, err);

  if (r < 0)
    return r;
  r = fdpass_receive_many (sock, hier, sizeof hier, &len, fds, FDPASS_MAX, &n);
  if (r < 0)
    return ocirt_error_set (err, -r, "sync: receive the cgroup files");
  valid = len == (n + 1) * sizeof *hier && hier[0] == n;
  for (size_t k = 0; valid && k < n; k++)
    valid = hier[k + 1] < l->n;
  if (!valid || (n && (j.v1 = calloc (n, sizeof *j.v1)) == NULL))
    {
      for (size_t k = 0; k < n; k++)
        close (fds[k]);
      return ocirt_error_setx (err, EBADMSG, "sync: malformed cgroup files");
    }
  for (size_t k = 0; k < n; k++)
    j.v1[k] = (struct cgroup_join_file){ .fd = fds[k], .hier = hier[k + 1] };
  j.n_v1 = n;
  *ret = j;
  return 0;
}
