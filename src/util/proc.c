/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "proc.h"

/* include/linux/sched.h */
#define PF_EXITING 0x00000004UL

int
proc_stat_parse (const char *text, uint64_t *ret_start)
{
  /* Fields 3 (state) to 31 (signal), after the command name. */
  enum
  {
    STATE = 3,
    FLAGS = 9,
    STARTTIME = 22,
    SIGNAL = 31
  };
  unsigned long long flags = 0, start = 0, pending = 0;
  char state = 0;
  const char *p = strrchr (text, ')');
  int field = STATE;

  /* comm (field 2) may hold spaces and parentheses: skip to the last ')'. */
  if (p == NULL)
    return -EIO;
  for (p++; field <= SIGNAL; field++)
    {
      char *end;
      while (*p == ' ')
        p++;
      if (*p == '\0')
        return -EIO;
      if (field == STATE)
        {
          state = *p;
          end = (char *) p + 1;
        }
      else
        {
          unsigned long long v = strtoull (p, &end, 10);
          if (end == p)
            return -EIO;
          if (field == FLAGS)
            flags = v;
          else if (field == STARTTIME)
            start = v;
          else if (field == SIGNAL)
            pending = v;
        }
      p = end;
    }
  *ret_start = start;
  if (state == 'Z' || state == 'X' || (flags & PF_EXITING) || (pending & (1ULL << (SIGKILL - 1))))
    return -ESRCH;
  return 0;
}

int
proc_start_time (pid_t pid, uint64_t *ret_start)
{
  char path[64], buf[1024];
  _cleanup_close_ int fd = -1;
  ssize_t n;

  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? -ESRCH : -errno;
  n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return n < 0 ? -errno : -ESRCH;
  buf[n] = '\0';
  return proc_stat_parse (buf, ret_start);
}

bool
proc_alive (pid_t pid, uint64_t start)
{
  uint64_t now;

  if (pid <= 0)
    return false;
  return proc_start_time (pid, &now) == 0 && now == start;
}

static int
pidfd_open_identified (pid_t pid, uint64_t start, bool going_too)
{
  _cleanup_close_ int fd = -1;
  uint64_t now = 0;
  int r;

  if (pid <= 0)
    return -ESRCH;
  fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return -errno;
  /* The pidfd pins the process: check its identity after opening it. A
     start time read with -ESRCH is a process on its way out. */
  r = proc_start_time (pid, &now);
  if (r == -ESRCH && going_too)
    r = 0;
  if (r < 0 || now == 0 || now != start)
    return -ESRCH;
  return TAKE_FD (fd);
}

int
proc_pidfd_open_checked (pid_t pid, uint64_t start)
{
  return pidfd_open_identified (pid, start, false);
}

int
proc_pidfd_open_to_wait (pid_t pid, uint64_t start)
{
  return pidfd_open_identified (pid, start, true);
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
