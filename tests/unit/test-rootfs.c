/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

/* Paths here are short temporary ones; the buffers are PATH_MAX. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/mount.h"
#include "core/rootfs.h"
#include "fork-check.h"
#include "ocispec.h"

/* The whole rootfs sequence (setup, pivot, finalize) run as root in a forked
   child with its own mount and UTS namespaces, on a small rootfs in /tmp;
   the child checks what the container would see, the parent that the host
   saw nothing. */

struct fixture
{
  char tmp[PATH_MAX];
  char rootfs[PATH_MAX];
  char bindsrc[PATH_MAX];
  char victim[PATH_MAX]; /* a host file that hostile links point at */
  char *config_json;
  const char *expect_error; /* substring of the expected error, or NULL */
  bool no_pivot;
  void (*inside) (struct fixture *);
};

static void
xmkdirs (const char *root, const char *const *dirs)
{
  char p[PATH_MAX];
  for (; *dirs; dirs++)
    {
      snprintf (p, sizeof (p), "%s/%s", root, *dirs);
      assert_int_equal (mkdir (p, 0755), 0);
    }
}

static void
write_file (const char *path, const char *content)
{
  FILE *f = fopen (path, "we");
  assert_non_null (f);
  fputs (content, f);
  fclose (f);
}

static int
setup (void **state)
{
  static const char *const dirs[] = { "proc", "sys", "dev", "etc", "mnt", "tmp", NULL };
  struct fixture *f = calloc (1, sizeof (*f));
  char p[PATH_MAX];

  snprintf (f->tmp, sizeof (f->tmp), "/tmp/ocirt-test-rootfs.XXXXXX");
  assert_non_null (mkdtemp (f->tmp));
  snprintf (f->rootfs, sizeof (f->rootfs), "%s/rootfs", f->tmp);
  snprintf (f->bindsrc, sizeof (f->bindsrc), "%s/bindsrc", f->tmp);
  snprintf (f->victim, sizeof (f->victim), "%s/victim", f->tmp);
  assert_int_equal (mkdir (f->rootfs, 0755), 0);
  assert_int_equal (mkdir (f->bindsrc, 0755), 0);
  xmkdirs (f->rootfs, dirs);
  snprintf (p, sizeof (p), "%s/file", f->bindsrc);
  write_file (p, "from the host\n");
  write_file (f->victim, "victim\n");
  /* The image's /hostetc is a link to /etc: it must mean the rootfs's /etc. */
  snprintf (p, sizeof (p), "%s/hostetc", f->rootfs);
  assert_int_equal (symlink ("/etc", p), 0);
  *state = f;
  return 0;
}

static int
rm_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st, (void) flag, (void) ftw;
  return remove (path);
}

static int
teardown (void **state)
{
  struct fixture *f = *state;
  nftw (f->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free (f->config_json);
  free (f);
  return 0;
}

static char *
read_all (const char *path)
{
  FILE *f = fopen (path, "re");
  char *buf = NULL;
  size_t len = 0;
  if (f == NULL)
    return NULL;
  FILE *m = open_memstream (&buf, &len);
  char chunk[4096];
  size_t n;
  while ((n = fread (chunk, 1, sizeof (chunk), f)) > 0)
    fwrite (chunk, 1, n, m);
  fclose (f);
  fclose (m);
  return buf;
}

static bool
fs_is (const char *path, long magic)
{
  struct statfs s;
  return statfs (path, &s) == 0 && s.f_type == magic;
}

static bool
is_ro (const char *path)
{
  struct statvfs s;
  return statvfs (path, &s) == 0 && (s.f_flag & ST_RDONLY);
}

static bool
is_chr (const char *path, unsigned int maj, unsigned int min)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == makedev (maj, min);
}

/* The line of /proc/self/mountinfo for `mountpoint` contains `what`. */
static bool
mountinfo_has (const char *mountpoint, const char *what)
{
  char *all = read_all ("/proc/self/mountinfo");
  char *save = NULL, needle[PATH_MAX];
  bool found = false;
  snprintf (needle, sizeof (needle), " %s ", mountpoint);
  for (char *l = all ? strtok_r (all, "\n", &save) : NULL; l && !found; l = strtok_r (NULL, "\n", &save))
    {
      char mp[PATH_MAX];
      if (sscanf (l, "%*s %*s %*s %*s %4095s", mp) == 1 && strcmp (mp, mountpoint) == 0 && strstr (l, what))
        found = true;
    }
  free (all);
  return found;
}

