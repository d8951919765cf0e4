/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ahead.h"
#include "util/fdpass.h"
#include "util/raw-syscall.h"

/* The guess from config.json's text whether to begin a network namespace
   before the config is parsed (ahead.h). */
static bool
wants (const char *json)
{
  return ahead_text_wants_net (json, strlen (json));
}

static void
test_new_network_namespace (void **state)
{
  (void) state;
  assert_true (wants ("{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"}]}}"));
  assert_true (wants ("{\"linux\":{\"namespaces\":[{ \"type\" : \"network\" }]}}"));
  /* A joined one elsewhere does not hide a new one. */
  assert_true (
      wants ("{\"a\":{\"type\":\"network\",\"path\":\"/run/netns/x\"},\"b\":[{\"type\":\"network\"}]}"));
}

static void
test_joined_or_absent (void **state)
{
  (void) state;
  /* Podman and CRI-O pass the namespace they made: nothing to make. */
  assert_false (wants ("{\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"/run/netns/n1\"}]}}"));
  assert_false (wants ("{\"linux\":{\"namespaces\":[{\"path\":\"/run/netns/n1\",\"type\":\"network\"}]}}"));
  assert_false (wants ("{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]}}"));
  assert_false (wants (""));
  /* Cut short: no object end to look for "path" in. */
  assert_false (wants ("{\"type\":\"network\",\"path\":\"/x\""));
  assert_true (wants ("{\"type\":\"network\""));
}

