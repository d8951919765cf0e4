/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/lsm.h"
#include "fork-check.h"
#include "ocispec.h"

/* AppArmor and SELinux are not running where these tests run, so the LSM
   switches are mocked (-Wl,--wrap) and the attribute writes are aimed at
   fake and tampered-with procfs trees, which must be refused. */

static int apparmor_on, selinux_on;

/* The libraries are dlopen()ed through lsm_library_query: answer for them. */
int __wrap_lsm_library_query (const char *library, const char *symbol);
int
__wrap_lsm_library_query (const char *library, const char *symbol)
{
  if (strcmp (symbol, "aa_is_enabled") == 0)
    return apparmor_on;
  if (strcmp (symbol, "is_selinux_enabled") == 0)
    return selinux_on;
  return -1;
}

#define SKIP_WITHOUT(have)                                                                                   \
  do                                                                                                         \
    {                                                                                                        \
      if (!(have))                                                                                           \
        {                                                                                                    \
          print_message ("skipped: built without the library this test mocks\n");                            \
          skip ();                                                                                           \
        }                                                                                                    \
    }                                                                                                        \
  while (0)

#ifdef HAVE_APPARMOR
#define HAVE_AA 1
#else
#define HAVE_AA 0
#endif
#ifdef HAVE_SELINUX
#define HAVE_SE 1
#else
#define HAVE_SE 0
#endif

/* A directory laid out like procfs, on whatever /tmp is. */
struct fake_proc
{
  char dir[64];
  int fd;
};

