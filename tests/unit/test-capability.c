/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/capability.h"
#include "core/process-exec.h"
#include "fork-check.h"
#include "util/log.h"

#define BIT(c) (UINT64_C (1) << (c))

static uint64_t
status_hex (const char *key)
{
  char line[256];
  uint64_t v = UINT64_MAX;
  FILE *f = fopen ("/proc/self/status", "re");

  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, key, strlen (key)) == 0)
      v = strtoull (line + strlen (key), NULL, 16);
  if (f)
    fclose (f);
  return v;
}

static void
test_from_name (void **state)
{
  (void) state;
  assert_int_equal (capability_from_name ("CAP_CHOWN"), CAP_CHOWN);
  assert_int_equal (capability_from_name ("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
  assert_int_equal (capability_from_name ("CAP_NET_BIND_SERVICE"), CAP_NET_BIND_SERVICE);
  assert_int_equal (capability_from_name ("CAP_AUDIT_READ"), CAP_AUDIT_READ);
  assert_int_equal (capability_from_name ("CAP_CHECKPOINT_RESTORE"), 40);
  assert_int_equal (capability_from_name ("cap_chown"), -1);
  assert_int_equal (capability_from_name ("CHOWN"), -1);
  assert_int_equal (capability_from_name ("CAP_FOO"), -1);
  assert_int_equal (capability_from_name ("12"), -1);
  assert_int_equal (capability_from_name (NULL), -1);
  for (int c = 0; capability_to_name (c); c++)
    assert_int_equal (capability_from_name (capability_to_name (c)), c);
  assert_null (capability_to_name (-1));
  assert_null (capability_to_name (64));
}

static int
kernel_last_cap (void)
{
  char buf[16] = "";
  int fd = open ("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);

  assert_true (fd >= 0);
  assert_true (read (fd, buf, sizeof buf - 1) > 0);
  close (fd);
  return atoi (buf);
}

static void
test_list_known (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_strv_ char **names = NULL;
  size_t n = 0;
  int last = kernel_last_cap ();

  (void) state;
  assert_int_equal (capability_list_known (&names, &n, &err), 0);
  assert_int_equal (n, (size_t) (last < 40 ? last : 40) + 1);
  assert_null (names[n]);
  for (size_t i = 0; i < n; i++)
    assert_int_equal (capability_from_name (names[i]), (int) i);
}

/* --- applying sets, in a child, as root ------------------------------------ */

struct scenario
{
  struct oci_capabilities *caps;
  uint32_t uid;
  char log_path[64];
};

static uint64_t
mask_of (char **names, size_t n)
{
  uint64_t m = 0;

  for (size_t i = 0; i < n; i++)
    if (capability_from_name (names[i]) >= 0)
      m |= BIT (capability_from_name (names[i]));
  return m;
}

static void
child_apply (void *arg)
{
  struct scenario *sc = arg;
  struct oci_capabilities *caps = sc->caps;
  struct oci_user user = { .uid = sc->uid, .gid = sc->uid };
  struct ocirt_error *err = NULL;
  uint64_t bnd_before, bnd_left, want_bnd, want_prm, want_eff, want_inh, want_amb;
  int logfd;

  /* A capability the runtime does not hold, whatever the host: CAP_MKNOD is
     dropped from our bounding and permitted sets first, then requested. */
  CHILD_CHECK (prctl (PR_CAPBSET_DROP, CAP_MKNOD, 0, 0, 0) == 0);
  {
    cap_value_t mknod = CAP_MKNOD;
    cap_t cur = cap_get_proc ();
    CHILD_CHECK (cur && cap_set_flag (cur, CAP_PERMITTED, 1, &mknod, CAP_CLEAR) == 0);
    CHILD_CHECK (cap_set_flag (cur, CAP_EFFECTIVE, 1, &mknod, CAP_CLEAR) == 0);
    CHILD_CHECK (cap_set_proc (cur) == 0);
    cap_free (cur);
  }
  logfd = open (sc->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  CHILD_CHECK (logfd >= 0);
  log_set_fd (logfd, LOG_FORMAT_TEXT, false);
  bnd_before = status_hex ("CapBnd:");

  CHILD_CHECK (capability_drop_bounding (caps, &bnd_left, &err) == 0);
  CHILD_CHECK (bnd_left == status_hex ("CapBnd:"));
  CHILD_CHECK (process_change_user (&user, false, &err) == 0);
  CHILD_CHECK (capability_apply (caps, bnd_left, &err) == 0);
  CHILD_CHECK (prctl (PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0);

  want_bnd = caps ? mask_of (caps->bounding, caps->bounding_len) & bnd_before : 0;
  want_prm = caps ? mask_of (caps->permitted, caps->permitted_len) & bnd_before : 0;
  want_eff = caps ? mask_of (caps->effective, caps->effective_len) & want_prm : 0;
  want_inh = caps ? mask_of (caps->inheritable, caps->inheritable_len) & bnd_before : 0;
  want_amb = caps ? mask_of (caps->ambient, caps->ambient_len) & want_prm & want_inh : 0;
  CHILD_CHECK (status_hex ("CapBnd:") == want_bnd);
  CHILD_CHECK (status_hex ("CapPrm:") == want_prm);
  CHILD_CHECK (status_hex ("CapEff:") == want_eff);
  CHILD_CHECK (status_hex ("CapInh:") == want_inh);
  CHILD_CHECK (status_hex ("CapAmb:") == want_amb);
  CHILD_CHECK (getuid () == sc->uid);
}

static char *
read_all (const char *path)
{
  static char buf[8192];
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read (fd, buf, sizeof buf - 1) : -1;

  if (fd >= 0)
    close (fd);
  buf[n > 0 ? n : 0] = '\0';
  return buf;
}

static size_t
count (const char *haystack, const char *needle)
{
  size_t n = 0;

  for (const char *p = strstr (haystack, needle); p; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
run_scenario (struct oci_capabilities *caps, uint32_t uid, const char **log)
{
  static struct scenario sc;

  sc.caps = caps;
  sc.uid = uid;
  snprintf (sc.log_path, sizeof sc.log_path, "/tmp/ocirt-test-cap-%d.log", (int) getpid ());
  assert_child_ok (child_apply, &sc);
  *log = read_all (sc.log_path);
  unlink (sc.log_path);
}

static void
test_apply_non_root_user (void **state)
{
  char *bounding[] = { "CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_FOO", "CAP_MKNOD" };
  char *permitted[] = { "CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_MKNOD" };
  char *effective[] = { "CAP_CHOWN", "CAP_KILL", "CAP_FOO" };
  char *inheritable[] = { "CAP_KILL" };
  char *ambient[] = { "CAP_KILL", "CAP_BAR" };
  struct oci_capabilities caps = { bounding, 5, effective, 3, inheritable, 1, permitted, 4, ambient, 2 };
  const char *log;

  (void) state;
  SKIP_UNLESS_ROOT ();
  run_scenario (&caps, 1000, &log);
  /* Warned, and once each, though named in several sets. */
  assert_int_equal (count (log, "unknown capability `CAP_FOO`, ignoring"), 1);
  assert_int_equal (count (log, "unknown capability `CAP_BAR`, ignoring"), 1);
  assert_int_equal (count (log, "capability CAP_MKNOD is not in the bounding set of the runtime, ignoring"),
                    1);
  assert_int_equal (count (log, "CAP_MKNOD"), 1);
  assert_int_equal (count (log, "level=warning"), 3);
}

static void
test_apply_root_user (void **state)
{
  char *bounding[] = { "CAP_CHOWN", "CAP_SETPCAP", "CAP_SYS_ADMIN" };
  char *permitted[] = { "CAP_CHOWN", "CAP_SETPCAP" };
  char *effective[] = { "CAP_CHOWN" };
  struct oci_capabilities caps = { bounding, 3, effective, 1, NULL, 0, permitted, 2, NULL, 0 };
  const char *log;

  (void) state;
  SKIP_UNLESS_ROOT ();
  run_scenario (&caps, 0, &log);
  assert_int_equal (count (log, "level=warning"), 0);
}

/* runc's rule: no process.capabilities means every set is empty. */
static void
test_apply_absent (void **state)
{
  const char *log;

  (void) state;
  SKIP_UNLESS_ROOT ();
  run_scenario (NULL, 0, &log);
  run_scenario (NULL, 1000, &log);
}

/* Without CAP_SETPCAP the bounding set cannot shrink: keeping all of it
   must still work (nothing to drop), dropping from it must fail. */
static void
child_no_setpcap (void *arg)
{
  char *all[64], *fewer[64];
  size_t n = 0;
  int last = 0;
  struct oci_capabilities keep_all = { 0 }, keep_fewer = { 0 };
  uint64_t left;
  struct ocirt_error *err = NULL;
  cap_value_t setpcap = CAP_SETPCAP;
  cap_t cur = cap_get_proc ();

  (void) arg;
  /* What the bounding set holds, by name: all of it is kept. */
  for (int c = 0; c < 64 && prctl (PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++, last = c)
    if (prctl (PR_CAPBSET_READ, c, 0, 0, 0) == 1)
      {
        /* libcap says "cap_chown", the spec "CAP_CHOWN". */
        char *name = cap_to_name (c);
        CHILD_CHECK (name != NULL);
        all[n] = strdup (name);
        for (char *p = all[n]; *p; p++)
          *p = (char) toupper ((unsigned char) *p);
        cap_free (name);
        n++;
      }
  CHILD_CHECK (n > 1 && last > 1);
  for (size_t i = 0; i + 1 < n; i++)
    fewer[i] = all[i];
  keep_all.bounding = all;
  keep_all.bounding_len = n;
  keep_fewer.bounding = fewer;
  keep_fewer.bounding_len = n - 1;
  CHILD_CHECK (cur && cap_set_flag (cur, CAP_EFFECTIVE, 1, &setpcap, CAP_CLEAR) == 0);
  CHILD_CHECK (cap_set_proc (cur) == 0);
  CHILD_CHECK (capability_drop_bounding (&keep_all, &left, &err) == 0);
  CHILD_CHECK (capability_drop_bounding (&keep_fewer, &left, &err) < 0 && err->code == EPERM);
  cap_free (cur);
}

static void
test_drop_bounding_without_setpcap (void **state)
{
  (void) state;
  SKIP_UNLESS_ROOT ();
  assert_child_ok (child_no_setpcap, NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_from_name),           cmocka_unit_test (test_list_known),
    cmocka_unit_test (test_apply_non_root_user), cmocka_unit_test (test_apply_root_user),
    cmocka_unit_test (test_apply_absent),        cmocka_unit_test (test_drop_bounding_without_setpcap),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