static void
child (void *arg)
{
  struct fixture *f = arg;
  struct ocirt_error *err = NULL;
  struct oci_config *config = NULL;
  struct rootfs_ctx *ctx = NULL;

  CHILD_CHECK (unshare (CLONE_NEWNS | CLONE_NEWUTS) == 0);
  if (oci_config_parse (f->config_json, strlen (f->config_json), &config, &err) < 0)
    {
      fprintf (stderr, "config: %s\n", err->msg);
      _exit (2);
    }
  int r = rootfs_setup (config, f->rootfs, NULL, &ctx, &err);
  if (r == 0)
    {
      /* Nothing was mounted over the host's /etc (still the root filesystem). */
      CHILD_CHECK (!fs_is ("/etc", TMPFS_MAGIC));
      r = rootfs_pivot (ctx, f->no_pivot, &err);
    }
  if (r == 0)
    r = rootfs_finalize (ctx, &err);
  if (f->expect_error)
    {
      if (r == 0 || strstr (err->msg, f->expect_error) == NULL)
        fprintf (stderr, "expected error `%s`, got `%s`\n", f->expect_error, err ? err->msg : "success");
      CHILD_CHECK (r < 0 && strstr (err->msg, f->expect_error));
      _exit (0);
    }
  if (r < 0)
    fprintf (stderr, "rootfs: %s\n", err->msg);
  CHILD_CHECK (r == 0);
  f->inside (f);
  rootfs_ctx_free (ctx);
  oci_config_free (config);
}

/* Runs the child and checks the host's mount table did not change. */
static void
run (struct fixture *f)
{
  char *before = read_all ("/proc/self/mountinfo");
  struct stat vb, va;
  assert_int_equal (stat (f->victim, &vb), 0);
  assert_child_ok (child, f);
  char *after = read_all ("/proc/self/mountinfo");
  assert_non_null (before);
  assert_non_null (after);
  assert_string_equal (before, after);
  assert_int_equal (stat (f->victim, &va), 0);
  assert_true (S_ISREG (va.st_mode) && va.st_size == vb.st_size && va.st_rdev == 0);
  free (before);
  free (after);
}

