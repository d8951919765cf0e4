/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup module against fake trees laid out like /sys/fs/cgroup (v1,
   v2, hybrid): which file each resource goes to with which value, the v2
   conversions, validation before anything exists, freezing, listing and
   removing; and the eBPF device program loaded for real when we are root. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include "core/cgroup-devices-bpf.h"
#include "core/cgroup-v2.h"
#include "core/cgroup.h"
#include "ocispec.h"
#include "util/fs.h"

static char tree[64];

static void
put (const char *rel, const char *text)
{
  char path[512];
  int fd;

  snprintf (path, sizeof path, "%s/%s", tree, rel);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  assert_true (fd >= 0);
  assert_int_equal (fs_write_full (fd, text, strlen (text)), 0);
  close (fd);
}

static void
mkdirs (const char *rel)
{
  char cmd[600];

  snprintf (cmd, sizeof cmd, "mkdir -p '%s/%s'", tree, rel);
  assert_int_equal (system (cmd), 0);
}

/* The whole content of a file of the fake tree ("" when absent). */
static char *
get (const char *rel)
{
  char path[512], *text = NULL;
  _cleanup_close_ int dirfd = open (tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  snprintf (path, sizeof path, "%s", rel);
  if (fs_read_all (dirfd, path, &text, NULL) < 0)
    text = strdup ("");
  return text;
}

static bool
exists (const char *rel)
{
  char path[512];

  snprintf (path, sizeof path, "%s/%s", tree, rel);
  return access (path, F_OK) == 0;
}

#define assert_file(rel, expected)                                                                           \
  do                                                                                                         \
    {                                                                                                        \
      _cleanup_free_ char *_t = get (rel);                                                                   \
      assert_string_equal (_t, expected);                                                                    \
    }                                                                                                        \
  while (0)

static const char v1_mounts[]
    = "30 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
      "32 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
      "33 30 0:30 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
      "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "35 30 0:32 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n"
      "36 30 0:33 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n"
      "37 30 0:34 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n"
      "38 30 0:35 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
      "39 30 0:36 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
      "40 30 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n";

static const char v1_self[] = "9:name=systemd:/\n8:net_cls,net_prio:/\n7:pids:/\n6:blkio:/\n5:freezer:/\n"
                              "4:devices:/\n3:memory:/user/42\n2:cpuset:/\n1:cpu,cpuacct:/\n";

/* A v1-only tree; with `hybrid`, plus cgroup2 at unified/ with hugetlb. */
static int
setup_v1 (void **state)
{
  (void) state;
  snprintf (tree, sizeof tree, "/tmp/ocirt-cgtest-XXXXXX");
  assert_non_null (mkdtemp (tree));
  put ("mountinfo", v1_mounts);
  put ("cgroup", v1_self);
  mkdirs ("sys/fs/cgroup/cpu,cpuacct");
  mkdirs ("sys/fs/cgroup/cpuset");
  mkdirs ("sys/fs/cgroup/memory/user/42");
  mkdirs ("sys/fs/cgroup/devices");
  mkdirs ("sys/fs/cgroup/freezer");
  mkdirs ("sys/fs/cgroup/blkio");
  mkdirs ("sys/fs/cgroup/pids");
  mkdirs ("sys/fs/cgroup/net_cls,net_prio");
  mkdirs ("sys/fs/cgroup/systemd");
  put ("sys/fs/cgroup/cpuset/cpuset.cpus", "0-3\n");
  put ("sys/fs/cgroup/cpuset/cpuset.mems", "0\n");
  cgroup_set_root_for_tests (tree);
  return 0;
}

static int
setup_hybrid (void **state)
{
  char mounts[sizeof v1_mounts + 128], self[sizeof v1_self + 16];

  setup_v1 (state);
  snprintf (mounts, sizeof mounts, "%s41 30 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
            v1_mounts);
  snprintf (self, sizeof self, "%s0::/\n", v1_self);
  put ("mountinfo", mounts);
  put ("cgroup", self);
  mkdirs ("sys/fs/cgroup/unified");
  put ("sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
  cgroup_set_root_for_tests (tree);
  return 0;
}

static int
setup_v2 (void **state)
{
  (void) state;
  snprintf (tree, sizeof tree, "/tmp/ocirt-cgtest-XXXXXX");
  assert_non_null (mkdtemp (tree));
  put ("mountinfo", "30 23 0:28 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
  put ("cgroup", "0::/user.slice/session-1.scope\n");
  mkdirs ("sys/fs/cgroup/user.slice/session-1.scope");
  put ("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  cgroup_set_root_for_tests (tree);
  return 0;
}

static int
teardown (void **state)
{
  char cmd[128];

  (void) state;
  cgroup_set_root_for_tests (NULL);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tree);
  return system (cmd);
}

static struct oci_config *
config (const char *linux_json)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct oci_config *c = NULL;
  char *json = NULL;

  assert_true (
      asprintf (&json, "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":%s}", linux_json) > 0);
  if (oci_config_parse (json, strlen (json), &c, &err) < 0)
    fail_msg ("%s", err->msg);
  free (json);
  return c;
}

/* cgroup_plan + cgroup_create; returns the identifier. */
static char *
create (const char *linux_json)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = config (linux_json);
  char *path = NULL;

  if (cgroup_plan ("c1", c->linux_, false, &path, &err) < 0
      || cgroup_create (path, c->linux_, CGROUP_ANY, NULL, &err) < 0)
    fail_msg ("%s", err->msg);
  return path;
}

/* The error cgroup_plan gives, or NULL. */
static char *
plan_error (const char *linux_json, bool systemd)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = config (linux_json);
  _cleanup_free_ char *path = NULL;

  if (cgroup_plan ("c1", c->linux_, systemd, &path, &err) == 0)
    return NULL;
  return strdup (err->msg);
}

#define assert_plan_error(json, systemd, needle)                                                             \
  do                                                                                                         \
    {                                                                                                        \
      _cleanup_free_ char *_m = plan_error (json, systemd);                                                  \
      assert_non_null (_m);                                                                                  \
      if (strstr (_m, needle) == NULL)                                                                       \
        fail_msg ("error `%s` lacks `%s`", _m, needle);                                                      \
    }                                                                                                        \
  while (0)

/* --- v1 ------------------------------------------------------------------ */

static void
test_v1_paths (void **state)
{
  _cleanup_free_ char *abs = create ("{\"cgroupsPath\":\"/pod//x/\"}");
  _cleanup_free_ char *rel = NULL;

  (void) state;
  assert_string_equal (abs, "/pod/x");
  assert_true (exists ("sys/fs/cgroup/memory/pod/x"));
  assert_true (exists ("sys/fs/cgroup/cpu,cpuacct/pod/x"));
  assert_true (exists ("sys/fs/cgroup/systemd/pod/x"));
  /* Relative (or absent): below our own cgroup, which differs per hierarchy. */
  rel = create ("{}");
  assert_non_null (strstr (rel, "memory:/user/42/c1\n"));
  assert_non_null (strstr (rel, "cpu,cpuacct:/c1"));
  assert_true (exists ("sys/fs/cgroup/memory/user/42/c1"));
  assert_true (exists ("sys/fs/cgroup/pids/c1"));
  {
    _cleanup_error_ struct ocirt_error *err = NULL;
    _cleanup_free_ char *sub_abs = NULL, *sub_rel = NULL, *top = NULL, *split = NULL;
    char *all[] = { "s/t" }, *one[] = { "s" }, *up[] = { "../x" }, *slash[] = { "/" };
    char *per[] = { "memory:m", "/./g", "cpu,cpuacct:c/d" }, *bad[] = { "whaaat:/" };
    assert_int_equal (cgroup_sub_ident (abs, all, 1, &sub_abs, &err), 0);
    assert_non_null (strstr (sub_abs, "memory:/pod/x/s/t"));
    assert_non_null (strstr (sub_abs, "cpu,cpuacct:/pod/x/s/t"));
    assert_int_equal (cgroup_sub_ident (rel, one, 1, &sub_rel, &err), 0);
    assert_non_null (strstr (sub_rel, "memory:/user/42/c1/s\n"));
    assert_non_null (strstr (sub_rel, "pids:/c1/s"));
    assert_int_equal (cgroup_sub_ident (abs, slash, 1, &top, &err), 0);
    assert_non_null (strstr (top, "memory:/pod/x\n"));
    /* Controller-specific specs win over the general one, in any order. */
    assert_int_equal (cgroup_sub_ident (abs, per, 3, &split, &err), 0);
    assert_non_null (strstr (split, "memory:/pod/x/m\n"));
    assert_non_null (strstr (split, "cpu,cpuacct:/pod/x/c/d"));
    assert_non_null (strstr (split, "pids:/pod/x/g"));
    assert_true (cgroup_sub_ident (rel, up, 1, &sub_rel, &err) < 0);
    assert_non_null (strstr (err->msg, "../x is not a sub cgroup path"));
    ocirt_error_free (err);
    err = NULL;
    assert_true (cgroup_sub_ident (rel, bad, 1, &sub_rel, &err) < 0);
    assert_non_null (strstr (err->msg, "unknown controller `whaaat`"));
  }
  /* A new cpuset cgroup gets its parent's CPUs and nodes. */
  assert_file ("sys/fs/cgroup/cpuset/c1/cpuset.cpus", "0-3\n");
  assert_file ("sys/fs/cgroup/cpuset/c1/cpuset.mems", "0\n");
}

/* cgroup_create says whether the cgroup was there already (create then
   checks it for processes) or made in every hierarchy now. */
static void
test_v1_create_tells_new_from_existing (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = config ("{\"cgroupsPath\":\"/fresh/one\"}");

  (void) state;
  assert_int_equal (cgroup_create ("/fresh/one", c->linux_, CGROUP_ANY, NULL, &err), 0);
  assert_true (exists ("sys/fs/cgroup/memory/fresh/one"));
  assert_int_equal (cgroup_create ("/fresh/one", c->linux_, CGROUP_ANY, NULL, &err), 1);
  /* There in one hierarchy only is there all the same. */
  {
    _cleanup_close_ int dirfd = open (tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_int_equal (fs_remove_tree (dirfd, "sys/fs/cgroup/memory/fresh"), 0);
  }
  assert_int_equal (cgroup_create ("/fresh/one", c->linux_, CGROUP_ANY, NULL, &err), 1);
  assert_int_equal (cgroup_create ("/fresh/two", c->linux_, CGROUP_ANY, NULL, &err), 0);
  /* The top of a hierarchy always exists. */
  assert_int_equal (cgroup_create ("/", c->linux_, CGROUP_ANY, NULL, &err), 1);
}

static void
test_v1_resources (void **state)
{
  _cleanup_free_ char *p = NULL;

  (void) state;
  p = create (
      "{\"cgroupsPath\":\"/x\",\"resources\":{"
      "\"memory\":{\"limit\":1048576,\"reservation\":524288,\"swap\":2097152,\"kernel\":4096,"
      "\"kernelTCP\":8192,\"swappiness\":10,\"disableOOMKiller\":true,\"useHierarchy\":true},"
      "\"cpu\":{\"shares\":512,\"quota\":20000,\"burst\":1000,\"period\":100000,\"realtimeRuntime\":950,"
      "\"realtimePeriod\":1000,\"cpus\":\"1-2\",\"mems\":\"0\",\"idle\":1},"
      "\"blockIO\":{\"weight\":300,\"leafWeight\":200,\"weightDevice\":[{\"major\":8,\"minor\":0,"
      "\"weight\":500}],\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1000}],"
      "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":30}]},"
      "\"pids\":{\"limit\":42},"
      "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]}}}");
  assert_file ("sys/fs/cgroup/memory/x/memory.limit_in_bytes", "1048576\n");
  assert_file ("sys/fs/cgroup/memory/x/memory.memsw.limit_in_bytes", "2097152\n");
  assert_file ("sys/fs/cgroup/memory/x/memory.soft_limit_in_bytes", "524288\n");
  assert_file ("sys/fs/cgroup/memory/x/memory.kmem.limit_in_bytes", "4096\n");
  assert_file ("sys/fs/cgroup/memory/x/memory.kmem.tcp.limit_in_bytes", "8192\n");
  assert_file ("sys/fs/cgroup/memory/x/memory.swappiness", "10\n");
  assert_file ("sys/fs/cgroup/memory/x/memory.oom_control", "1\n");
  assert_file ("sys/fs/cgroup/memory/x/memory.use_hierarchy", "1\n");
  assert_file ("sys/fs/cgroup/cpu,cpuacct/x/cpu.shares", "512\n");
  assert_file ("sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_period_us", "100000\n");
  assert_file ("sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_quota_us", "20000\n");
  assert_file ("sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_burst_us", "1000\n");
  assert_file ("sys/fs/cgroup/cpu,cpuacct/x/cpu.rt_period_us", "1000\n");
  assert_file ("sys/fs/cgroup/cpu,cpuacct/x/cpu.rt_runtime_us", "950\n");
  assert_file ("sys/fs/cgroup/cpu,cpuacct/x/cpu.idle", "1\n");
  /* The parent's values first, then the config's. */
  assert_file ("sys/fs/cgroup/cpuset/x/cpuset.cpus", "0-3\n1-2\n");
  assert_file ("sys/fs/cgroup/blkio/x/blkio.weight", "300\n");
  assert_file ("sys/fs/cgroup/blkio/x/blkio.leaf_weight", "200\n");
  assert_file ("sys/fs/cgroup/blkio/x/blkio.weight_device", "8:0 500\n");
  assert_file ("sys/fs/cgroup/blkio/x/blkio.throttle.read_bps_device", "8:0 1000\n");
  assert_file ("sys/fs/cgroup/blkio/x/blkio.throttle.write_iops_device", "8:16 30\n");
  assert_file ("sys/fs/cgroup/pids/x/pids.max", "42\n");
  assert_file ("sys/fs/cgroup/net_cls,net_prio/x/net_cls.classid", "1048577\n");
  assert_file ("sys/fs/cgroup/net_cls,net_prio/x/net_prio.ifpriomap", "eth0 5\n");
  /* Nothing of another controller lands in a hierarchy. */
  assert_false (exists ("sys/fs/cgroup/pids/x/memory.limit_in_bytes"));
}

