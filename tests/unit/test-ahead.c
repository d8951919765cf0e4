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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_new_network_namespace),
    cmocka_unit_test (test_joined_or_absent),
    cmocka_unit_test (test_helper_makes_the_network_namespace),
    cmocka_unit_test (test_helper_dropped_unread),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
