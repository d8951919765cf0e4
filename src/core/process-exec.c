/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/process-exec.h"

int
process_change_user (const struct oci_user *user, bool in_userns_without_setgroups, struct ocirt_error **err)
{
  _cleanup_free_ gid_t *groups = NULL;
  uid_t uid = user ? user->uid : 0;
  gid_t gid = user ? user->gid : 0;
  size_t ngroups = user ? user->additional_gids_len : 0;

  if (in_userns_without_setgroups)
    {
      /* "deny" in /proc/PID/setgroups: the host groups cannot be dropped
         either, so quietly running without the requested ones would lie. */
      if (ngroups > 0)
        return ocirt_error_setx (
            err, EPERM,
            "process.user.additionalGids: cannot set additional groups: setgroups is denied "
            "in the user namespace");
    }
  else
    {
      if (ngroups > 0)
        {
          groups = calloc (ngroups, sizeof (gid_t));
          if (groups == NULL)
            return ocirt_error_set (err, ENOMEM, "process.user.additionalGids");
          for (size_t i = 0; i < ngroups; i++)
            groups[i] = user->additional_gids[i];
        }
      /* Also with no additionalGids: the runtime's own groups must not leak in. */
      if (setgroups (ngroups, groups) < 0)
        return ocirt_error_set (err, errno, "process.user.additionalGids: setgroups");
    }
  /* Keep the permitted set across setresuid away from 0; capability_apply
     then sets the configured sets and clears the flag. */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return ocirt_error_set (err, errno, "prctl (PR_SET_KEEPCAPS)");
  if (setresgid (gid, gid, gid) < 0)
    return ocirt_error_set (err, errno, "process.user.gid: setresgid (%u)", (unsigned) gid);
  if (setresuid (uid, uid, uid) < 0)
    return ocirt_error_set (err, errno, "process.user.uid: setresuid (%u)", (unsigned) uid);
  /* runc applies 0022 when no umask is configured; callers rely on it. */
  umask (user && user->umask_present ? (mode_t) (user->umask & 07777) : 0022);
  return 0;
}

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *
env_lookup (char *const envp[], const char *name)
{
  size_t len = strlen (name);

  for (size_t i = 0; envp && envp[i]; i++)
    if (strncmp (envp[i], name, len) == 0 && envp[i][len] == '=')
      return envp[i] + len + 1;
  return NULL;
}

/* 0 if `path` names something execve may run, else -errno (EACCES for a
   directory or a file without any execute bit, as Go's exec.LookPath). */
static int
check_executable (const char *path)
{
  struct stat st;

  if (stat (path, &st) < 0)
    return -errno;
  if (S_ISDIR (st.st_mode) || (st.st_mode & 0111) == 0)
    return -EACCES;
  return 0;
}

static int
resolve_path (const char *file, char **ret_path, struct ocirt_error **err)
{
  char msg[128];
  int r = check_executable (file);

  if (r == -EACCES)
    return ocirt_error_setx (err, EACCES, "exec: \"%s\": permission denied", file);
  if (r < 0)
    {
      ocirt_strerror_go (-r, msg, sizeof msg);
      return ocirt_error_setx (err, -r, "exec: \"%s\": stat %s: %s", file, file, msg);
    }
  *ret_path = strdup (file);
  return *ret_path ? 0 : ocirt_error_set (err, ENOMEM, "exec");
}