static void
test_v1_memory_order (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *p = create ("{\"cgroupsPath\":\"/x\"}");
  _cleanup_resources_ struct oci_resources *res = NULL;
  const char *grow = "{\"memory\":{\"limit\":8000000,\"swap\":16000000}}";

  (void) state;
  /* Growing past the current memsw limit: memsw first, or the kernel
     refuses memory.limit > memory.memsw.limit. */
  put ("sys/fs/cgroup/memory/x/memory.memsw.limit_in_bytes", "2000000\n");
  assert_int_equal (oci_resources_parse (grow, strlen (grow), &res, &err), 0);
  assert_int_equal (cgroup_update (p, res, &err), 0);
  assert_file ("sys/fs/cgroup/memory/x/memory.memsw.limit_in_bytes", "2000000\n16000000\n");
  assert_file ("sys/fs/cgroup/memory/x/memory.limit_in_bytes", "8000000\n");
  /* Shrinking: the limit first. Then limit -1 alone lifts swap too. */
  oci_resources_free (res);
  res = NULL;
  put ("sys/fs/cgroup/memory/x/memory.memsw.limit_in_bytes", "16000000\n");
  put ("sys/fs/cgroup/memory/x/memory.limit_in_bytes", "");
  grow = "{\"memory\":{\"limit\":1000000,\"swap\":3000000}}";
  assert_int_equal (oci_resources_parse (grow, strlen (grow), &res, &err), 0);
  assert_int_equal (cgroup_update (p, res, &err), 0);
  assert_file ("sys/fs/cgroup/memory/x/memory.limit_in_bytes", "1000000\n");
  assert_file ("sys/fs/cgroup/memory/x/memory.memsw.limit_in_bytes", "16000000\n3000000\n");
}