/* Whether `lo` is up in the network namespace `ns` (asked from a child). */
static bool
lo_up_in (int ns)
{
  int status;
  pid_t pid = fork ();

  if (pid == 0)
    {
      struct ifreq ifr = { .ifr_name = "lo" };
      int s;
      if (setns (ns, CLONE_NEWNET) < 0 || (s = socket (AF_INET, SOCK_DGRAM, 0)) < 0
          || ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
        _exit (2);
      _exit ((ifr.ifr_flags & IFF_UP) ? 0 : 1);
    }
  assert_true (pid > 0);
  assert_int_equal (waitpid (pid, &status, 0), pid);
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

/* The helper sends a new network namespace with lo up, and is reaped. */
static void
test_helper_makes_the_network_namespace (void **state)
{
  struct ahead_net n = AHEAD_NET_NONE;
  struct stat ours, made;
  int fd = -1;

  (void) state;
  if (!RAW_SYSCALL_AVAILABLE)
    skip (); /* the init makes it itself on this architecture */
  if (geteuid () != 0)
    skip (); /* needs root (CAP_SYS_ADMIN) */
  ahead_net_begin (&n);
  assert_true (n.pid > 0);
  assert_true (n.fd >= 0);
  assert_int_equal (fdpass_receive (n.fd, &fd), 0);
  assert_int_equal (ioctl (fd, NS_GET_NSTYPE), CLONE_NEWNET);
  assert_int_equal (stat ("/proc/self/ns/net", &ours), 0);
  assert_int_equal (fstat (fd, &made), 0);
  assert_true (ours.st_ino != made.st_ino);
  assert_true (lo_up_in (fd));
  /* One namespace per helper: nothing more comes. */
  {
    int more;
    assert_int_equal (fdpass_receive (n.fd, &more), -EPIPE);
  }
  ahead_net_release (&n);
  assert_int_equal (n.pid, -1);
  assert_int_equal (n.fd, -1);
  assert_int_equal (waitpid (-1, NULL, WNOHANG), -1);
  assert_int_equal (errno, ECHILD);
  close (fd);
}

/* Dropped unread: the helper still exits and is reaped. */
static void
test_helper_dropped_unread (void **state)
{
  struct ahead_net n = AHEAD_NET_NONE;

  (void) state;
  if (!RAW_SYSCALL_AVAILABLE || geteuid () != 0)
    skip ();
  ahead_net_begin (&n);
  ahead_net_close (&n);
  assert_int_equal (n.fd, -1);
  ahead_net_release (&n);
  assert_int_equal (waitpid (-1, NULL, WNOHANG), -1);
}

/* The launcher's hand-over: the socket made inheritable and named with the
   helper in the environment; the runtime takes it (CLOEXEC again, the
   variable gone) only when it names a sequenced-packet socket and a child
   of ours. */
static void
test_handed_over_and_adopted (void **state)
{
  struct ahead_net n = AHEAD_NET_NONE, got;
  char v[64];
  int fd = -1;

  (void) state;
  if (!RAW_SYSCALL_AVAILABLE || geteuid () != 0)
    skip ();
  ahead_net_begin (&n);
  assert_true (ahead_net_hand_over (&n));
  assert_int_equal (fcntl (n.fd, F_GETFD), 0);
  snprintf (v, sizeof v, "%d:%d", n.fd, (int) n.pid);
  assert_string_equal (getenv (AHEAD_NET_ENV), v);
  ahead_net_adopt (&got);
  assert_null (getenv (AHEAD_NET_ENV));
  assert_int_equal (got.pid, n.pid);
  assert_int_equal (got.fd, n.fd);
  assert_int_equal (fcntl (got.fd, F_GETFD), FD_CLOEXEC);
  assert_int_equal (fdpass_receive (got.fd, &fd), 0);
  assert_int_equal (ioctl (fd, NS_GET_NSTYPE), CLONE_NEWNET);
  close (fd);
  ahead_net_release (&got);
  assert_int_equal (waitpid (-1, NULL, WNOHANG), -1);

  /* Nothing named: nothing taken. */
  ahead_net_adopt (&got);
  assert_int_equal (got.pid, -1);
  assert_int_equal (got.fd, -1);
}

static void
test_what_is_not_ours_is_left_alone (void **state)
{
  struct ahead_net got;
  int pair[2], dgram[2], devnull = open ("/dev/null", O_RDONLY);
  char v[64];
  pid_t child;

  (void) state;
  assert_int_equal (socketpair (AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
  assert_int_equal (socketpair (AF_UNIX, SOCK_DGRAM, 0, dgram), 0);
  child = fork ();
  if (child == 0)
    _exit (0);
  /* pid 1 is no child of ours; a datagram socket, a file, a closed fd and
     junk are not the helper's socket. */
  const struct
  {
    int fd;
    pid_t pid;
  } bad[] = { { pair[0], 1 }, { dgram[0], child }, { devnull, child }, { 1000, child } };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      snprintf (v, sizeof v, "%d:%d", bad[i].fd, (int) bad[i].pid);
      assert_int_equal (setenv (AHEAD_NET_ENV, v, 1), 0);
      ahead_net_adopt (&got);
      assert_null (getenv (AHEAD_NET_ENV));
      assert_int_equal (got.fd, -1);
      assert_int_equal (got.pid, -1);
    }
  static const char *const junk[] = { "", "5", "5:", ":5", "x:1", "5:1x", "2:1", "-1:1" };
  for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
    {
      assert_int_equal (setenv (AHEAD_NET_ENV, junk[i], 1), 0);
      ahead_net_adopt (&got);
      assert_int_equal (got.fd, -1);
    }
  /* A sequenced-packet socket another process made. */
  {
    int carrier[2], theirs = -1;
    pid_t maker;
    assert_int_equal (socketpair (AF_UNIX, SOCK_SEQPACKET, 0, carrier), 0);
    maker = fork ();
    if (maker == 0)
      {
        int made[2];
        _exit (socketpair (AF_UNIX, SOCK_SEQPACKET, 0, made) == 0
                       && fdpass_send (carrier[1], "x", 1, made[0]) == 1
                   ? 0
                   : 1);
      }
    assert_int_equal (fdpass_receive (carrier[0], &theirs), 0);
    assert_int_equal (waitpid (maker, NULL, 0), maker);
    snprintf (v, sizeof v, "%d:%d", theirs, (int) child);
    assert_int_equal (setenv (AHEAD_NET_ENV, v, 1), 0);
    ahead_net_adopt (&got);
    assert_int_equal (got.fd, -1);
    close (theirs);
    close (carrier[0]);
    close (carrier[1]);
  }
  /* Left open: not ours to close. */
  assert_true (fcntl (pair[0], F_GETFD) >= 0 && fcntl (devnull, F_GETFD) >= 0);
  /* The good pair is taken. */
  snprintf (v, sizeof v, "%d:%d", pair[0], (int) child);
  assert_int_equal (setenv (AHEAD_NET_ENV, v, 1), 0);
  ahead_net_adopt (&got);
  assert_int_equal (got.fd, pair[0]);
  assert_int_equal (got.pid, child);
  ahead_net_release (&got);
  close (pair[1]);
  close (dgram[0]);
  close (dgram[1]);
  close (devnull);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_new_network_namespace),
    cmocka_unit_test (test_joined_or_absent),
    cmocka_unit_test (test_helper_makes_the_network_namespace),
    cmocka_unit_test (test_helper_dropped_unread),
    cmocka_unit_test (test_handed_over_and_adopted),
    cmocka_unit_test (test_what_is_not_ours_is_left_alone),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
