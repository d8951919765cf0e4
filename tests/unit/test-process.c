/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/process-exec.h"
#include "core/process-names.h"
#include "core/process.h"
#include "fork-check.h"

/* --- close_range can be made to fail, to exercise the fallback --------- */

static int fail_close_range;
int __real_close_range (unsigned int first, unsigned int last, int flags);
int __wrap_close_range (unsigned int first, unsigned int last, int flags);

int
__wrap_close_range (unsigned int first, unsigned int last, int flags)
{
  if (fail_close_range)
    {
      errno = ENOSYS;
      return -1;
    }
  return __real_close_range (first, last, flags);
}

/* --- helpers -------------------------------------------------------------- */

static int
rm_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st, (void) flag, (void) ftw;
  return remove (path);
}

static char *
make_tmpdir (void)
{
  char *d = strdup ("/tmp/ocirt-test-process-XXXXXX");
  assert_non_null (mkdtemp (d));
  return d;
}

static void
remove_tree (char *d)
{
  nftw (d, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free (d);
}

static void
write_file (const char *path, const char *content, mode_t mode)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, content, strlen (content)), (ssize_t) strlen (content));
  close (fd);
  chmod (path, mode);
}

static bool
bit_set (const uint64_t *bits, size_t nwords, unsigned i)
{
  return i / 64 < nwords && (bits[i / 64] >> (i % 64)) & 1;
}

/* --- pure name tables ------------------------------------------------------ */

static void
test_names (void **state)
{
  (void) state;
  assert_int_equal (process_rlimit_from_name ("RLIMIT_NOFILE"), RLIMIT_NOFILE);
  assert_int_equal (process_rlimit_from_name ("RLIMIT_RTTIME"), RLIMIT_RTTIME);
  assert_int_equal (process_rlimit_from_name ("RLIMIT_MSGQUEUE"), RLIMIT_MSGQUEUE);
  assert_int_equal (process_rlimit_from_name ("rlimit_nofile"), -1);
  assert_int_equal (process_rlimit_from_name ("RLIMIT_FOO"), -1);
  assert_int_equal (process_rlimit_from_name (NULL), -1);

  assert_int_equal (process_sched_policy_from_name ("SCHED_OTHER"), SCHED_OTHER);
  assert_int_equal (process_sched_policy_from_name ("SCHED_BATCH"), SCHED_BATCH);
  assert_int_equal (process_sched_policy_from_name ("SCHED_IDLE"), SCHED_IDLE);
  assert_int_equal (process_sched_policy_from_name ("SCHED_FIFO"), SCHED_FIFO);
  assert_int_equal (process_sched_policy_from_name ("SCHED_DEADLINE"), 6);
  assert_int_equal (process_sched_policy_from_name ("SCHED_NOPE"), -1);
  assert_int_equal (process_sched_flag_from_name ("SCHED_FLAG_RESET_ON_FORK"), 1);
  assert_int_equal (process_sched_flag_from_name ("SCHED_FLAG_UTIL_CLAMP_MAX"), 0x40);
  assert_int_equal (process_sched_flag_from_name ("SCHED_FLAG_X"), -1);

  assert_int_equal (process_ioprio_class_from_name ("IOPRIO_CLASS_RT"), 1);
  assert_int_equal (process_ioprio_class_from_name ("IOPRIO_CLASS_IDLE"), 3);
  assert_int_equal (process_ioprio_class_from_name ("IOPRIO_CLASS_NONE"), -1);

  assert_int_equal (process_personality_from_domain ("LINUX"), PER_LINUX);
  assert_int_equal (process_personality_from_domain ("LINUX32"), PER_LINUX32);
  assert_int_equal (process_personality_from_domain ("linux"), -1);

  assert_int_equal (process_mempolicy_mode_from_name ("MPOL_BIND"), 2);
  assert_int_equal (process_mempolicy_mode_from_name ("MPOL_WEIGHTED_INTERLEAVE"), 6);
  assert_int_equal (process_mempolicy_mode_from_name ("MPOL_X"), -1);
  assert_int_equal (process_mempolicy_flag_from_name ("MPOL_F_STATIC_NODES"), 1 << 15);
  assert_int_equal (process_mempolicy_flag_from_name ("MPOL_F_X"), -1);
}