static void
test_v1_check_before_update (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *p = create ("{\"cgroupsPath\":\"/x\"}");
  _cleanup_resources_ struct oci_resources *res = NULL;
  const char *json = "{\"memory\":{\"limit\":1000,\"checkBeforeUpdate\":true}}";

  (void) state;
  put ("sys/fs/cgroup/memory/x/memory.usage_in_bytes", "5000\n");
  assert_int_equal (oci_resources_parse (json, strlen (json), &res, &err), 0);
  assert_true (cgroup_update (p, res, &err) < 0);
  assert_non_null (strstr (err->msg, "below the current usage"));
  assert_false (exists ("sys/fs/cgroup/memory/x/memory.limit_in_bytes"));
}

static void
test_v1_devices (void **state)
{
  _cleanup_free_ char *p
      = create ("{\"cgroupsPath\":\"/x\",\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\","
                "\"major\":10,\"minor\":229}],\"resources\":{\"devices\":["
                "{\"allow\":false,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"r\"}]}}");
  _cleanup_free_ char *deny = get ("sys/fs/cgroup/devices/x/devices.deny");
  _cleanup_free_ char *allow = get ("sys/fs/cgroup/devices/x/devices.allow");

  (void) state;
  /* Reset to deny-all, then the rules in order: config, standard. A
     linux.devices entry is created, not allowed (runc's dev.bats checks it). */
  assert_string_equal (deny, "a\na\n");
  assert_true (strncmp (allow, "b 8:* r\nc *:* m\nb *:* m\nc 1:3 rwm\n", 30) == 0);
  assert_null (strstr (allow, "c 10:229"));
  assert_non_null (strstr (allow, "c 136:* rwm\n"));
}

