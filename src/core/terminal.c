/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "core/terminal.h"
#include "util/fdpass.h"

/* Documented majors of the Unix98 pty slaves (Documentation/admin-guide/devices.txt). */
#define PTY_SLAVE_MAJOR_FIRST 136
#define PTY_SLAVE_MAJOR_LAST 143

int
terminal_open_pty (int *ret_master, int *ret_slave, struct ocirt_error **err)
{
  _cleanup_close_ int master = -1, slave = -1;
  struct stat st;
  unsigned int ptn;

  master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return ocirt_error_set (err, errno, "open `/dev/ptmx`");
  /* Only a pty master answers TIOCGPTN: /dev/ptmx was not something else. */
  if (ioctl (master, TIOCGPTN, &ptn) < 0)
    return ocirt_error_set (err, errno, "`/dev/ptmx` is not a pty multiplexer");
  if (unlockpt (master) < 0)
    return ocirt_error_set (err, errno, "unlockpt");
  /* Linux 4.13: the peer by fd, from the devpts instance of this master. */
  slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return ocirt_error_set (err, errno, "open the pty slave (TIOCGPTPEER)");
  if (fstat (slave, &st) < 0)
    return ocirt_error_set (err, errno, "fstat the pty slave");
  if (!S_ISCHR (st.st_mode) || major (st.st_rdev) < PTY_SLAVE_MAJOR_FIRST
      || major (st.st_rdev) > PTY_SLAVE_MAJOR_LAST)
    return ocirt_error_setx (err, ENOTTY, "the pty slave is not a pty device");
  *ret_master = TAKE_FD (master);
  *ret_slave = TAKE_FD (slave);
  return 0;
}

int
terminal_connect_console_socket (const char *path, int *ret_fd, struct ocirt_error **err)
{
  _cleanup_close_ int fd = -1, dirfd = -1;
  _cleanup_free_ char *dir_copy = NULL, *base_copy = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int n;

  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return ocirt_error_set (err, errno, "socket");
  n = snprintf (addr.sun_path, sizeof addr.sun_path, "%s", path);
  if (n < 0 || (size_t) n >= sizeof addr.sun_path)
    {
      /* Too long for sun_path: reach it through its directory's fd. */
      dir_copy = strdup (path);
      base_copy = strdup (path);
      if (dir_copy == NULL || base_copy == NULL)
        return ocirt_error_set (err, ENOMEM, "console socket");
      dirfd = open (dirname (dir_copy), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dirfd < 0)
        return ocirt_error_set (err, errno, "open the directory of console socket `%s`", path);
      n = snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, basename (base_copy));
      if (n < 0 || (size_t) n >= sizeof addr.sun_path)
        return ocirt_error_setx (err, ENAMETOOLONG, "console socket `%s`: name too long", path);
    }
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return ocirt_error_set (err, errno, "connect to console socket `%s`", path);
  *ret_fd = TAKE_FD (fd);
  return 0;
}

int
terminal_send_fd (int sock, int master, struct ocirt_error **err)
{
  /* runc's payload (its utils.SendFd sends the pty's name). */
  static const char name[] = "/dev/ptmx";
  int r = fdpass_send (sock, name, sizeof name - 1, master);

  if (r < 0)
    return ocirt_error_set (err, -r, "send the pty master to the console socket");
  return 0;
}

int
terminal_send_master (const char *console_socket_path, int master, struct ocirt_error **err)
{
  _cleanup_close_ int sock = -1;
  int r;

  r = terminal_connect_console_socket (console_socket_path, &sock, err);
  if (r < 0)
    return r;
  return terminal_send_fd (sock, master, err);
}

