/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/hooks.h"
#include "core/signals.h"
#include "util/log.h"

static int64_t
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* NULL-terminated copy of the pointers of a string array (the strings are
   not copied), with `fallback` as the single element when it is empty. */
static char **
make_vector (char **items, size_t len, const char *fallback)
{
  size_t n = len ? len : (fallback ? 1 : 0);
  char **v = calloc (n + 1, sizeof (char *));

  if (v == NULL)
    return NULL;
  for (size_t i = 0; i < len; i++)
    v[i] = items[i];
  if (len == 0 && fallback)
    v[0] = (char *) fallback;
  return v;
}

/* In the forked child: only async-signal-safe calls until execve. */
static _Noreturn void
child_exec (const char *path, char **argv, char **envp, int stdin_fd, int errfd)
{
  sigset_t none;
  int e;

  /* The runtime's blocked and ignored signals must not reach the hook:
     execve keeps both. */
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP)
      signal (s, SIG_DFL);
  if (stdin_fd == STDIN_FILENO)
    fcntl (stdin_fd, F_SETFD, 0);
  else if (dup2 (stdin_fd, STDIN_FILENO) < 0)
    {
      e = errno;
      (void) !write (errfd, &e, sizeof e);
      _exit (127);
    }
  execve (path, argv, envp);
  e = errno;
  (void) !write (errfd, &e, sizeof e);
  _exit (127);
}

struct hook_run
{
  pid_t pid;
  int pidfd;
  int stdin_fd; /* write end, -1 once done */
  const char *data;
  size_t len, off;
};

/* One step of feeding stdin: false once there is nothing more to write.
   EPIPE means the hook has stopped reading, which it may. */
static bool
feed (struct hook_run *h)
{
  ssize_t w = write (h->stdin_fd, h->data + h->off, h->len - h->off);

  if (w < 0 && (errno == EAGAIN || errno == EINTR))
    return true;
  if (w > 0)
    h->off += (size_t) w;
  return w > 0 && h->off < h->len;
}

/* Feeds the state to the hook until it exits or `deadline_ms` (-1: none)
   passes; returns 0 when the hook exited, -ETIMEDOUT, or -errno. Without a
   pidfd (poll skips a negative fd) it returns once the state is written. */
static int
feed_and_wait (struct hook_run *h, int64_t deadline_ms)
{
  for (;;)
    {
      struct pollfd fds[2] = { { h->pidfd, POLLIN, 0 }, { h->stdin_fd, POLLOUT, 0 } };
      int timeout = -1, r;

      if (h->pidfd < 0 && h->stdin_fd < 0)
        return 0;
      if (deadline_ms >= 0)
        {
          int64_t left = deadline_ms - now_ms ();
          timeout = left <= 0 ? 0 : (left > INT32_MAX ? INT32_MAX : (int) left);
        }
      r = poll (fds, 2, timeout);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -errno;
      if (r == 0)
        return -ETIMEDOUT;
      if (h->stdin_fd >= 0 && fds[1].revents && !feed (h))
        {
          close (h->stdin_fd);
          h->stdin_fd = -1;
        }
      if (h->pidfd >= 0 && fds[0].revents)
        return 0;
    }
}

static int
reap (pid_t pid, int *status)
{
  while (waitpid (pid, status, 0) < 0)
    if (errno != EINTR)
      return -errno;
  return 0;
}

/* Writes and waits with SIGPIPE blocked, and discards a SIGPIPE raised by our
   own write, so a hook that ignores its stdin cannot kill the runtime (the
   disposition stays untouched for the rest of the process). */
static int
supervise (struct hook_run *h, int64_t deadline_ms, int *status)
{
  sigset_t pipe_set, old, pending;
  bool was_pending;
  int r;

  sigemptyset (&pipe_set);
  sigaddset (&pipe_set, SIGPIPE);
  sigprocmask (SIG_BLOCK, &pipe_set, &old);
  sigpending (&pending);
  was_pending = sigismember (&pending, SIGPIPE);

  r = feed_and_wait (h, deadline_ms);
  if (h->stdin_fd >= 0)
    close (h->stdin_fd);
  h->stdin_fd = -1;
  if (r == -ETIMEDOUT)
    kill (h->pid, SIGKILL);
  if (reap (h->pid, status) < 0 && r == 0)
    r = -errno;

  sigpending (&pending);
  if (!was_pending && sigismember (&pending, SIGPIPE))
    sigtimedwait (&pipe_set, NULL, &(struct timespec){ 0, 0 });
  sigprocmask (SIG_SETMASK, &old, NULL);
  return r;
}