/* v1 has no cgroup.kill: a populated cgroup is frozen around the kill, so
   that nothing forks past it, and thawed after; an empty one (an init with
   its own pid namespace has died) is left alone, freezing it costs. */
static void
test_v1_kill_all_freezes_only_a_populated_cgroup (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *p = create ("{\"cgroupsPath\":\"/x\"}");
  char line[32];
  int status;
  pid_t child;

  (void) state;
  put ("sys/fs/cgroup/freezer/x/freezer.state", "untouched\n");
  assert_int_equal (cgroup_kill_all (p, SIGKILL, &err), 0);
  assert_file ("sys/fs/cgroup/freezer/x/freezer.state", "untouched\n");

  child = fork ();
  assert_true (child >= 0);
  if (child == 0)
    {
      pause ();
      _exit (0);
    }
  snprintf (line, sizeof line, "%d\n", (int) child);
  put ("sys/fs/cgroup/freezer/x/cgroup.procs", line);
  assert_int_equal (cgroup_kill_all (p, SIGKILL, &err), 0);
  /* The test tree keeps every write, in order. */
  assert_file ("sys/fs/cgroup/freezer/x/freezer.state", "untouched\nFROZEN\nTHAWED\n");
  assert_int_equal (waitpid (child, &status, 0), child);
  assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
}