static void
test_id_list (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ uint64_t *bits = NULL;
  size_t n = 99;
  static const char *const bad[] = { "3-1", "a", "1,", "-1", "1-", "1;2", "0x3", "70000", "1 2" };

  (void) state;
  assert_int_equal (process_parse_id_list ("0-3,7", "cpus", &bits, &n, &err), 0);
  assert_int_equal (n, 1);
  for (unsigned i = 0; i < 64; i++)
    assert_int_equal (bit_set (bits, n, i), i <= 3 || i == 7);
  free (TAKE_PTR (bits));

  assert_int_equal (process_parse_id_list (" 130 ,64-65\n", "cpus", &bits, &n, &err), 0);
  assert_int_equal (n, 3);
  assert_true (bit_set (bits, n, 130) && bit_set (bits, n, 64) && bit_set (bits, n, 65));
  assert_false (bit_set (bits, n, 63) || bit_set (bits, n, 66) || bit_set (bits, n, 129));
  free (TAKE_PTR (bits));

  assert_int_equal (process_parse_id_list ("", "cpus", &bits, &n, &err), 0);
  assert_int_equal (n, 0);
  assert_null (bits);

  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      _cleanup_error_ struct ocirt_error *e = NULL;
      assert_true (process_parse_id_list (bad[i], "linux.memoryPolicy.nodes", &bits, &n, &e) < 0);
      assert_non_null (e);
      assert_non_null (strstr (e->msg, "linux.memoryPolicy.nodes"));
      assert_null (bits);
    }
}

/* --- rlimits ---------------------------------------------------------------- */

static void
child_rlimits (void *arg)
{
  struct oci_rlimit rl[] = { { (char *) "RLIMIT_NOFILE", 100, 200 }, { (char *) "RLIMIT_CORE", 0, 0 } };
  struct oci_process p = { .rlimits = rl, .rlimits_len = 2 };
  struct ocirt_error *err = NULL;
  struct rlimit got;

  (void) arg;
  CHILD_CHECK (process_set_rlimits (&p, &err) == 0);
  CHILD_CHECK (getrlimit (RLIMIT_NOFILE, &got) == 0 && got.rlim_cur == 100 && got.rlim_max == 200);
  CHILD_CHECK (getrlimit (RLIMIT_CORE, &got) == 0 && got.rlim_cur == 0 && got.rlim_max == 0);
}

/* Raising a hard limit needs CAP_SYS_RESOURCE: dropped here from the
   effective set so the outcome is the same for root and for others. */
static void
child_rlimit_raise (void *arg)
{
  struct oci_rlimit rl[] = { { (char *) "RLIMIT_NOFILE", 64, 128 } };
  struct oci_process p = { .rlimits = rl, .rlimits_len = 1 };
  struct rlimit low = { 32, 64 };
  struct ocirt_error *err = NULL;
  cap_value_t res = CAP_SYS_RESOURCE;
  cap_t caps = cap_get_proc ();

  (void) arg;
  CHILD_CHECK (caps != NULL);
  CHILD_CHECK (cap_set_flag (caps, CAP_EFFECTIVE, 1, &res, CAP_CLEAR) == 0);
  CHILD_CHECK (cap_set_proc (caps) == 0);
  CHILD_CHECK (setrlimit (RLIMIT_NOFILE, &low) == 0);
  CHILD_CHECK (process_set_rlimits (&p, &err) == -EPERM);
  CHILD_CHECK (strstr (err->msg, "process.rlimits[0]") && strstr (err->msg, "RLIMIT_NOFILE"));
}

static void
child_rlimit_unknown (void *arg)
{
  struct oci_rlimit rl[] = { { (char *) "RLIMIT_CORE", 0, 0 }, { (char *) "RLIMIT_FOO", 1, 1 } };
  struct oci_process p = { .rlimits = rl, .rlimits_len = 2 };
  struct ocirt_error *err = NULL;

  (void) arg;
  CHILD_CHECK (process_set_rlimits (&p, &err) == -EINVAL);
  CHILD_CHECK (strstr (err->msg, "process.rlimits[1].type") && strstr (err->msg, "RLIMIT_FOO"));
}

static void
test_rlimits (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct oci_rlimit inverted[] = { { (char *) "RLIMIT_CORE", 10, 5 } };
  struct oci_process p = { .rlimits = inverted, .rlimits_len = 1 };

  (void) state;
  assert_child_ok (child_rlimits, NULL);
  assert_child_ok (child_rlimit_raise, NULL);
  assert_child_ok (child_rlimit_unknown, NULL);
  assert_int_equal (process_set_rlimits (&p, &err), -EINVAL);
  assert_non_null (strstr (err->msg, "soft limit 10 is above hard limit 5"));
}