int
terminal_make_controlling (int slave, struct ocirt_error **err)
{
  /* Already a session leader (EPERM) is fine: then it has no other tty. */
  if (setsid () < 0 && getsid (0) != getpid ())
    return ocirt_error_set (err, errno, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return ocirt_error_set (err, errno, "make the pty the controlling terminal (TIOCSCTTY)");
  for (int fd = 0; fd <= 2; fd++)
    {
      if (fd == slave)
        {
          if (fcntl (fd, F_SETFD, 0) < 0)
            return ocirt_error_set (err, errno, "clear close-on-exec on fd %d", fd);
        }
      else if (dup2 (slave, fd) < 0)
        return ocirt_error_set (err, errno, "dup2 the pty onto fd %d", fd);
    }
  if (slave > 2)
    close (slave);
  return 0;
}

int
terminal_set_size (int fd, uint64_t rows, uint64_t cols, struct ocirt_error **err)
{
  struct winsize ws = { 0 };

  if (rows > USHRT_MAX || cols > USHRT_MAX)
    return ocirt_error_setx (err, ERANGE, "console size %" PRIu64 "x%" PRIu64 " is too large", rows, cols);
  ws.ws_row = (unsigned short) rows;
  ws.ws_col = (unsigned short) cols;
  if (ioctl (fd, TIOCSWINSZ, &ws) < 0)
    return ocirt_error_set (err, errno, "set the console size");
  return 0;
}

/* --- the foreground proxy ------------------------------------------------ */

struct buffer
{
  char data[8192];
  size_t len, off;
};

/* Saved state of the caller's terminal and signal mask, restored on return. */
struct proxy_state
{
  int in_fd;
  bool raw;
  struct termios saved;
  int sigfd;
  bool mask_saved;
  sigset_t old_mask;
};

static void
proxy_state_restore (struct proxy_state *s)
{
  if (s->raw)
    (void) tcsetattr (s->in_fd, TCSANOW, &s->saved);
  if (s->sigfd >= 0)
    close (s->sigfd);
  if (s->mask_saved)
    sigprocmask (SIG_SETMASK, &s->old_mask, NULL);
}

static void
copy_size (int from, int to)
{
  struct winsize ws;

  if (from >= 0 && ioctl (from, TIOCGWINSZ, &ws) == 0)
    (void) ioctl (to, TIOCSWINSZ, &ws);
}

static int
proxy_setup (struct proxy_state *s, int master, int in_fd, int out_fd, struct ocirt_error **err)
{
  struct termios raw;
  sigset_t winch;

  if (isatty (in_fd) && tcgetattr (in_fd, &s->saved) == 0)
    {
      raw = s->saved;
      cfmakeraw (&raw);
      if (tcsetattr (in_fd, TCSANOW, &raw) < 0)
        return ocirt_error_set (err, errno, "put the terminal in raw mode");
      s->raw = true;
    }
  sigemptyset (&winch);
  sigaddset (&winch, SIGWINCH);
  if (sigprocmask (SIG_BLOCK, &winch, &s->old_mask) < 0)
    return ocirt_error_set (err, errno, "block SIGWINCH");
  s->mask_saved = true;
  s->sigfd = signalfd (-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
  if (s->sigfd < 0)
    return ocirt_error_set (err, errno, "signalfd");
  if (fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK) < 0)
    return ocirt_error_set (err, errno, "make the pty master non-blocking");
  copy_size (isatty (in_fd) ? in_fd : (isatty (out_fd) ? out_fd : -1), master);
  return 0;
}

/* Reads into an empty buffer: 1 data, 0 end of stream (EOF, or EIO from a
   master whose slaves are all closed), -errno. */
static int
fill (int fd, struct buffer *b)
{
  ssize_t n = read (fd, b->data, sizeof b->data);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return 1;
  if (n < 0)
    return errno == EIO ? 0 : -errno;
  b->len = (size_t) n;
  b->off = 0;
  return n > 0;
}

static int
drain (int fd, struct buffer *b)
{
  ssize_t n = write (fd, b->data + b->off, b->len - b->off);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return 0;
  if (n < 0)
    return -errno;
  b->off += (size_t) n;
  if (b->off == b->len)
    b->len = b->off = 0;
  return 0;
}

/* Writes what is left of `b` to `fd`, waiting as needed (the end of output). */
static int
flush (int fd, struct buffer *b)
{
  while (b->len > 0)
    {
      struct pollfd p = { fd, POLLOUT, 0 };
      if (poll (&p, 1, -1) < 0 && errno != EINTR)
        return -errno;
      if (drain (fd, b) < 0)
        return -errno;
    }
  return 0;
}

static int
proxy_loop (int master, int in_fd, int out_fd, int sigfd, struct ocirt_error **err)
{
  struct buffer to_master = { .len = 0 }, to_out = { .len = 0 };
  bool in_open = true;

  for (;;)
    {
      struct pollfd p[3] = {
        { in_open && to_master.len == 0 ? in_fd : -1, POLLIN, 0 },
        { master, (short) (POLLIN | (to_master.len ? POLLOUT : 0)), 0 },
        { sigfd, POLLIN, 0 },
      };
      int r;

      if (poll (p, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return ocirt_error_set (err, errno, "poll");
        }
      if (p[0].revents)
        in_open = fill (in_fd, &to_master) > 0; /* at EOF the container keeps running */
      if (p[1].revents & POLLOUT && drain (master, &to_master) < 0)
        to_master.len = 0; /* the slave is going away: the read side will say so */
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
        {
          r = fill (master, &to_out);
          if (r <= 0)
            return r < 0 ? ocirt_error_set (err, -r, "read the pty master") : 0;
          /* Blocking on our own stdout is the back-pressure the user expects. */
          if (flush (out_fd, &to_out) < 0)
            return ocirt_error_set (err, errno, "write the container's output");
        }
      if (p[2].revents)
        {
          struct signalfd_siginfo si;
          while (read (sigfd, &si, sizeof si) == (ssize_t) sizeof si)
            ;
          copy_size (isatty (in_fd) ? in_fd : out_fd, master);
        }
    }
}

int
terminal_proxy_fds (int master, int in_fd, int out_fd, struct ocirt_error **err)
{
  struct proxy_state s = { .in_fd = in_fd, .sigfd = -1 };
  int r;

  r = proxy_setup (&s, master, in_fd, out_fd, err);
  if (r == 0)
    r = proxy_loop (master, in_fd, out_fd, s.sigfd, err);
  proxy_state_restore (&s);
  return r;
}

int
terminal_proxy (int master, struct ocirt_error **err)
{
  return terminal_proxy_fds (master, STDIN_FILENO, STDOUT_FILENO, err);
}

int
terminal_give_to_user (int slave, const struct oci_user *user, struct ocirt_error **err)
{
  /* By fd: the pts node is in the container's devpts, never re-resolved.
     The group stays devpts's gid= (tty), as runc leaves it. */
  if (user && user->uid != 0 && fchown (slave, user->uid, (gid_t) -1) < 0)
    return ocirt_error_set (err, errno, "give the terminal to uid %u", (unsigned) user->uid);
  return 0;
}