static void
test_v1_validation (void **state)
{
  (void) state;
  assert_plan_error ("{\"resources\":{\"unified\":{\"memory.max\":\"1\"}}}", false, "needs cgroup v2");
  assert_plan_error ("{\"resources\":{\"memory\":{\"limit\":1000,\"swap\":10}}}", false, "memory.swap");
  assert_plan_error ("{\"resources\":{\"memory\":{\"limit\":-5}}}", false, "memory.limit");
  assert_plan_error ("{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}}", false, "type");
  assert_plan_error ("{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}]}}", false,
                     "hugetlb controller is not available");
  /* No systemd on a bus nobody listens on, whatever the host runs. */
  setenv ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/ocirt-test-bus", 1);
  assert_plan_error ("{}", true, "systemd is not running: --systemd-cgroup needs it");
  unsetenv ("DBUS_SYSTEM_BUS_ADDRESS");
  /* Nothing was created on the way. */
  assert_false (exists ("sys/fs/cgroup/pids/c1"));
}

static void
test_v1_freeze_pids_destroy (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *p = create ("{\"cgroupsPath\":\"/x\"}");
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;

  (void) state;
  assert_false (cgroup_is_frozen (p));
  assert_int_equal (cgroup_freeze (p, true, &err), 0);
  assert_file ("sys/fs/cgroup/freezer/x/freezer.state", "FROZEN\n");
  assert_true (cgroup_is_frozen (p));
  assert_int_equal (cgroup_freeze (p, false, &err), 0);
  assert_false (cgroup_is_frozen (p));
  assert_int_equal (cgroup_enter (p, 77, &err), 0);
  assert_file ("sys/fs/cgroup/memory/x/cgroup.procs", "77\n");
  assert_file ("sys/fs/cgroup/systemd/x/cgroup.procs", "77\n");
  /* Processes of sub-cgroups the container made count too. */
  mkdirs ("sys/fs/cgroup/freezer/x/sub/deeper");
  put ("sys/fs/cgroup/freezer/x/sub/deeper/cgroup.procs", "88\n99\n");
  assert_int_equal (cgroup_pids (p, &pids, &n, &err), 0);
  assert_int_equal (n, 3);
  assert_int_equal (pids[0] + pids[1] + pids[2], 77 + 88 + 99);
  mkdirs ("sys/fs/cgroup/memory/x/sub");
  assert_int_equal (cgroup_destroy (p, &err), 0);
  assert_false (exists ("sys/fs/cgroup/freezer/x"));
  assert_false (exists ("sys/fs/cgroup/memory/x"));
  assert_true (exists ("sys/fs/cgroup/memory"));
  /* Again: nothing left is fine. */
  assert_int_equal (cgroup_destroy (p, &err), 0);
}

/* --- hybrid --------------------------------------------------------------- */

static void
test_hybrid (void **state)
{
  _cleanup_free_ char *p = NULL, *m = NULL;

  (void) state;
  assert_int_equal (cgroup_mode (), CGROUP_MODE_HYBRID);
  /* hugetlb lives on cgroup2 here: the unified cgroup gets it, enabled in
     the parent; memory stays v1. */
  p = create ("{\"cgroupsPath\":\"/x\",\"resources\":{\"memory\":{\"limit\":4096},"
              "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":2097152}],"
              "\"unified\":{\"hugetlb.1GB.max\":\"0\"}}}");
  assert_file ("sys/fs/cgroup/unified/x/hugetlb.2MB.max", "2097152\n");
  assert_file ("sys/fs/cgroup/unified/x/hugetlb.1GB.max", "0\n");
  assert_file ("sys/fs/cgroup/unified/cgroup.subtree_control", "+hugetlb\n");
  assert_file ("sys/fs/cgroup/memory/x/memory.limit_in_bytes", "4096\n");
  assert_false (exists ("sys/fs/cgroup/unified/x/memory.max"));
  /* Devices stay with the v1 controller: no eBPF program. */
  assert_false (exists ("sys/fs/cgroup/unified/x/ocirt.devices-bpf"));
  /* A unified key of a controller that is v1 here cannot work. */
  m = plan_error ("{\"resources\":{\"unified\":{\"memory.max\":\"1\"}}}", false);
  assert_non_null (m);
  assert_non_null (strstr (m, "memory controller is not on this host's cgroup v2 hierarchy"));
  /* The init is cloned into the cgroup2 cgroup and moves itself into each
     v1 one through `tasks`. */
  {
    struct cgroup_join j;
    assert_int_equal (cgroup_join_prepare (p, &j, NULL), 0);
    assert_true (j.v2_fd >= 0);
    assert_true (j.n_v1 >= 2);
    assert_int_equal (cgroup_join_self (&j, NULL), 0);
    assert_int_equal (j.v2_fd, -1);
    assert_file ("sys/fs/cgroup/memory/x/tasks", "0");
    assert_false (exists ("sys/fs/cgroup/unified/x/tasks"));
  }
}

/* create makes the cgroup2 cgroup before the init is cloned into it, and
   the v1 ones while the init sets up; the init gets the v1 files over its
   sync socket. */