int
process_resolve_executable (const char *file, char *const envp[], char **ret_path, struct ocirt_error **err)
{
  _cleanup_free_ char *copy = NULL;
  const char *path;
  char *saveptr = NULL;

  if (file == NULL)
    file = "";
  if (strchr (file, '/'))
    return resolve_path (file, ret_path, err);
  path = env_lookup (envp, "PATH");
  copy = strdup (path ? path : DEFAULT_PATH);
  if (copy == NULL)
    return ocirt_error_set (err, ENOMEM, "exec");
  for (char *dir = strtok_r (copy, ":", &saveptr); *file && dir; dir = strtok_r (NULL, ":", &saveptr))
    {
      _cleanup_free_ char *candidate = NULL;

      /* Relative entries would resolve against the cwd: Go refuses them
         (ErrDot) and so do we, by skipping. */
      if (dir[0] != '/')
        continue;
      if (asprintf (&candidate, "%s/%s", dir, file) < 0)
        return ocirt_error_set (err, ENOMEM, "exec");
      if (check_executable (candidate) == 0)
        {
          *ret_path = TAKE_PTR (candidate);
          return 0;
        }
    }
  return ocirt_error_setx (err, ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
}

int
process_chdir (const char *cwd, struct ocirt_error **err)
{
  _cleanup_free_ char *wd = NULL;

  if (cwd == NULL)
    return 0;
  if (chdir (cwd) < 0)
    return ocirt_error_set (err, errno, "process.cwd: chdir `%s`", cwd);
  /* CVE-2024-21626: a cwd such as /proc/self/fd/N reaching a directory fd
     leaked from the host lands outside the root; the kernel then reports the
     path as "(unreachable)/…", which glibc turns into ENOENT. */
  wd = getcwd (NULL, 0);
  if (wd == NULL && errno != ENOENT)
    return ocirt_error_set (err, errno, "process.cwd: getcwd after chdir `%s`", cwd);
  if (wd == NULL || wd[0] != '/')
    return ocirt_error_setx (
        err, EPERM,
        "process.cwd: `%s` is outside of the container's root: possible container breakout, "
        "operation not permitted",
        cwd);
  return 0;
}

static int
set_cloexec (int fd)
{
  int flags = fcntl (fd, F_GETFD);

  if (flags < 0)
    return errno == EBADF ? 0 : -errno;
  if (flags & FD_CLOEXEC)
    return 0;
  return fcntl (fd, F_SETFD, flags | FD_CLOEXEC) < 0 ? -errno : 0;
}

/* For kernels before 5.11 (no CLOSE_RANGE_CLOEXEC): each open fd from
   /proc/self/fd, or every number up to RLIMIT_NOFILE without /proc. */
static int
close_fds_fallback (int first, struct ocirt_error **err)
{
  _cleanup_closedir_ DIR *dir = opendir ("/proc/self/fd");
  struct dirent *de;
  struct rlimit rl;

  if (dir == NULL)
    {
      if (getrlimit (RLIMIT_NOFILE, &rl) < 0)
        return ocirt_error_set (err, errno, "getrlimit (RLIMIT_NOFILE)");
      for (rlim_t fd = (rlim_t) first; fd < rl.rlim_cur && fd < (1 << 20); fd++)
        if (set_cloexec ((int) fd) < 0)
          return ocirt_error_set (err, errno, "mark fd %d close-on-exec", (int) fd);
      return 0;
    }
  while ((errno = 0, de = readdir (dir)) != NULL)
    {
      char *end;
      long fd = strtol (de->d_name, &end, 10);

      if (*end != '\0' || end == de->d_name || fd < first || fd == dirfd (dir))
        continue;
      if (set_cloexec ((int) fd) < 0)
        return ocirt_error_set (err, errno, "mark fd %ld close-on-exec", fd);
    }
  if (errno != 0)
    return ocirt_error_set (err, errno, "read /proc/self/fd");
  return 0;
}

int
process_close_fds (int first_keep_fd_end, struct ocirt_error **err)
{
  if (first_keep_fd_end < 3)
    first_keep_fd_end = 3;
  if (close_range ((unsigned) first_keep_fd_end, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  if (errno != ENOSYS && errno != EINVAL)
    return ocirt_error_set (err, errno, "close_range (%d, CLOSE_RANGE_CLOEXEC)", first_keep_fd_end);
  return close_fds_fallback (first_keep_fd_end, err);
}
