/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "container-internal.h"
#include "util/fs.h"

/* The signals a foreground `run` passes on to the container, as runc does;
   SIGCHLD tells us the init exited. */
static const int forwarded_signals[] = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
                                         SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGALRM };

static int
block_signals (sigset_t *set, sigset_t *saved, struct ocirt_error **err)
{
  sigemptyset (set);
  sigaddset (set, SIGCHLD);
  for (size_t i = 0; i < ARRAY_SIZE (forwarded_signals); i++)
    sigaddset (set, forwarded_signals[i]);
  if (sigprocmask (SIG_BLOCK, set, saved) < 0)
    return ocirt_error_set (err, errno, "block signals");
  return 0;
}

static void
copy_winsize (int from, int to)
{
  struct winsize ws;

  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    (void) ioctl (to, TIOCSWINSZ, &ws);
}

static void
terminal_enter_raw (struct foreground *l)
{
  struct termios raw;

  if (!isatty (STDIN_FILENO) || tcgetattr (STDIN_FILENO, &l->saved) < 0)
    return;
  raw = l->saved;
  cfmakeraw (&raw);
  l->raw = tcsetattr (STDIN_FILENO, TCSANOW, &raw) == 0;
  copy_winsize (STDIN_FILENO, l->pty);
}

/* Copies what is readable on `from` to `to`; false at EOF or error. */
static bool
pump (int from, int to)
{
  char buf[8192];
  ssize_t n = read (from, buf, sizeof buf);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  return fs_write_full (to, buf, (size_t) n) == 0;
}

/* Returns true once the init has exited (status in *ret_status). */
static bool
handle_signal (struct foreground *l, int *ret_status)
{
  struct signalfd_siginfo si;
  int status;

  if (read (l->sigfd, &si, sizeof si) != sizeof si)
    return false;
  if (si.ssi_signo == SIGCHLD)
    {
      if (waitpid (l->pid, &status, WNOHANG) != l->pid)
        return false;
      *ret_status = WIFSIGNALED (status) ? 128 + WTERMSIG (status) : WEXITSTATUS (status);
      return true;
    }
  if (si.ssi_signo == SIGWINCH && l->pty >= 0)
    copy_winsize (STDIN_FILENO, l->pty);
  else
    (void) syscall (SYS_pidfd_send_signal, l->pidfd, (int) si.ssi_signo, NULL, 0);
  return false;
}

/* What the process wrote last: the kernel hands pty data to the reader
   asynchronously, so wait a little for it, until the terminal hangs up (EIO
   once every slave fd is closed) or stays quiet. */
static void
drain_pty (struct foreground *l)
{
  struct pollfd pfd = { .fd = l->pty, .events = POLLIN };

  while (l->pty >= 0 && poll (&pfd, 1, 100) > 0 && pump (l->pty, STDOUT_FILENO))
    ;
}

static int
run_loop (struct foreground *l, int *ret_status, struct ocirt_error **err)
{
  int status;

  /* It may have exited before its SIGCHLD could reach the signalfd. */
  if (waitpid (l->pid, &status, WNOHANG) == l->pid)
    {
      *ret_status = WIFSIGNALED (status) ? 128 + WTERMSIG (status) : WEXITSTATUS (status);
      drain_pty (l);
      return 0;
    }
  for (;;)
    {
      struct pollfd pfd[3] = {
        { .fd = l->sigfd, .events = POLLIN },
        { .fd = l->pty, .events = POLLIN },
        { .fd = l->pty >= 0 && l->stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
      };
      if (poll (pfd, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return ocirt_error_set (err, errno, "wait for the container");
        }
      if ((pfd[1].revents & (POLLIN | POLLHUP)) && !pump (l->pty, STDOUT_FILENO))
        l->pty = -1; /* the process closed its terminal: keep waiting for its exit */
      if ((pfd[2].revents & (POLLIN | POLLHUP)) && !pump (STDIN_FILENO, l->pty))
        l->stdin_open = false;
      if ((pfd[0].revents & POLLIN) && handle_signal (l, ret_status))
        {
          drain_pty (l);
          return 0;
        }
    }
}

int
foreground_prepare (struct foreground *l, struct ocirt_error **err)
{
  sigset_t set;
  int r;

  *l = (struct foreground){ .pid = -1, .pidfd = -1, .pty = -1, .sigfd = -1, .stdin_open = true };
  (void) sigprocmask (SIG_SETMASK, NULL, &l->saved_mask);
  r = block_signals (&set, &l->saved_mask, err);
  if (r == 0 && (l->sigfd = signalfd (-1, &set, SFD_CLOEXEC)) < 0)
    r = ocirt_error_set (err, errno, "signalfd");
  return r;
}

int
foreground_wait (struct foreground *l, pid_t pid, int pidfd, int pty, int *ret_status,
                 struct ocirt_error **err)
{
  l->pid = pid;
  l->pidfd = pidfd;
  l->pty = pty;
  if (pty >= 0)
    terminal_enter_raw (l);
  return run_loop (l, ret_status, err);
}

void
foreground_release (struct foreground *l)
{
  if (l->raw)
    (void) tcsetattr (STDIN_FILENO, TCSANOW, &l->saved);
  l->raw = false;
  cleanup_closep (&l->sigfd);
  /* Signals that came while we were not looking go to their default now. */
  (void) sigprocmask (SIG_SETMASK, &l->saved_mask, NULL);
}