static void
test_hybrid_in_two_parts (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = config ("{\"cgroupsPath\":\"/two\"}");
  _cleanup_free_ char *p = NULL;
  struct cgroup_join v2 = { .v2_fd = -1 }, v1 = { .v2_fd = -1 }, got = { .v2_fd = -1 };
  int pair[2];

  (void) state;
  assert_int_equal (cgroup_plan ("c1", c->linux_, false, &p, &err), 0);
  assert_int_equal (cgroup_create (p, c->linux_, CGROUP_V2, &v2, &err), 0);
  assert_true (exists ("sys/fs/cgroup/unified/two"));
  assert_false (exists ("sys/fs/cgroup/memory/two"));
  assert_true (v2.v2_fd >= 0);
  assert_int_equal (v2.n_v1, 0);
  assert_int_equal (cgroup_create (p, c->linux_, CGROUP_V1, &v1, &err), 0);
  assert_true (exists ("sys/fs/cgroup/memory/two"));
  assert_int_equal (v1.v2_fd, -1);
  assert_true (v1.n_v1 >= 2);
  /* Made already in both parts now. */
  assert_int_equal (cgroup_create (p, c->linux_, CGROUP_V1, NULL, &err), 1);
  assert_int_equal (cgroup_create (p, c->linux_, CGROUP_V2, NULL, &err), 1);

  assert_int_equal (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  assert_int_equal (cgroup_join_send (pair[0], &v1, &err), 0);
  assert_int_equal (cgroup_join_receive (pair[1], &got, &err), 0);
  assert_int_equal (got.n_v1, v1.n_v1);
  assert_int_equal (got.v2_fd, -1);
  for (size_t k = 0; k < got.n_v1; k++)
    {
      assert_int_equal (got.v1[k].hier, v1.v1[k].hier);
      assert_int_not_equal (got.v1[k].fd, v1.v1[k].fd);
    }
  assert_int_equal (cgroup_join_self (&got, &err), 0);
  assert_file ("sys/fs/cgroup/memory/two/tasks", "0");

  /* Nothing to join is a message too; anything else is refused. */
  {
    struct cgroup_join none = { .v2_fd = -1 };
    assert_int_equal (cgroup_join_send (pair[0], &none, &err), 0);
    assert_int_equal (cgroup_join_receive (pair[1], &got, &err), 0);
    assert_int_equal (got.n_v1, 0);
    assert_int_equal (send (pair[0], "bad", 3, 0), 3);
    assert_int_equal (cgroup_join_receive (pair[1], &got, &err), -EBADMSG);
    ocirt_error_free (TAKE_PTR (err));
    close (pair[0]);
    assert_int_equal (cgroup_join_receive (pair[1], &got, &err), -EPIPE);
  }
  close (pair[1]);
  cgroup_join_release (&v1);
  cgroup_join_release (&v2);
}

/* What the runtime builds the init's cgroup mount from (mount_cgroup_tree):
   the init's /proc/PID/cgroup once it has joined, v1 lines only. */
static void
test_member_text (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = config ("{}");
  _cleanup_free_ char *ident = NULL, *all = NULL, *some = NULL;

  (void) state;
  assert_int_equal (cgroup_plan ("c1", c->linux_, false, &ident, &err), 0);
  assert_int_equal (cgroup_member_text (ident, &all, &err), 0);
  assert_non_null (strstr (all, ":memory:/user/42/c1\n"));
  assert_non_null (strstr (all, ":cpu,cpuacct:/c1\n"));
  assert_non_null (strstr (all, ":name=systemd:/c1\n"));
  assert_null (strstr (all, "::"));
  /* A hierarchy the identifier leaves out: where we are. */
  assert_int_equal (cgroup_member_text ("memory:/m\n:/m", &some, &err), 0);
  assert_non_null (strstr (some, ":memory:/m\n"));
  assert_non_null (strstr (some, ":pids:/\n"));
  assert_null (strstr (some, "::"));
  assert_int_equal (cgroup_member_text ("no colon", &some, &err), -EINVAL);
}

/* --- v2 ------------------------------------------------------------------- */

static void
test_v2_conversions (void **state)
{
  int64_t v;

  (void) state;
  /* runc's formulas: shares 2..262144 -> weight 1..10000; blkio 10..1000 -> io 1..10000. */
  assert_int_equal (cgroup_v2_cpu_weight (2), 1);
  assert_int_equal (cgroup_v2_cpu_weight (1024), 1 + (1022 * 9999) / 262142);
  assert_int_equal (cgroup_v2_cpu_weight (262144), 10000);
  assert_int_equal (cgroup_v2_cpu_weight (0), 0);
  assert_int_equal (cgroup_v2_io_weight (10), 1);
  assert_int_equal (cgroup_v2_io_weight (1000), 10000);
  assert_int_equal (cgroup_v2_io_weight (500), 1 + (490 * 9999) / 990);
  assert_int_equal (cgroup_v2_swap_max (100, 300, &v), 0);
  assert_int_equal (v, 200);
  assert_int_equal (cgroup_v2_swap_max (100, -1, &v), 0);
  assert_int_equal (v, -1);
  assert_int_equal (cgroup_v2_swap_max (100, 50, &v), -EINVAL);
  assert_int_equal (cgroup_v2_swap_max (-1, 50, &v), -EINVAL);
}

static void
test_v2_resources (void **state)
{
  _cleanup_free_ char *p = NULL, *ctl = NULL;

  (void) state;
  assert_int_equal (cgroup_mode (), CGROUP_MODE_UNIFIED);
  p = create (
      "{\"resources\":{\"memory\":{\"limit\":1048576,\"reservation\":4096,\"swap\":3145728},"
      "\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"burst\":10,\"cpus\":\"0\",\"idle\":0},"
      "\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":1000}],"
      "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1000}],"
      "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":7}]},"
      "\"pids\":{\"limit\":-1},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}],"
      "\"rdma\":{\"mlx5_0\":{\"hcaHandles\":3,\"hcaObjects\":100}},"
      "\"unified\":{\"memory.high\":\"900000\",\"cgroup.max.depth\":\"3\"}}}");
  /* Relative: below the parent of our own cgroup (which holds processes). */
  assert_string_equal (p, "/user.slice/c1");
  assert_file ("sys/fs/cgroup/user.slice/c1/memory.max", "1048576\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/memory.low", "4096\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/memory.swap.max", "2097152\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/cpu.weight", "39\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/cpu.max", "50000 100000\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/cpu.max.burst", "10\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/cpu.idle", "0\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/cpuset.cpus", "0\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/io.weight", "4950\n8:0 10000\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/io.max", "8:0 rbps=1000\n8:0 wiops=7\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/pids.max", "max\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/hugetlb.2MB.max", "0\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/rdma.max", "mlx5_0 hca_handle=3 hca_object=100\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/memory.high", "900000\n");
  assert_file ("sys/fs/cgroup/user.slice/c1/cgroup.max.depth", "3\n");
  /* The device rules became an eBPF program (only built in a test tree). */
  assert_true (exists ("sys/fs/cgroup/user.slice/c1/ocirt.devices-bpf"));
  /* Controllers enabled on the way down. */
  ctl = get ("sys/fs/cgroup/user.slice/cgroup.subtree_control");
  assert_non_null (strstr (ctl, "+memory\n"));
  assert_non_null (strstr (ctl, "+io\n"));
  assert_non_null (strstr (ctl, "+cpu\n"));
}