static void
check_full (struct fixture *f)
{
  struct stat st;
  char buf[64];

  (void) f;
  CHILD_CHECK (fs_is ("/proc", PROC_SUPER_MAGIC));
  CHILD_CHECK (fs_is ("/dev", TMPFS_MAGIC));
  CHILD_CHECK (fs_is ("/dev/pts", DEVPTS_SUPER_MAGIC));
  CHILD_CHECK (fs_is ("/sys", SYSFS_MAGIC) && is_ro ("/sys"));
  /* default devices, and the configured ones with their modes and owners */
  CHILD_CHECK (is_chr ("/dev/null", 1, 3) && is_chr ("/dev/zero", 1, 5) && is_chr ("/dev/full", 1, 7));
  CHILD_CHECK (is_chr ("/dev/random", 1, 8) && is_chr ("/dev/urandom", 1, 9) && is_chr ("/dev/tty", 5, 0));
  CHILD_CHECK (stat ("/dev/null", &st) == 0 && (st.st_mode & 07777) == 0666 && st.st_uid == 0);
  CHILD_CHECK (is_chr ("/dev/mydev", 1, 7));
  CHILD_CHECK (stat ("/dev/mydev", &st) == 0 && (st.st_mode & 07777) == 0620 && st.st_uid == 1000
               && st.st_gid == 1001);
  CHILD_CHECK (stat ("/dev/sub/fifo", &st) == 0 && S_ISFIFO (st.st_mode));
  int fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  CHILD_CHECK (fd >= 0 && write (fd, "x", 1) == 1);
  close (fd);
  /* links */
  ssize_t n = readlink ("/dev/ptmx", buf, sizeof (buf) - 1);
  CHILD_CHECK (n == 8 && memcmp (buf, "pts/ptmx", 8) == 0);
  n = readlink ("/dev/fd", buf, sizeof (buf) - 1);
  CHILD_CHECK (n == 13 && memcmp (buf, "/proc/self/fd", 13) == 0);
  n = readlink ("/dev/stderr", buf, sizeof (buf) - 1);
  CHILD_CHECK (n == 15 && memcmp (buf, "/proc/self/fd/2", 15) == 0);
  CHILD_CHECK (stat ("/dev/shm", &st) == 0 && S_ISDIR (st.st_mode));
  /* the tmpfs whose destination was a link to /etc is the rootfs's /etc */
  CHILD_CHECK (fs_is ("/etc", TMPFS_MAGIC));
  CHILD_CHECK (mountinfo_has ("/etc", "size=1024k"));
  /* read-only bind of a host directory */
  CHILD_CHECK (stat ("/mnt/bind/file", &st) == 0 && is_ro ("/mnt/bind"));
  CHILD_CHECK (mountinfo_has ("/mnt/bind", "nosuid"));
  /* recursive read-only (rro) bind */
  CHILD_CHECK (is_ro ("/mnt/rro"));
  /* cgroup: tmpfs with the hierarchies, read-only */
  CHILD_CHECK (fs_is ("/sys/fs/cgroup", TMPFS_MAGIC) && is_ro ("/sys/fs/cgroup"));
  CHILD_CHECK (fs_is ("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC) && is_ro ("/sys/fs/cgroup/memory"));
  /* sysctl, both spellings, in the container's own UTS namespace */
  CHILD_CHECK (gethostname (buf, sizeof (buf)) == 0 && strcmp (buf, "ocirt-test") == 0);
  CHILD_CHECK (getdomainname (buf, sizeof (buf)) == 0 && strcmp (buf, "ocirt.dom") == 0);
  /* masked: a file is the null device, a directory an empty read-only tmpfs */
  CHILD_CHECK (is_chr ("/proc/version", 1, 3));
  fd = open ("/proc/version", O_RDONLY | O_CLOEXEC);
  CHILD_CHECK (fd >= 0 && read (fd, buf, sizeof (buf)) == 0);
  close (fd);
  CHILD_CHECK (fs_is ("/sys/firmware", TMPFS_MAGIC) && is_ro ("/sys/firmware"));
  /* read-only paths */
  CHILD_CHECK (is_ro ("/proc/sys"));
  CHILD_CHECK (is_ro ("/proc/uptime"));
  CHILD_CHECK (!is_ro ("/proc"));
  /* root.readonly, but /dev (its own mount) stays writable */
  CHILD_CHECK (is_ro ("/") && !is_ro ("/dev"));
  CHILD_CHECK (mkdir ("/newdir", 0755) < 0 && errno == EROFS);
  /* the old root is gone */
  CHILD_CHECK (stat ("/mnt/bind/file", &st) == 0);
  CHILD_CHECK (access (f->victim, F_OK) < 0);
}

static const char full_config[]
    = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
      "\"mounts\":["
      "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
      "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
      "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
      "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
      "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
      "{\"destination\":\"/"
      "sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
      "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
      "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]},"
      "{\"destination\":\"/hostetc\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"size=1m\"]},"
      "{\"destination\":\"/mnt/"
      "bind\",\"type\":\"bind\",\"source\":\"%s\",\"options\":[\"rbind\",\"ro\",\"nosuid\"]},"
      "{\"destination\":\"mnt/rro\",\"source\":\"%s\",\"options\":[\"rbind\",\"rro\"]}"
      "],\"linux\":{"
      "\"devices\":[{\"path\":\"/dev/mydev\",\"type\":\"c\",\"major\":1,\"minor\":7,\"fileMode\":400,"
      "\"uid\":1000,\"gid\":1001},{\"path\":\"/dev/sub/fifo\",\"type\":\"p\"}],"
      "\"sysctl\":{\"kernel.hostname\":\"ocirt-test\",\"kernel/domainname\":\"ocirt.dom\"},"
      "\"maskedPaths\":[\"/proc/version\",\"/sys/firmware\",\"/no/such/path\"],"
      "\"readonlyPaths\":[\"/proc/sys\",\"/proc/uptime\",\"/no/such/either\"],"
      "\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"}]}}";

