/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/terminal.h"
#include "fork-check.h"

static void
test_open_pty (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_close_ int master = -1, slave = -1;
  unsigned int ptn;
  struct stat st;

  (void) state;
  assert_int_equal (terminal_open_pty (&master, &slave, &err), 0);
  assert_int_equal (ioctl (master, TIOCGPTN, &ptn), 0);
  assert_true (isatty (slave));
  /* The slave is the master's own peer: its device minor is the pty number. */
  assert_int_equal (fstat (slave, &st), 0);
  assert_int_equal (minor (st.st_rdev) + (major (st.st_rdev) - 136) * 256, ptn);
  assert_int_equal (fcntl (master, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  assert_int_equal (fcntl (slave, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  /* Data flows between the two. */
  assert_int_equal (write (master, "x\n", 2), 2);
  {
    char c;
    assert_int_equal (read (slave, &c, 1), 1);
    assert_int_equal (c, 'x');
  }
}

static int
listen_at (const char *name)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  assert_true (fd >= 0);
  assert_true (strlen (name) < sizeof addr.sun_path);
  strcpy (addr.sun_path, name);
  assert_int_equal (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
  assert_int_equal (listen (fd, 1), 0);
  return fd;
}

/* Receives what terminal_send_master sent, as recvtty does. */
static int
receive (int listener, char *payload, size_t len)
{
  _cleanup_close_ int conn = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
  char control[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { payload, len - 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
  struct cmsghdr *cmsg;
  ssize_t n;
  int fd;

  assert_true (conn >= 0);
  n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  assert_true (n >= 0);
  payload[n] = '\0';
  cmsg = CMSG_FIRSTHDR (&msg);
  assert_non_null (cmsg);
  assert_int_equal (cmsg->cmsg_type, SCM_RIGHTS);
  assert_int_equal (cmsg->cmsg_len, CMSG_LEN (sizeof (int)));
  memcpy (&fd, CMSG_DATA (cmsg), sizeof fd);
  return fd;
}

static void
check_send (const char *dir, const char *name)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_close_ int master = -1, slave = -1, listener = -1, got = -1;
  char cwd[PATH_MAX], path[2 * PATH_MAX], payload[4096];
  unsigned int ptn, got_ptn;

  assert_non_null (getcwd (cwd, sizeof cwd));
  assert_int_equal (chdir (dir), 0); /* bind by a short relative name */
  listener = listen_at (name);
  assert_int_equal (chdir (cwd), 0);
  snprintf (path, sizeof path, "%s/%s", dir, name);

  assert_int_equal (terminal_open_pty (&master, &slave, &err), 0);
  assert_int_equal (terminal_send_master (path, master, &err), 0);
  got = receive (listener, payload, sizeof payload);
  assert_string_equal (payload, "/dev/ptmx"); /* what runc sends */
  assert_int_equal (ioctl (master, TIOCGPTN, &ptn), 0);
  assert_int_equal (ioctl (got, TIOCGPTN, &got_ptn), 0); /* a pty master, the same one */
  assert_int_equal (got_ptn, ptn);
}

static void
test_send_master (void **state)
{
  char dir[] = "/tmp/ocirt-test-term-XXXXXX";
  char long_dir[PATH_MAX];

  (void) state;
  assert_non_null (mkdtemp (dir));
  check_send (dir, "console.sock");
  /* A path longer than sun_path (108 bytes), as deep per-container dirs give. */
  snprintf (long_dir, sizeof long_dir, "%s/%0120d", dir, 0);
  assert_int_equal (mkdir (long_dir, 0700), 0);
  check_send (long_dir, "pty.sock");
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    char path[PATH_MAX];
    snprintf (path, sizeof path, "%s/absent.sock", dir);
    assert_int_equal (terminal_send_master (path, 0, &err), -ENOENT);
    assert_non_null (strstr (err->msg, "absent.sock"));
  }
  {
    char p[2 * PATH_MAX];
    snprintf (p, sizeof p, "%s/pty.sock", long_dir);
    unlink (p);
    rmdir (long_dir);
    snprintf (p, sizeof p, "%s/console.sock", dir);
    unlink (p);
    rmdir (dir);
  }
}

static void
test_set_size (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_close_ int master = -1, slave = -1;
  struct winsize ws;

  (void) state;
  assert_int_equal (terminal_open_pty (&master, &slave, &err), 0);
  assert_int_equal (terminal_set_size (master, 41, 101, &err), 0);
  assert_int_equal (ioctl (slave, TIOCGWINSZ, &ws), 0);
  assert_int_equal (ws.ws_row, 41);
  assert_int_equal (ws.ws_col, 101);
  assert_int_equal (terminal_set_size (master, 70000, 10, &err), -ERANGE);
}

static void
child_controlling (void *arg)
{
  struct ocirt_error *err = NULL;
  int master, slave;

  (void) arg;
  CHILD_CHECK (terminal_open_pty (&master, &slave, &err) == 0);
  CHILD_CHECK (terminal_make_controlling (slave, &err) == 0);
  CHILD_CHECK (getsid (0) == getpid ());
  CHILD_CHECK (tcgetsid (0) == getpid ()); /* fd 0 is our controlling tty */
  CHILD_CHECK (isatty (0) && isatty (1) && isatty (2));
  CHILD_CHECK (fcntl (0, F_GETFD) == 0 && fcntl (1, F_GETFD) == 0 && fcntl (2, F_GETFD) == 0);
  CHILD_CHECK (fcntl (slave, F_GETFD) < 0); /* the extra fd was closed */
}

static void
test_make_controlling (void **state)
{
  (void) state;
  assert_child_ok (child_controlling, NULL);
}

/* The "container": writes a greeting, echoes one line back, exits. */
static void
fake_container (int slave)
{
  struct termios t;
  char line[64];
  size_t n = 0;

  tcgetattr (slave, &t);
  cfmakeraw (&t);
  tcsetattr (slave, TCSANOW, &t);
  (void) !write (slave, "hello\n", 6);
  while (n < sizeof line - 1 && read (slave, line + n, 1) == 1 && line[n] != '\n')
    n++;
  line[n] = '\0';
  dprintf (slave, "got:%s\n", line);
  _exit (0);
}

static void
child_proxy (void *arg)
{
  struct ocirt_error *err = NULL;
  int master, slave, in[2], out[2];
  char buf[256];
  ssize_t n, total = 0;
  pid_t pid;

  (void) arg;
  alarm (20);
  CHILD_CHECK (terminal_open_pty (&master, &slave, &err) == 0);
  CHILD_CHECK (pipe (in) == 0 && pipe (out) == 0);
  pid = fork ();
  if (pid == 0)
    fake_container (slave);
  close (slave); /* else the master never hangs up */
  CHILD_CHECK (write (in[1], "ping\n", 5) == 5);
  close (in[1]);
  CHILD_CHECK (terminal_proxy_fds (master, in[0], out[1], &err) == 0);
  close (out[1]);
  while ((n = read (out[0], buf + total, sizeof buf - 1 - (size_t) total)) > 0)
    total += n;
  buf[total] = '\0';
  CHILD_CHECK (strstr (buf, "hello\n") != NULL);
  CHILD_CHECK (strstr (buf, "got:ping\n") != NULL);
  CHILD_CHECK (waitpid (pid, NULL, 0) == pid);
}

static void
test_proxy (void **state)
{
  (void) state;
  assert_child_ok (child_proxy, NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_open_pty), cmocka_unit_test (test_send_master),
    cmocka_unit_test (test_set_size), cmocka_unit_test (test_make_controlling),
    cmocka_unit_test (test_proxy),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