static void
test_v2_quota_and_swap_forms (void **state)
{
  _cleanup_free_ char *a
      = create ("{\"cgroupsPath\":\"/a\",\"resources\":{\"cpu\":{\"quota\":-1,\"period\":5000},"
                "\"memory\":{\"limit\":-1}}}");
  _cleanup_free_ char *b = create ("{\"cgroupsPath\":\"/b\",\"resources\":{\"cpu\":{\"quota\":3000},"
                                   "\"memory\":{\"limit\":100,\"swap\":-1}}}");

  (void) state;
  assert_file ("sys/fs/cgroup/a/cpu.max", "max 5000\n");
  assert_file ("sys/fs/cgroup/a/memory.max", "max\n");
  assert_file ("sys/fs/cgroup/a/memory.swap.max", "max\n");
  assert_file ("sys/fs/cgroup/b/cpu.max", "3000\n");
  assert_file ("sys/fs/cgroup/b/memory.swap.max", "max\n");
}

static void
test_v2_validation_and_freeze (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *p = create ("{\"cgroupsPath\":\"/x\"}");

  (void) state;
  assert_plan_error ("{\"resources\":{\"network\":{\"classID\":1}}}", false,
                     "net_cls controller is not available");
  assert_plan_error ("{\"resources\":{\"unified\":{\"../x\":\"1\"}}}", false, "unified");
  assert_plan_error ("{\"resources\":{\"unified\":{\"foo.bar\":\"1\"}}}", false, "foo controller");
  assert_int_equal (cgroup_freeze (p, true, &err), 0);
  assert_file ("sys/fs/cgroup/x/cgroup.freeze", "1\n");
  assert_true (cgroup_is_frozen (p));
  assert_int_equal (cgroup_freeze (p, false, &err), 0);
  assert_false (cgroup_is_frozen (p));
  /* SIGKILL to everything goes through cgroup.kill. */
  assert_int_equal (cgroup_kill_all (p, SIGKILL, &err), 0);
  assert_file ("sys/fs/cgroup/x/cgroup.kill", "1\n");
  {
    struct cgroup_join j;
    assert_int_equal (cgroup_join_prepare (p, &j, &err), 0);
    assert_true (j.v2_fd >= 0);
    assert_int_equal (j.n_v1, 0);
    cgroup_join_release (&j);
    assert_int_equal (j.v2_fd, -1);
  }
}

/* --- eBPF device program, for real ------------------------------------------ */