/* --- oom_score_adj -------------------------------------------------------- */

static int
read_oom_score_adj (void)
{
  char buf[32] = "";
  int fd = open ("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read (fd, buf, sizeof buf - 1) : -1;

  if (fd >= 0)
    close (fd);
  return n > 0 ? atoi (buf) : INT_MIN;
}

static void
child_oom (void *arg)
{
  struct oci_process p = { .oom_score_adj = 0 };
  struct ocirt_error *err = NULL;
  int before = read_oom_score_adj ();
  int target = before < 900 ? before + 77 : 1000; /* raising needs no privilege */

  (void) arg;
  CHILD_CHECK (process_set_oom_score_adj (&p, &err) == 0);
  CHILD_CHECK (read_oom_score_adj () == before); /* absent: untouched */
  p.oom_score_adj = target;
  p.oom_score_adj_present = true;
  CHILD_CHECK (process_set_oom_score_adj (&p, &err) == 0);
  CHILD_CHECK (read_oom_score_adj () == target);
}

static void
test_oom_score_adj (void **state)
{
  (void) state;
  assert_child_ok (child_oom, NULL);
}

/* --- scheduler, I/O priority, personality --------------------------------- */

static void
child_scheduler (void *arg)
{
  char *flags[] = { (char *) "SCHED_FLAG_RESET_ON_FORK" };
  struct oci_scheduler s = { .policy = (char *) "SCHED_BATCH", .nice = 7, .flags = flags, .flags_len = 1 };
  struct oci_process p = { .scheduler = &s };
  struct ocirt_error *err = NULL;

  (void) arg;
  CHILD_CHECK (process_set_scheduler (&p, &err) == 0);
  CHILD_CHECK (sched_getscheduler (0) == (SCHED_BATCH | SCHED_RESET_ON_FORK));
  errno = 0;
  CHILD_CHECK (getpriority (PRIO_PROCESS, 0) == 7 && errno == 0);
}

static void
test_scheduler (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct oci_scheduler s = { .policy = (char *) "SCHED_WHATEVER" };
  struct oci_process p = { .scheduler = &s };

  (void) state;
  assert_child_ok (child_scheduler, NULL);
  assert_int_equal (process_set_scheduler (&p, &err), -EINVAL);
  assert_non_null (strstr (err->msg, "process.scheduler.policy"));
}

static void
child_ioprio (void *arg)
{
  struct oci_io_priority io = { .class_ = (char *) "IOPRIO_CLASS_BE", .priority = 6 };
  struct oci_process p = { .io_priority = &io };
  struct ocirt_error *err = NULL;

  (void) arg;
  CHILD_CHECK (process_set_io_priority (&p, &err) == 0);
  CHILD_CHECK (syscall (SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0) == ((2 << 13) | 6));
}

static void
test_io_priority (void **state)
{
  struct oci_io_priority bad_class = { .class_ = (char *) "IOPRIO_CLASS_X", .priority = 1 };
  struct oci_io_priority bad_prio = { .class_ = (char *) "IOPRIO_CLASS_BE", .priority = 9 };
  struct oci_process p = { .io_priority = &bad_class };

  (void) state;
  assert_child_ok (child_ioprio, NULL);
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    assert_int_equal (process_set_io_priority (&p, &err), -EINVAL);
    assert_non_null (strstr (err->msg, "process.ioPriority.class"));
  }
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    p.io_priority = &bad_prio;
    assert_int_equal (process_set_io_priority (&p, &err), -EINVAL);
    assert_non_null (strstr (err->msg, "process.ioPriority.priority"));
  }
}

static void
child_personality (void *arg)
{
  struct oci_personality pers = { .domain = (char *) "LINUX32" };
  struct ocirt_error *err = NULL;

  (void) arg;
  CHILD_CHECK (process_set_personality (&pers, &err) == 0);
  CHILD_CHECK ((personality (0xffffffff) & PER_MASK) == PER_LINUX32);
  pers.domain = (char *) "LINUX";
  CHILD_CHECK (process_set_personality (&pers, &err) == 0);
  CHILD_CHECK ((personality (0xffffffff) & PER_MASK) == PER_LINUX);
}

static void
test_personality (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct oci_personality pers = { .domain = (char *) "BSD" };

  (void) state;
  assert_child_ok (child_personality, NULL);
  assert_int_equal (process_set_personality (&pers, &err), -EINVAL);
  assert_non_null (strstr (err->msg, "linux.personality.domain"));
}

