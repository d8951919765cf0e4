/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hand-off.h"
#include "util/cleanup.h"
#include "util/log.h"

static char **saved_argv;

void
hand_off_init (char **argv)
{
  saved_argv = argv;
}

bool
hand_off_can_use_systemd (void)
{
#ifdef OCIRT_STATIC_RUNTIME
  return false;
#else
  return true;
#endif
}

int
hand_off_to_glibc_runtime (const char *why, struct ocirt_error **err)
{
  extern char **environ;
  char self[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
  _cleanup_close_ int dir = -1, fd = -1;
  struct stat exe, mine;
  char *slash;

  /* The glibc runtime is installed beside us, in the directory of our file:
     the one whose entry of our name is the file we run from. (Started
     through the launcher's read-only view, as for create, run and exec, we
     run from a mount of our own and have no neighbour to hand to.) */
  if (n <= 0 || saved_argv == NULL || stat ("/proc/self/exe", &exe) < 0)
    return ocirt_error_set (err, n < 0 ? errno : EINVAL, "%s: find the runtime built with glibc", why);
  self[n] = '\0';
  slash = strrchr (self, '/');
  if (slash == NULL)
    return ocirt_error_setx (err, ENOENT, "%s: find the runtime built with glibc", why);
  *slash = '\0';
  dir = open (slash == self ? "/" : self, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || fstatat (dir, slash + 1, &mine, 0) < 0 || mine.st_dev != exe.st_dev
      || mine.st_ino != exe.st_ino)
    return ocirt_error_setx (err, ENOENT, "%s: the runtime built with glibc is not beside this one", why);
  fd = openat (dir, GLIBC_RUNTIME_NAME, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return ocirt_error_set (err, errno, "%s: open %s/%s", why, self, GLIBC_RUNTIME_NAME);
  log_debug ("%s: handing the command to %s/%s", why, self, GLIBC_RUNTIME_NAME);
  execveat (fd, "", saved_argv, environ, AT_EMPTY_PATH);
  return ocirt_error_set (err, errno, "%s: execute %s/%s", why, self, GLIBC_RUNTIME_NAME);
}