static const char *
unified_mount (void)
{
  static char found[256];
  _cleanup_fclose_ FILE *f = fopen ("/proc/self/mountinfo", "re");
  char line[1024], point[256], type[64];

  while (f && fgets (line, sizeof line, f))
    {
      char *dash = strstr (line, " - ");
      if (dash && sscanf (line, "%*s %*s %*s %*s %255s", point) == 1 && sscanf (dash + 3, "%63s", type) == 1
          && strcmp (type, "cgroup2") == 0)
        {
          snprintf (found, sizeof found, "%s", point);
          return found;
        }
    }
  return NULL;
}

static char bpf_dir[512];

/* Opens `dev` in a child that joined `cgdir`; returns its errno (0: opened). */
static int
open_in_cgroup (const char *cgdir, const char *dev)
{
  char procs[600];
  int status, fd;
  pid_t pid = fork ();

  assert_true (pid >= 0);
  if (pid == 0)
    {
      snprintf (procs, sizeof procs, "%s/cgroup.procs", cgdir);
      fd = open (procs, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write (fd, "0", 1) != 1)
        _exit (100);
      fd = open (dev, O_RDONLY | O_CLOEXEC);
      _exit (fd < 0 ? errno : 0);
    }
  assert_int_equal (waitpid (pid, &status, 0), pid);
  assert_true (WIFEXITED (status));
  assert_int_not_equal (WEXITSTATUS (status), 100);
  return WEXITSTATUS (status);
}

static void
test_bpf_program_real (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  const struct cgroup_dev_rule rules[] = {
    { false, 'a', -1, -1, "rwm" }, /* deny all */
    { true, 'c', 1, -1, "rwm" },   /* allow the mem devices... */
    { false, 'c', 1, 3, "rwm" },   /* ...but /dev/null */
    { true, 'c', 5, 0, "w" },      /* /dev/tty write only */
  };
  const char *mnt = unified_mount ();
  char *dir = bpf_dir;
  _cleanup_close_ int fd = -1;

  (void) state;
  if (geteuid () != 0 || mnt == NULL)
    skip ();
  snprintf (dir, sizeof bpf_dir, "%s/ocirt-unit-bpf-%d", mnt, (int) getpid ());
  assert_int_equal (mkdir (dir, 0755), 0);
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true (fd >= 0);
  if (cgroup_devices_bpf_apply (fd, rules, ARRAY_SIZE (rules), false, &err) < 0)
    fail_msg ("%s", err->msg);
  assert_int_equal (open_in_cgroup (dir, "/dev/zero"), 0);
  assert_int_equal (open_in_cgroup (dir, "/dev/urandom"), 0);
  assert_int_equal (open_in_cgroup (dir, "/dev/null"), EPERM);
  assert_int_equal (open_in_cgroup (dir, "/dev/tty"), EPERM);  /* read not allowed */
  assert_int_equal (open_in_cgroup (dir, "/dev/ptmx"), EPERM); /* no rule: denied */
}

static int
teardown_bpf (void **state)
{
  (void) state;
  /* An exited child leaves its cgroup asynchronously: retry a little. */
  for (int i = 0; bpf_dir[0] && i < 100 && rmdir (bpf_dir) < 0 && errno == EBUSY; i++)
    usleep (10000);
  return 0;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_v1_paths, setup_v1, teardown),
    cmocka_unit_test_setup_teardown (test_v1_create_tells_new_from_existing, setup_v1, teardown),
    cmocka_unit_test_setup_teardown (test_v1_resources, setup_v1, teardown),
    cmocka_unit_test_setup_teardown (test_v1_memory_order, setup_v1, teardown),
    cmocka_unit_test_setup_teardown (test_v1_check_before_update, setup_v1, teardown),
    cmocka_unit_test_setup_teardown (test_v1_devices, setup_v1, teardown),
    cmocka_unit_test_setup_teardown (test_v1_validation, setup_v1, teardown),
    cmocka_unit_test_setup_teardown (test_v1_freeze_pids_destroy, setup_v1, teardown),
    cmocka_unit_test_setup_teardown (test_v1_kill_all_freezes_only_a_populated_cgroup, setup_v1, teardown),
    cmocka_unit_test_setup_teardown (test_hybrid, setup_hybrid, teardown),
    cmocka_unit_test_setup_teardown (test_hybrid_in_two_parts, setup_hybrid, teardown),
    cmocka_unit_test_setup_teardown (test_member_text, setup_hybrid, teardown),
    cmocka_unit_test (test_v2_conversions),
    cmocka_unit_test_setup_teardown (test_v2_resources, setup_v2, teardown),
    cmocka_unit_test_setup_teardown (test_v2_quota_and_swap_forms, setup_v2, teardown),
    cmocka_unit_test_setup_teardown (test_v2_validation_and_freeze, setup_v2, teardown),
    cmocka_unit_test_teardown (test_bpf_program_real, teardown_bpf),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