/* --- CPU affinity and memory policy --------------------------------------- */

static void
child_affinity (void *arg)
{
  cpu_set_t before, after;
  struct ocirt_error *err = NULL;
  char list[32];
  int cpu = -1;

  (void) arg;
  CHILD_CHECK (sched_getaffinity (0, sizeof before, &before) == 0);
  CHILD_CHECK (process_set_cpu_affinity (NULL, &err) == 0);
  CHILD_CHECK (process_set_cpu_affinity ("", &err) == 0);
  CHILD_CHECK (sched_getaffinity (0, sizeof after, &after) == 0 && CPU_EQUAL (&before, &after));
  for (int i = CPU_SETSIZE - 1; i >= 0; i--)
    if (CPU_ISSET (i, &before))
      cpu = i;
  CHILD_CHECK (cpu >= 0);
  snprintf (list, sizeof list, "%d-%d", cpu, cpu);
  CHILD_CHECK (process_set_cpu_affinity (list, &err) == 0);
  CHILD_CHECK (sched_getaffinity (0, sizeof after, &after) == 0);
  CHILD_CHECK (CPU_COUNT (&after) == 1 && CPU_ISSET (cpu, &after));
}

static void
test_cpu_affinity (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;

  (void) state;
  assert_child_ok (child_affinity, NULL);
  assert_int_equal (process_set_cpu_affinity ("0-", &err), -EINVAL);
  assert_non_null (strstr (err->msg, "\"0-\""));
}

#define MPOL_BIND_MODE 2

static void
child_mempolicy (void *arg)
{
  struct oci_memory_policy mp = { .mode = (char *) "MPOL_BIND", .nodes = (char *) "0" };
  struct ocirt_error *err = NULL;
  int mode = -1;

  (void) arg;
  CHILD_CHECK (process_set_memory_policy (&mp, &err) == 0);
  CHILD_CHECK (syscall (SYS_get_mempolicy, &mode, NULL, 0, NULL, 0) == 0);
  CHILD_CHECK (mode == MPOL_BIND_MODE);
  mp.mode = (char *) "MPOL_DEFAULT";
  mp.nodes = NULL;
  CHILD_CHECK (process_set_memory_policy (&mp, &err) == 0);
  CHILD_CHECK (syscall (SYS_get_mempolicy, &mode, NULL, 0, NULL, 0) == 0 && mode == 0);
}

static void
test_memory_policy (void **state)
{
  struct oci_memory_policy def_nodes = { .mode = (char *) "MPOL_DEFAULT", .nodes = (char *) "0" };
  struct oci_memory_policy bind_none = { .mode = (char *) "MPOL_BIND" };
  struct oci_memory_policy unknown = { .mode = (char *) "MPOL_NOPE" };
  const struct oci_memory_policy *bad[] = { &def_nodes, &bind_none, &unknown };

  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      _cleanup_error_ struct ocirt_error *err = NULL;
      assert_int_equal (process_set_memory_policy (bad[i], &err), -EINVAL);
      assert_non_null (strstr (err->msg, "linux.memoryPolicy"));
    }
  if (syscall (SYS_get_mempolicy, NULL, NULL, 0, NULL, 0) < 0 && errno == ENOSYS)
    {
      print_message ("skipped: the kernel has no NUMA support\n");
      skip ();
    }
  assert_child_ok (child_mempolicy, NULL);
}

/* --- user ------------------------------------------------------------------ */

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
child_change_user (void *arg)
{
  uint32_t gids[] = { 5, 6 };
  struct oci_user u = { .uid = 1000,
                        .gid = 1001,
                        .additional_gids = gids,
                        .additional_gids_len = 2,
                        .umask = 077,
                        .umask_present = true };
  struct ocirt_error *err = NULL;
  uid_t r, e, s;
  gid_t rg, eg, sg, groups[8];
  uint64_t prm_before = status_hex ("CapPrm:");

  (void) arg;
  CHILD_CHECK (process_change_user (&u, false, &err) == 0);
  CHILD_CHECK (getresuid (&r, &e, &s) == 0 && r == 1000 && e == 1000 && s == 1000);
  CHILD_CHECK (getresgid (&rg, &eg, &sg) == 0 && rg == 1001 && eg == 1001 && sg == 1001);
  CHILD_CHECK (getgroups (8, groups) == 2 && groups[0] == 5 && groups[1] == 6);
  CHILD_CHECK (umask (0) == 077);
  /* PR_SET_KEEPCAPS: the permitted set survived, the effective one did not. */
  CHILD_CHECK (status_hex ("CapPrm:") == prm_before && prm_before != 0);
  CHILD_CHECK (status_hex ("CapEff:") == 0);
}