static int
status_error (int status, struct ocirt_error **err)
{
  const char *name, *desc;
  char what[64];

  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFEXITED (status))
    return ocirt_error_setx (err, EIO, "exited with status %d", WEXITSTATUS (status));
  name = signal_name (WTERMSIG (status));
  /* With the description in lower case, as Go prints it ("bad system
     call"): runc's callers and tests match those words. */
  desc = strsignal (WTERMSIG (status));
  snprintf (what, sizeof what, "%s", desc ? desc : "");
  what[0] = (char) tolower ((unsigned char) what[0]);
  if (name)
    return ocirt_error_setx (err, EIO, "killed by signal %s: %s", name, what);
  return ocirt_error_setx (err, EIO, "killed by signal %d: %s", WTERMSIG (status), what);
}

/* Starts the hook; returns its pid, with the pipe fds in/out parameters. */
static pid_t
start_hook (const struct oci_hook *hook, char **argv, char **envp, int *ret_stdin_w, struct ocirt_error **err)
{
  _cleanup_close_ int in_r = -1, in_w = -1, err_r = -1, err_w = -1;
  int fds[2], child_errno;
  ssize_t n;
  pid_t pid;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return ocirt_error_set (err, errno, "pipe");
  in_r = fds[0], in_w = fds[1];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return ocirt_error_set (err, errno, "pipe");
  err_r = fds[0], err_w = fds[1];
  pid = fork ();
  if (pid < 0)
    return ocirt_error_set (err, errno, "fork");
  if (pid == 0)
    child_exec (hook->path, argv, envp, in_r, err_w);
  close (TAKE_FD (err_w));
  /* EOF here means execve succeeded (the CLOEXEC pipe closed). */
  do
    n = read (err_r, &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  if (n == (ssize_t) sizeof child_errno)
    {
      int status;
      (void) reap (pid, &status);
      return ocirt_error_set (err, child_errno, "execve");
    }
  /* Non-blocking, so a hook that never reads cannot stall us past its timeout. */
  if (fcntl (in_w, F_SETFL, O_NONBLOCK) < 0)
    log_debug ("O_NONBLOCK on the hook's stdin: %s", strerror (errno));
  *ret_stdin_w = TAKE_FD (in_w);
  return pid;
}

static int
run_hook (const struct oci_hook *hook, const char *state_json, struct ocirt_error **err)
{
  _cleanup_free_ char **argv = NULL, **envp = NULL;
  struct hook_run h = { .pidfd = -1, .stdin_fd = -1, .data = state_json ? state_json : "" };
  int64_t deadline = -1;
  int status = 0, r;

  if (hook->path == NULL || hook->path[0] != '/')
    return ocirt_error_setx (err, EINVAL, "path must be absolute");
  argv = make_vector (hook->args, hook->args_len, hook->path);
  envp = make_vector (hook->env, hook->env_len, NULL);
  if (argv == NULL || envp == NULL)
    return ocirt_error_set (err, ENOMEM, "hook");
  h.len = strlen (h.data);
  h.pid = start_hook (hook, argv, envp, &h.stdin_fd, err);
  if (h.pid < 0)
    return h.pid;
  if (hook->timeout_present && hook->timeout > 0)
    deadline = now_ms () + (hook->timeout > INT32_MAX ? INT32_MAX : hook->timeout) * 1000;
  h.pidfd = (int) syscall (SYS_pidfd_open, h.pid, 0);
  if (h.pidfd < 0)
    {
      /* Before Linux 5.3 there is nothing to poll for the exit: write the
         state, then wait without a timeout. */
      log_debug ("pidfd_open: %s; the hook timeout is not enforced", strerror (errno));
      deadline = -1;
    }
  r = supervise (&h, deadline, &status);
  if (h.pidfd >= 0)
    close (h.pidfd);
  if (r == -ETIMEDOUT)
    return ocirt_error_setx (err, ETIMEDOUT, "timed out after %lld s", (long long) hook->timeout);
  if (r < 0)
    return ocirt_error_set (err, -r, "wait");
  return status_error (status, err);
}

int
hooks_run (const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json,
           struct ocirt_error **err)
{
  for (size_t i = 0; i < n; i++)
    {
      log_debug ("running %s hook #%zu: %s", kind, i, hooks[i].path ? hooks[i].path : "");
      if (run_hook (&hooks[i], state_json, err) < 0)
        return ocirt_error_prefix (err, "error running hook #%zu (%s: %s)", i, kind,
                                   hooks[i].path ? hooks[i].path : "");
    }
  return 0;
}

void
hooks_run_all (const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json)
{
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_error_ struct ocirt_error *err = NULL;
      log_debug ("running %s hook #%zu: %s", kind, i, hooks[i].path ? hooks[i].path : "");
      if (run_hook (&hooks[i], state_json, &err) < 0)
        log_warn ("%s hook #%zu (%s): %s", kind, i, hooks[i].path ? hooks[i].path : "", err->msg);
    }
}
