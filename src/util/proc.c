/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "proc.h"

int
proc_start_time (pid_t pid, uint64_t *ret_start)
{
  char path[64], buf[1024], state;
  _cleanup_close_ int fd = -1;
  const char *p;
  unsigned long long start;
  ssize_t n;

  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? -ESRCH : -errno;
  n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return n < 0 ? -errno : -ESRCH;
  buf[n] = '\0';
  /* comm (field 2) may hold spaces and parentheses: skip to the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL)
    return -EIO;
  /* After ")": field 3 (state) ... field 22 (starttime): 19 fields on. */
  if (sscanf (p + 1, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
              &state, &start)
      != 2)
    return -EIO;
  if (state == 'Z' || state == 'X')
    return -ESRCH;
  *ret_start = start;
  return 0;
}

bool
proc_alive (pid_t pid, uint64_t start)
{
  uint64_t now;

  if (pid <= 0)
    return false;
  return proc_start_time (pid, &now) == 0 && now == start;
}

int
proc_pidfd_open_checked (pid_t pid, uint64_t start)
{
  _cleanup_close_ int fd = -1;

  if (pid <= 0)
    return -ESRCH;
  fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return -errno;
  /* The pidfd pins the process: check its identity after opening it. */
  if (!proc_alive (pid, start))
    return -ESRCH;
  return TAKE_FD (fd);
}

int
proc_pidfd_wait (int pidfd, int timeout_ms)
{
  struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
  int r;

  do
    r = poll (&pfd, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return -errno;
  return r == 0 ? -ETIMEDOUT : 0;
}