static void
child_change_user_defaults (void *arg)
{
  struct oci_user u = { .uid = 0, .gid = 0 };
  struct ocirt_error *err = NULL;
  gid_t groups[8];

  (void) arg;
  CHILD_CHECK (setgroups (1, (gid_t[]){ 42 }) == 0);
  umask (0);
  CHILD_CHECK (process_change_user (&u, false, &err) == 0);
  CHILD_CHECK (getgroups (8, groups) == 0); /* the runtime's groups are gone */
  CHILD_CHECK (umask (0) == 0022);
  CHILD_CHECK (setgroups (1, (gid_t[]){ 42 }) == 0);
  CHILD_CHECK (process_change_user (&u, true, &err) == 0);
  CHILD_CHECK (getgroups (8, groups) == 1 && groups[0] == 42); /* skipped */
}

static void
test_change_user (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  uint32_t gids[] = { 5 };
  struct oci_user u = { .uid = 0, .gid = 0, .additional_gids = gids, .additional_gids_len = 1 };

  (void) state;
  /* Refused before any change, so safe to call here. */
  assert_int_equal (process_change_user (&u, true, &err), -EPERM);
  assert_non_null (strstr (err->msg, "process.user.additionalGids"));
  assert_int_equal (prctl (PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
  SKIP_UNLESS_ROOT ();
  assert_child_ok (child_change_user, NULL);
  assert_child_ok (child_change_user_defaults, NULL);
}

/* --- executable lookup ---------------------------------------------------- */

static void
test_resolve_executable (void **state)
{
  char *dir = make_tmpdir ();
  char a[PATH_MAX], b[PATH_MAX], path_env[3 * PATH_MAX], p[2 * PATH_MAX], expected[5 * PATH_MAX];
  char *envp[] = { (char *) "FOO=bar", path_env, NULL };
  char *no_path[] = { (char *) "FOO=bar", NULL };

  (void) state;
  snprintf (a, sizeof a, "%s/a", dir);
  snprintf (b, sizeof b, "%s/b", dir);
  assert_int_equal (mkdir (a, 0755), 0);
  assert_int_equal (mkdir (b, 0755), 0);
  snprintf (p, sizeof p, "%s/prog", a);
  write_file (p, "#!/bin/sh\n", 0644); /* not executable: skipped */
  snprintf (p, sizeof p, "%s/prog", b);
  write_file (p, "#!/bin/sh\n", 0755);
  snprintf (path_env, sizeof path_env, "PATH=relative:%s::%s", a, b);

  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    _cleanup_free_ char *found = NULL;
    assert_int_equal (process_resolve_executable ("prog", envp, &found, &err), 0);
    assert_string_equal (found, p);
  }
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    char *found = NULL;
    assert_int_equal (process_resolve_executable ("nope", envp, &found, &err), -ENOENT);
    assert_string_equal (err->msg, "exec: \"nope\": executable file not found in $PATH");
    assert_null (found);
  }
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    char *found = NULL;
    snprintf (p, sizeof p, "%s/missing", dir);
    snprintf (expected, sizeof expected, "exec: \"%s\": stat %s: no such file or directory", p, p);
    assert_int_equal (process_resolve_executable (p, envp, &found, &err), -ENOENT);
    assert_string_equal (err->msg, expected);
  }
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    char *found = NULL;
    snprintf (expected, sizeof expected, "exec: \"%s\": permission denied", a);
    assert_int_equal (process_resolve_executable (a, envp, &found, &err), -EACCES);
    assert_string_equal (err->msg, expected);
  }
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    char *found = NULL;
    snprintf (p, sizeof p, "%s/prog", a);
    assert_int_equal (process_resolve_executable (p, envp, &found, &err), -EACCES);
    assert_non_null (strstr (err->msg, "permission denied"));
  }
  {
    /* Without PATH in the environment, the default one is searched. */
    _cleanup_error_ struct ocirt_error *err = NULL;
    _cleanup_free_ char *found = NULL;
    assert_int_equal (process_resolve_executable ("sh", no_path, &found, &err), 0);
    assert_true (found[0] == '/' && strcmp (found + strlen (found) - 3, "/sh") == 0);
    assert_int_equal (access (found, X_OK), 0);
  }
  remove_tree (dir);
}