static void
make_file (int dirfd, const char *path)
{
  char buf[256], *slash = buf;

  snprintf (buf, sizeof buf, "%s", path);
  while ((slash = strchr (slash + 1, '/')))
    {
      *slash = '\0';
      (void) mkdirat (dirfd, buf, 0755);
      *slash = '/';
    }
  int fd = openat (dirfd, path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
  assert_true (fd >= 0);
  close (fd);
}

static void
fake_proc_make (struct fake_proc *p)
{
  snprintf (p->dir, sizeof p->dir, "/tmp/ocirt-fakeproc-XXXXXX");
  assert_non_null (mkdtemp (p->dir));
  p->fd = open (p->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_true (p->fd >= 0);
  make_file (p->fd, "thread-self/attr/apparmor/exec");
  make_file (p->fd, "thread-self/attr/exec");
}

static off_t
file_size (int dirfd, const char *path)
{
  struct stat st;

  assert_int_equal (fstatat (dirfd, path, &st, 0), 0);
  return st.st_size;
}

static void
fake_proc_remove (struct fake_proc *p)
{
  static const char *const paths[] = { "thread-self/attr/apparmor/exec", "thread-self/attr/exec",
                                       "thread-self/attr/apparmor", "thread-self/attr", "thread-self" };

  for (size_t i = 0; i < ARRAY_SIZE (paths); i++)
    (void) unlinkat (p->fd, paths[i], i < 2 ? 0 : AT_REMOVEDIR);
  close (p->fd);
  rmdir (p->dir);
}

static void
test_fake_procfs_refused (void **state)
{
  _cleanup_error_ struct ocirt_error *e1 = NULL, *e2 = NULL, *e3 = NULL;
  struct fake_proc p;
  static const char *const attrs[] = { "thread-self/attr/exec", NULL };

  fake_proc_make (&p);
  assert_int_equal (lsm_apply_apparmor (p.fd, "container-default", &e1), -EXDEV);
  assert_non_null (strstr (e1->msg, "apply AppArmor profile `container-default`"));
  assert_non_null (strstr (e1->msg, "not on procfs"));
  assert_int_equal (lsm_write_proc_attr (p.fd, attrs, "x", &e2), -EXDEV);
  /* Nothing was written where the label would have vanished. */
  assert_int_equal (file_size (p.fd, "thread-self/attr/apparmor/exec"), 0);
  assert_int_equal (file_size (p.fd, "thread-self/attr/exec"), 0);

  if (HAVE_SE)
    {
      selinux_on = 1;
      assert_int_equal (lsm_apply_selinux (p.fd, "system_u:system_r:container_t:s0", &e3), -EXDEV);
      assert_non_null (strstr (e3->msg, "set SELinux label"));
      assert_int_equal (file_size (p.fd, "thread-self/attr/exec"), 0);
      selinux_on = 0;
    }
  fake_proc_remove (&p);
}

/* A procfs directory whose attribute file is a real procfs mount point, but
   with a plain file bind-mounted over it (CVE-2019-19921): refused. */
static void
child_bind_over_attr (void *arg)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  static const char *const attrs[] = { "thread-self/attr/exec", NULL };
  char target[128], decoy[] = "/tmp/ocirt-decoy-XXXXXX";
  struct stat st;
  int fd;

  CHILD_CHECK (unshare (CLONE_NEWNS) == 0);
  CHILD_CHECK (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
  fd = mkstemp (decoy);
  CHILD_CHECK (fd >= 0);
  close (fd);
  snprintf (target, sizeof target, "/proc/%d/task/%ld/attr/exec", getpid (), (long) syscall (SYS_gettid));
  CHILD_CHECK (mount (decoy, target, NULL, MS_BIND, NULL) == 0);
  CHILD_CHECK (lsm_write_proc_attr (-1, attrs, "system_u:system_r:unconfined_t:s0", &err) == -EXDEV);
  CHILD_CHECK (stat (decoy, &st) == 0 && st.st_size == 0);
  unlink (decoy);
}

static void
test_mount_over_attr_refused (void **state)
{
  SKIP_UNLESS_ROOT ();
  assert_child_ok (child_bind_over_attr, NULL);
}

static void
test_real_procfs_falls_back_to_attr_exec (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  int r;

  if (access ("/proc/thread-self/attr/apparmor", F_OK) == 0)
    {
      print_message ("skipped: this kernel has AppArmor's attribute directory\n");
      skip ();
    }
  /* attr/apparmor/exec is missing, so the write goes to attr/exec, where no
     LSM takes it: the kernel's refusal shows the write was reached. */
  r = lsm_apply_apparmor (-1, "some-profile", &err);
  assert_true (r < 0);
  assert_non_null (strstr (err->msg, "write `exec some-profile`"));
}

static void
test_check_process_apparmor (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct oci_process p = { .apparmor_profile = (char *) "acme" };

  SKIP_WITHOUT (HAVE_AA);
  apparmor_on = 0;
  assert_int_equal (lsm_check_process (&p, &err), -EINVAL);
  assert_string_equal (err->msg, "apparmor profile acme specified but AppArmor is not enabled on the host");
  apparmor_on = 1;
  assert_int_equal (lsm_check_process (&p, NULL), 0);
  apparmor_on = 0;
  p.apparmor_profile = NULL;
  assert_int_equal (lsm_check_process (&p, NULL), 0);
  assert_int_equal (lsm_check_process (NULL, NULL), 0);
}

static void
test_selinux_disabled_ignored (void **state)
{
  struct oci_process p = { .selinux_label = (char *) "system_u:system_r:container_t:s0" };
  struct fake_proc fp;

  SKIP_WITHOUT (HAVE_SE);
  selinux_on = 0;
  assert_int_equal (lsm_check_process (&p, NULL), 0);
  /* Not even the fake procfs is looked at: nothing to refuse. */
  fake_proc_make (&fp);
  assert_int_equal (lsm_apply_selinux (fp.fd, p.selinux_label, NULL), 0);
  assert_int_equal (file_size (fp.fd, "thread-self/attr/exec"), 0);
  fake_proc_remove (&fp);
  /* And no label, no work, even with SELinux on. */
  selinux_on = 1;
  assert_int_equal (lsm_apply_selinux (-1, NULL, NULL), 0);
  assert_int_equal (lsm_apply_selinux (-1, "", NULL), 0);
  assert_int_equal (lsm_apply_apparmor (-1, NULL, NULL), 0);
  selinux_on = 0;
}

static void
check_filter (const char *data, const char *expect)
{
  _cleanup_free_ char *out = NULL;

  assert_int_equal (lsm_filter_mount_data (data, &out, NULL), 0);
  if (expect == NULL)
    assert_null (out);
  else
    assert_string_equal (out, expect);
}

static void
test_mount_data_filter (void **state)
{
  SKIP_WITHOUT (HAVE_SE);
  assert_true (lsm_is_selinux_mount_option ("context=\"a:b:c:s0\""));
  assert_true (lsm_is_selinux_mount_option ("rootcontext=x"));
  assert_false (lsm_is_selinux_mount_option ("contexts=x"));
  assert_false (lsm_is_selinux_mount_option ("mode=755"));

  selinux_on = 0;
  assert_true (lsm_mount_option_dropped ("fscontext=x"));
  assert_false (lsm_mount_option_dropped ("size=10"));
  check_filter ("mode=755,context=\"system_u:object_r:t:s0:c1,c2\",size=65536k", "mode=755,size=65536k");
  check_filter ("fscontext=a,defcontext=b,rootcontext=c,context=d", NULL);
  check_filter ("size=1,,nr_inodes=2", "size=1,nr_inodes=2");
  check_filter (NULL, NULL);
  check_filter ("", NULL);

  selinux_on = 1;
  assert_false (lsm_mount_option_dropped ("fscontext=x"));
  check_filter ("mode=755,context=\"system_u:object_r:t:s0:c1,c2\"",
                "mode=755,context=\"system_u:object_r:t:s0:c1,c2\"");
  selinux_on = 0;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_fake_procfs_refused),
    cmocka_unit_test (test_mount_over_attr_refused),
    cmocka_unit_test (test_real_procfs_falls_back_to_attr_exec),
    cmocka_unit_test (test_check_process_apparmor),
    cmocka_unit_test (test_selinux_disabled_ignored),
    cmocka_unit_test (test_mount_data_filter),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