static void
test_full (void **state)
{
  SKIP_UNLESS_ROOT ();
  struct fixture *f = *state;
  assert_true (asprintf (&f->config_json, full_config, f->bindsrc, f->bindsrc) > 0);
  f->inside = check_full;
  run (f);
}

static void
check_dev_in_image (struct fixture *f)
{
  (void) f;
  CHILD_CHECK (is_chr ("/dev/null", 1, 3));
  CHILD_CHECK (is_chr ("/proc/version", 1, 3));
}

/* No /dev mount: devices go into the image's /dev, where /dev/null is a link
   to a host file (CVE-2025-31133): it is replaced, never written through, and
   the masked path gets the real null device. */
static void
test_dev_in_image (void **state)
{
  SKIP_UNLESS_ROOT ();
  struct fixture *f = *state;
  char p[PATH_MAX];
  snprintf (p, sizeof (p), "%s/dev/null", f->rootfs);
  assert_int_equal (symlink (f->victim, p), 0);
  assert_true (asprintf (&f->config_json,
                         "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"},\"mounts\":["
                         "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}],"
                         "\"linux\":{\"maskedPaths\":[\"/proc/version\"]}}")
               > 0);
  f->inside = check_dev_in_image;
  run (f);
}

/* CVE-2023-28642: procfs is not mounted where a symlink points. */
static void
test_proc_on_symlink (void **state)
{
  SKIP_UNLESS_ROOT ();
  struct fixture *f = *state;
  char p[PATH_MAX];
  snprintf (p, sizeof (p), "%s/proc", f->rootfs);
  assert_int_equal (rmdir (p), 0);
  assert_int_equal (symlink ("/tmp", p), 0);
  assert_true (asprintf (&f->config_json,
                         "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"},\"mounts\":["
                         "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}]}")
               > 0);
  f->expect_error = "mounts[0] (/proc): proc must be mounted on ordinary directory";
  run (f);
}

static void
test_missing_bind_source (void **state)
{
  SKIP_UNLESS_ROOT ();
  struct fixture *f = *state;
  assert_true (asprintf (&f->config_json,
                         "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"},\"mounts\":["
                         "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
                         "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/nonexistent/ocirt\","
                         "\"options\":[\"bind\"]}]}")
               > 0);
  f->expect_error = "mounts[1] (/x): mount `/nonexistent/ocirt` to `/x`: No such file or directory";
  run (f);
}

static void
check_no_pivot (struct fixture *f)
{
  struct stat st;
  CHILD_CHECK (fs_is ("/proc", PROC_SUPER_MAGIC));
  CHILD_CHECK (is_chr ("/dev/null", 1, 3));
  CHILD_CHECK (stat ("/mnt/bind/file", &st) == 0);
  CHILD_CHECK (access (f->victim, F_OK) < 0);
  /* rootfsPropagation "shared" on the new root (a peer group of its own) */
  CHILD_CHECK (mountinfo_has ("/", "shared:"));
}

/* `--no-pivot`: MS_MOVE + chroot; the host's /proc and /sys are detached. */
static void
test_no_pivot (void **state)
{
  SKIP_UNLESS_ROOT ();
  struct fixture *f = *state;
  assert_true (asprintf (&f->config_json,
                         "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"},\"mounts\":["
                         "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
                         "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
                         "{\"destination\":\"/mnt/bind\",\"type\":\"none\",\"source\":\"%s\","
                         "\"options\":[\"bind\"]}],\"linux\":{\"rootfsPropagation\":\"shared\"}}",
                         f->bindsrc)
               > 0);
  f->no_pivot = true;
  f->inside = check_no_pivot;
  run (f);
}

static void
check_idmap (struct fixture *f)
{
  struct stat st;
  (void) f;
  /* owned by root on disk, shown through the mapping 0 -> 1000 */
  CHILD_CHECK (stat ("/mnt/idmapped/file", &st) == 0 && st.st_uid == 1000 && st.st_gid == 2000);
  CHILD_CHECK (stat ("/mnt/plain/file", &st) == 0 && st.st_uid == 0);
}