/* --- chdir ------------------------------------------------------------------ */

static void
child_chdir (void *arg)
{
  const char *dir = arg;
  struct ocirt_error *err = NULL;
  char cwd[PATH_MAX];

  CHILD_CHECK (process_chdir (dir, &err) == 0);
  CHILD_CHECK (getcwd (cwd, sizeof cwd) && strcmp (cwd, dir) == 0);
  err = NULL;
  CHILD_CHECK (process_chdir ("/nonexistent/dir", &err) == -ENOENT);
  CHILD_CHECK (strstr (err->msg, "process.cwd") != NULL);
}

/* CVE-2024-21626: a directory fd of the host leaks into a process whose root
   is elsewhere; cwd /proc/self/fd/N would land outside the root. */
static void
child_chdir_escape (void *arg)
{
  const char *dir = arg;
  char root[2 * PATH_MAX], proc[2 * PATH_MAX], outside[2 * PATH_MAX], cwd[64];
  struct ocirt_error *err = NULL;
  int fd;

  snprintf (root, sizeof root, "%s/root", dir);
  snprintf (proc, sizeof proc, "%s/root/proc", dir);
  snprintf (outside, sizeof outside, "%s/outside", dir);
  CHILD_CHECK (mkdir (root, 0755) == 0 && mkdir (proc, 0755) == 0 && mkdir (outside, 0755) == 0);
  CHILD_CHECK (unshare (CLONE_NEWNS) == 0);
  CHILD_CHECK (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
  CHILD_CHECK (mount ("/proc", proc, NULL, MS_BIND | MS_REC, NULL) == 0);
  fd = open (outside, O_RDONLY | O_DIRECTORY); /* the "leaked" fd */
  CHILD_CHECK (fd >= 0);
  CHILD_CHECK (chroot (root) == 0 && chdir ("/") == 0);
  snprintf (cwd, sizeof cwd, "/proc/self/fd/%d", fd);
  CHILD_CHECK (process_chdir (cwd, &err) == -EPERM);
  CHILD_CHECK (strstr (err->msg, "outside of the container's root") != NULL);
}

static void
test_chdir (void **state)
{
  char *dir = make_tmpdir ();
  char real[PATH_MAX];

  (void) state;
  assert_non_null (realpath (dir, real));
  assert_child_ok (child_chdir, real);
  remove_tree (dir);
}

static void
test_chdir_escape (void **state)
{
  char *dir = make_tmpdir ();
  char real[PATH_MAX];

  (void) state;
  if (geteuid () != 0)
    remove_tree (dir);
  SKIP_UNLESS_ROOT (); /* mount namespace and chroot */
  assert_non_null (realpath (dir, real));
  assert_child_ok (child_chdir_escape, real);
  remove_tree (dir);
}

/* --- fds ------------------------------------------------------------------- */

static void
child_close_fds (void *arg)
{
  struct ocirt_error *err = NULL;
  int fds[4];
  bool fallback = arg != NULL;

  fail_close_range = fallback;
  for (int i = 0; i < 4; i++)
    {
      fds[i] = open ("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
      CHILD_CHECK (fds[i] >= 3 && fcntl (fds[i], F_GETFD) == 0);
    }
  CHILD_CHECK (fds[1] > fds[0]);
  CHILD_CHECK (process_close_fds (fds[1], &err) == 0);
  CHILD_CHECK ((fcntl (fds[0], F_GETFD) & FD_CLOEXEC) == 0);
  for (int i = 1; i < 4; i++)
    CHILD_CHECK (fcntl (fds[i], F_GETFD) == FD_CLOEXEC);
}

static void
test_close_fds (void **state)
{
  (void) state;
  assert_child_ok (child_close_fds, NULL);
  assert_child_ok (child_close_fds, (void *) 1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_names),
    cmocka_unit_test (test_id_list),
    cmocka_unit_test (test_rlimits),
    cmocka_unit_test (test_oom_score_adj),
    cmocka_unit_test (test_scheduler),
    cmocka_unit_test (test_io_priority),
    cmocka_unit_test (test_personality),
    cmocka_unit_test (test_cpu_affinity),
    cmocka_unit_test (test_memory_policy),
    cmocka_unit_test (test_change_user),
    cmocka_unit_test (test_resolve_executable),
    cmocka_unit_test (test_chdir),
    cmocka_unit_test (test_chdir_escape),
    cmocka_unit_test (test_close_fds),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
