/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The helper that makes a container's network namespace ahead of the rest. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/ahead-net.h"
#include "util/raw-syscall.h"

bool
ahead_text_wants_net (const char *json, size_t len)
{
  static const char word[] = "\"network\"", path[] = "\"path\"";
  const char *end = json + len;

  for (const char *p = json; (p = memmem (p, (size_t) (end - p), word, sizeof word - 1)) != NULL;
       p += sizeof word - 1)
    {
      /* The object around it, as far as braces tell. */
      const char *open = memrchr (json, '{', (size_t) (p - json));
      const char *close = memchr (p, '}', (size_t) (end - p));
      const char *from = open ? open : json, *to = close ? close : end;
      if (memmem (from, (size_t) (to - from), path, sizeof path - 1) == NULL)
        return true;
    }
  return false;
}

/* --- the helper -------------------------------------------------------------- */

bool
ahead_cpus_besides_ours (cpu_set_t *ret_ours, cpu_set_t *ret_others)
{
  int cpu = sched_getcpu ();

  if (cpu < 0 || sched_getaffinity (0, sizeof *ret_ours, ret_ours) < 0 || !CPU_ISSET (cpu, ret_ours))
    return false;
  *ret_others = *ret_ours;
  CPU_CLR (cpu, ret_others);
  return CPU_COUNT (ret_others) > 0;
}

#if RAW_SYSCALL_AVAILABLE

/* Static: making it costs no mapping, and there is one helper at a time. */
static char helper_stack[64 * 1024] __attribute__ ((aligned (64)));

static __attribute__ ((always_inline)) inline long
send_fd_raw (int sock, int fd)
{
  char byte = 0;
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control
      = { .align
          = { .cmsg_len = CMSG_LEN (sizeof (int)), .cmsg_level = SOL_SOCKET, .cmsg_type = SCM_RIGHTS } };
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf
  };

  *(int *) (void *) CMSG_DATA (&control.align) = fd;
  return raw_syscall4 (SYS_sendmsg, sock, (long) &msg, MSG_NOSIGNAL, 0);
}

/* Runs beside its maker (the runtime, or the launcher until its exec) in
   its memory: only raw system calls, nothing of the C library (its errno
   and locks are the maker's), no sanitizer bookkeeping (the maker's too).
   Whatever fails, it sends nothing, and the init, reading end of file,
   makes the namespace itself. Its fds, copies of the maker's, close as it
   exits. */
__attribute__ ((no_sanitize_address)) static int
net_helper (void *data)
{
  int sock = (int) (intptr_t) data;
  struct ifreq ifr = { .ifr_name = "lo" };
  long s, ns;

  if (raw_syscall4 (SYS_unshare, CLONE_NEWNET, 0, 0, 0) < 0)
    return 1;
  s = raw_syscall4 (SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, 0);
  if (s < 0 || raw_syscall4 (SYS_ioctl, s, SIOCGIFFLAGS, (long) &ifr, 0) < 0)
    return 1;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (raw_syscall4 (SYS_ioctl, s, SIOCSIFFLAGS, (long) &ifr, 0) < 0)
    return 1;
  ns = raw_syscall4 (SYS_openat, AT_FDCWD, (long) "/proc/self/ns/net", O_RDONLY | O_CLOEXEC, 0);
  if (ns < 0)
    return 1;
  return send_fd_raw (sock, (int) ns) < 0;
}

void
ahead_net_begin (struct ahead_net *n)
{
  cpu_set_t ours, others;
  int pair[2];

  /* Sequenced packets: the init reads end of file if nothing comes. */
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
    return;
  n->pid = clone (net_helper, helper_stack + sizeof helper_stack, CLONE_VM | SIGCHLD,
                  (void *) (intptr_t) pair[1]);
  close (pair[1]);
  if (n->pid < 0)
    {
      close (pair[0]);
      return;
    }
  n->fd = pair[0];
  /* Started on this CPU, it would preempt us (a new task runs first) and
     the two would take turns while another CPU idles: moved off ours at
     once. */
  if (ahead_cpus_besides_ours (&ours, &others))
    (void) sched_setaffinity (n->pid, sizeof others, &others);
}

#else

void
ahead_net_begin (struct ahead_net *n)
{
  (void) n; /* no raw system calls here: the init makes the namespace */
}

#endif

void
ahead_net_close (struct ahead_net *n)
{
  if (n->fd >= 0)
    close (n->fd);
  n->fd = -1;
}

void
ahead_net_release (struct ahead_net *n)
{
  ahead_net_close (n);
  if (n->pid > 0)
    while (waitpid (n->pid, NULL, 0) < 0 && errno == EINTR)
      ;
  n->pid = -1;
}

/* --- from the launcher to the runtime --------------------------------------- */

bool
ahead_net_hand_over (const struct ahead_net *n)
{
  char v[32];

  if (n->fd < 0 || n->pid <= 0 || fcntl (n->fd, F_SETFD, 0) < 0)
    return false;
  snprintf (v, sizeof v, "%d:%d", n->fd, (int) n->pid);
  if (setenv (AHEAD_NET_ENV, v, 1) == 0)
    return true;
  (void) fcntl (n->fd, F_SETFD, FD_CLOEXEC);
  return false;
}

/* A child of ours, exited or not (not reaped). */
static bool
is_our_child (pid_t pid)
{
  siginfo_t si;

  return waitid (P_PID, (id_t) pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/* A sequenced-packet socket made by this very process (before its exec:
   the launcher), as its peer's credentials tell for a socketpair. */
static bool
is_our_seqpacket_socket (int fd)
{
  struct ucred peer = { 0 };
  struct stat st;
  int type = 0;
  socklen_t len = sizeof type, plen = sizeof peer;

  return fstat (fd, &st) == 0 && S_ISSOCK (st.st_mode)
         && getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_SEQPACKET
         && getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &peer, &plen) == 0 && peer.pid == getpid ();
}

void
ahead_net_adopt (struct ahead_net *ret)
{
  const char *v = getenv (AHEAD_NET_ENV);
  long fd, pid;
  char *end;
  bool parsed;

  *ret = AHEAD_NET_NONE;
  if (v == NULL)
    return;
  errno = 0;
  fd = strtol (v, &end, 10);
  pid = *end == ':' ? strtol (end + 1, &end, 10) : -1;
  parsed = errno == 0 && *end == '\0';
  /* Read before: the C library may free the string with the variable. */
  unsetenv (AHEAD_NET_ENV);
  if (!parsed || fd < 3 || fd > INT32_MAX || pid <= 0 || pid > INT32_MAX || !is_our_child ((pid_t) pid)
      || !is_our_seqpacket_socket ((int) fd) || fcntl ((int) fd, F_SETFD, FD_CLOEXEC) < 0)
    return;
  *ret = (struct ahead_net){ .pid = (pid_t) pid, .fd = (int) fd };
}

void
ahead_net_release_unclaimed (void)
{
  struct ahead_net n;

  ahead_net_adopt (&n);
  ahead_net_release (&n);
}