static void
test_idmap (void **state)
{
  SKIP_UNLESS_ROOT ();
  struct fixture *f = *state;
  assert_true (asprintf (&f->config_json,
                         "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"},\"mounts\":["
                         "{\"destination\":\"/mnt/idmapped\",\"type\":\"bind\",\"source\":\"%s\","
                         "\"options\":[\"bind\",\"idmap\"],"
                         "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
                         "\"gidMappings\":[{\"containerID\":0,\"hostID\":2000,\"size\":1}]},"
                         "{\"destination\":\"/mnt/plain\",\"type\":\"bind\",\"source\":\"%s\","
                         "\"options\":[\"bind\"]}]}",
                         f->bindsrc, f->bindsrc)
               > 0);
  f->inside = check_idmap;
  run (f);
}

static void
test_idmap_without_mappings (void **state)
{
  SKIP_UNLESS_ROOT ();
  struct fixture *f = *state;
  assert_true (asprintf (&f->config_json,
                         "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"},\"mounts\":["
                         "{\"destination\":\"/mnt/x\",\"type\":\"bind\",\"source\":\"%s\","
                         "\"options\":[\"rbind\",\"ridmap\"]}]}",
                         f->bindsrc)
               > 0);
  f->expect_error = "mounts[0] (/mnt/x): idmap needs uidMappings and gidMappings";
  run (f);
}

static ssize_t
tree_entry (const char *json)
{
  struct ocirt_error *err = NULL;
  struct oci_config *config = NULL;
  ssize_t r;

  assert_int_equal (oci_config_parse (json, strlen (json), &config, &err), 0);
  r = mount_cgroup_tree_entry (config);
  oci_config_free (config);
  return r;
}

/* Which cgroup entry the runtime builds for the init: the first of type
   cgroup that is no bind, on a host with v1 hierarchies, without a cgroup
   or user namespace. (On a cgroup2 host there is none to build.) */
static void
test_cgroup_tree_entry (void **state)
{
  struct statfs sfs;
  bool v1 = !(statfs ("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC);
  const char *const proc = "{\"destination\":\"/proc\",\"type\":\"proc\"}";
  const char *const cg = "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\"}";
  const char *const cg2 = "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup2\"}";
  const char *const bound = "{\"destination\":\"/c\",\"type\":\"cgroup\",\"options\":[\"rbind\"]}";
  char json[1024];

  (void) state;
#define CONFIG(mounts, namespaces)                                                                           \
  (snprintf (json, sizeof json,                                                                              \
             "{\"ociVersion\":\"1.0.0\",\"mounts\":[%s],\"linux\":{\"namespaces\":[%s]}}", mounts,           \
             namespaces),                                                                                    \
   json)
  char two[256], three[256];
  snprintf (two, sizeof two, "%s,%s", proc, cg);
  snprintf (three, sizeof three, "%s,%s,%s", bound, cg2, cg);
  assert_int_equal (tree_entry (CONFIG (two, "{\"type\":\"mount\"}")), v1 ? 1 : -1);
  assert_int_equal (tree_entry (CONFIG (three, "")), v1 ? 2 : -1);
  assert_int_equal (tree_entry (CONFIG (proc, "")), -1);
  assert_int_equal (tree_entry (CONFIG (two, "{\"type\":\"cgroup\"}")), -1);
  assert_int_equal (tree_entry (CONFIG (two, "{\"type\":\"mount\"},{\"type\":\"user\"}")), -1);
  assert_int_equal (tree_entry ("{\"ociVersion\":\"1.0.0\"}"), -1);
#undef CONFIG
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_full, setup, teardown),
    cmocka_unit_test_setup_teardown (test_dev_in_image, setup, teardown),
    cmocka_unit_test_setup_teardown (test_proc_on_symlink, setup, teardown),
    cmocka_unit_test_setup_teardown (test_missing_bind_source, setup, teardown),
    cmocka_unit_test_setup_teardown (test_no_pivot, setup, teardown),
    cmocka_unit_test_setup_teardown (test_idmap, setup, teardown),
    cmocka_unit_test_setup_teardown (test_idmap_without_mappings, setup, teardown),
    cmocka_unit_test (test_cgroup_tree_entry),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
