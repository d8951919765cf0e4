/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

/* Paths here are short temporary ones; the buffers are PATH_MAX. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/path.h"

/* A temporary directory holding `root/` (the container root, full of hostile
   symlinks) and `outside/` (what an escape would reach). */
struct fixture
{
  char tmp[PATH_MAX];
  char root[PATH_MAX];
  char outside[PATH_MAX];
  int root_fd;
};

typedef int (*open_fn) (int, const char *, int, mode_t, struct ocirt_error **);

static void
xsymlink (const char *target, const struct fixture *f, const char *name)
{
  char p[PATH_MAX];
  snprintf (p, sizeof (p), "%s/%s", f->root, name);
  assert_int_equal (symlink (target, p), 0);
}

static void
xmkdir (const char *base, const char *name)
{
  char p[PATH_MAX];
  snprintf (p, sizeof (p), "%s/%s", base, name);
  assert_int_equal (mkdir (p, 0755), 0);
}

static void
xfile (const char *base, const char *name)
{
  char p[PATH_MAX];
  snprintf (p, sizeof (p), "%s/%s", base, name);
  int fd = open (p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  assert_true (fd >= 0);
  close (fd);
}

static int
setup (void **state)
{
  struct fixture *f = calloc (1, sizeof (*f));
  char target[PATH_MAX];

  snprintf (f->tmp, sizeof (f->tmp), "/tmp/ocirt-test-path.XXXXXX");
  assert_non_null (mkdtemp (f->tmp));
  snprintf (f->root, sizeof (f->root), "%s/root", f->tmp);
  snprintf (f->outside, sizeof (f->outside), "%s/outside", f->tmp);
  assert_int_equal (mkdir (f->root, 0755), 0);
  assert_int_equal (mkdir (f->outside, 0755), 0);
  xfile (f->outside, "secret");
  xmkdir (f->root, "etc");
  xfile (f->root, "etc/inside-marker");
  xmkdir (f->root, "inside");
  xmkdir (f->root, "a");
  xsymlink ("/etc", f, "etclink");           /* absolute: must mean root/etc */
  xsymlink ("../../../../../..", f, "a/up"); /* climbs: must stop at root */
  xsymlink ("../../outside", f, "rel-out");  /* relative escape to the sibling */
  snprintf (target, sizeof (target), "%s", f->outside);
  xsymlink (target, f, "abs-out"); /* absolute host path of outside/ */
  xsymlink ("loop2", f, "loop1");
  xsymlink ("loop1", f, "loop2");
  xsymlink ("/inside", f, "in");            /* a benign absolute link */
  xsymlink ("/proc/self/root", f, "magic"); /* a magic link target path */
  f->root_fd = open (f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_true (f->root_fd >= 0);
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
  close (f->root_fd);
  nftw (f->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free (f);
  return 0;
}

static bool
same_file (int fd, const char *path)
{
  struct stat a, b;
  return fstat (fd, &a) == 0 && stat (path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool
exists (const char *base, const char *name)
{
  char p[PATH_MAX];
  struct stat st;
  snprintf (p, sizeof (p), "%s/%s", base, name);
  return lstat (p, &st) == 0;
}

/* The racer of CVE-2021-30465 in slow motion (--wrap=mkdirat,openat): once
   armed, the next mkdirat or O_EXCL create is followed at once by an
   exchange of two names, as a container sharing the volume would do. */
static char swap_a[PATH_MAX], swap_b[PATH_MAX];

static void
arm_swap (const struct fixture *f, const char *a, const char *b)
{
  snprintf (swap_a, sizeof (swap_a), "%s/%s", f->root, a);
  snprintf (swap_b, sizeof (swap_b), "%s/%s", f->root, b);
}

static void
swap_now (void)
{
  if (swap_a[0] == '\0')
    return;
  assert_int_equal (syscall (SYS_renameat2, AT_FDCWD, swap_a, AT_FDCWD, swap_b, 2 /* RENAME_EXCHANGE */), 0);
  swap_a[0] = '\0';
}

int __real_mkdirat (int dirfd, const char *path, mode_t mode);
int __wrap_mkdirat (int dirfd, const char *path, mode_t mode);
int __real_openat (int dirfd, const char *path, int flags, ...);
int __wrap_openat (int dirfd, const char *path, int flags, ...);

int
__wrap_mkdirat (int dirfd, const char *path, mode_t mode)
{
  int r = __real_mkdirat (dirfd, path, mode);
  swap_now ();
  return r;
}

int
__wrap_openat (int dirfd, const char *path, int flags, ...)
{
  mode_t mode = 0;
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
    {
      va_list ap;
      va_start (ap, flags);
      mode = va_arg (ap, mode_t);
      va_end (ap);
    }
  int r = __real_openat (dirfd, path, flags, mode);
  if (flags & O_EXCL)
    swap_now ();
  return r;
}

/* Opens `path` in the root with `fn`; returns the fd or -errno. */
static int
try_open (open_fn fn, struct fixture *f, const char *path, int flags)
{
  struct ocirt_error *err = NULL;
  int fd = fn (f->root_fd, path, flags, 0644, &err);
  if (fd < 0)
    {
      assert_non_null (err);
      assert_int_equal (err->code, -fd);
      ocirt_error_free (err);
    }
  return fd;
}

static void
check_resolution (open_fn fn, struct fixture *f)
{
  char p[PATH_MAX];
  int fd;

  /* An absolute symlink to /etc is the root's /etc. */
  fd = try_open (fn, f, "/etclink", O_PATH);
  snprintf (p, sizeof (p), "%s/etc", f->root);
  assert_true (fd >= 0 && same_file (fd, p));
  close (fd);
  fd = try_open (fn, f, "etclink/inside-marker", O_RDONLY);
  assert_true (fd >= 0);
  close (fd);
  assert_int_equal (try_open (fn, f, "/etclink/passwd", O_RDONLY), -ENOENT);

  /* ".." and symlinks climbing out stop at the root. */
  fd = try_open (fn, f, "/a/up", O_PATH);
  assert_true (fd >= 0 && same_file (fd, f->root));
  close (fd);
  fd = try_open (fn, f, "../../../..", O_PATH);
  assert_true (fd >= 0 && same_file (fd, f->root));
  close (fd);
  fd = try_open (fn, f, "/a/up/etc/../inside", O_PATH);
  snprintf (p, sizeof (p), "%s/inside", f->root);
  assert_true (fd >= 0 && same_file (fd, p));
  close (fd);

  /* Escapes to the sibling directory find nothing. */
  assert_int_equal (try_open (fn, f, "rel-out/secret", O_RDONLY), -ENOENT);
  assert_int_equal (try_open (fn, f, "abs-out/secret", O_RDONLY), -ENOENT);
  assert_int_equal (try_open (fn, f, "../outside/secret", O_RDONLY), -ENOENT);

  /* Loops are an error, not a hang. */
  assert_int_equal (try_open (fn, f, "loop1", O_RDONLY), -ELOOP);

  /* A link to /proc/self/root is the root's own /proc/self/root (missing). */
  assert_int_equal (try_open (fn, f, "magic/etc", O_RDONLY), -ENOENT);

  /* O_NOFOLLOW|O_PATH names the link itself. */
  fd = try_open (fn, f, "etclink", O_PATH | O_NOFOLLOW);
  struct stat st;
  assert_true (fd >= 0 && fstat (fd, &st) == 0 && S_ISLNK (st.st_mode));
  close (fd);

  /* "" and "/" are the root. */
  fd = try_open (fn, f, "", O_PATH);
  assert_true (fd >= 0 && same_file (fd, f->root));
  close (fd);
  fd = try_open (fn, f, "/", O_PATH | O_DIRECTORY);
  assert_true (fd >= 0 && same_file (fd, f->root));
  close (fd);
}

static void
test_resolve_openat2 (void **state)
{
  check_resolution (path_open_in_root, *state);
}

static void
test_resolve_walk (void **state)
{
  check_resolution (path_open_in_root_walk, *state);
}

/* O_CREAT through a dangling absolute symlink creates inside the root. */
static void
check_create_through_link (open_fn fn, struct fixture *f)
{
  char target[PATH_MAX];
  snprintf (target, sizeof (target), "%s/created", f->outside);
  xsymlink (target, f, "dangling");
  int fd = try_open (fn, f, "dangling", O_CREAT | O_WRONLY);
  assert_false (exists (f->outside, "created"));
  if (fd >= 0)
    {
      char inside[PATH_MAX];
      snprintf (inside, sizeof (inside), "%s%s", f->root, target);
      assert_true (same_file (fd, inside));
      close (fd);
    }
  else
    assert_int_equal (fd, -ENOENT); /* the parent directories are missing in the root */
}

static void
test_create_openat2 (void **state)
{
  check_create_through_link (path_open_in_root, *state);
}

static void
test_create_walk (void **state)
{
  check_create_through_link (path_open_in_root_walk, *state);
}

static void
test_mkdir (void **state)
{
  struct fixture *f = *state;
  struct ocirt_error *err = NULL;
  char p[PATH_MAX];

  /* plain, nested */
  int fd = path_mkdir_in_root (f->root_fd, "/new/dir/deep", 0755, &err);
  snprintf (p, sizeof (p), "%s/new/dir/deep", f->root);
  assert_true (fd >= 0 && same_file (fd, p));
  close (fd);
  /* through a benign absolute link: lands in root/inside */
  fd = path_mkdir_in_root (f->root_fd, "in/x/y", 0755, &err);
  snprintf (p, sizeof (p), "%s/inside/x/y", f->root);
  assert_true (fd >= 0 && same_file (fd, p));
  close (fd);
  /* ".." at the top stays in the root */
  fd = path_mkdir_in_root (f->root_fd, "../../top", 0755, &err);
  snprintf (p, sizeof (p), "%s/top", f->root);
  assert_true (fd >= 0 && same_file (fd, p));
  assert_false (exists (f->tmp, "top"));
  close (fd);
  /* existing path: returns it */
  fd = path_mkdir_in_root (f->root_fd, "/etclink", 0755, &err);
  snprintf (p, sizeof (p), "%s/etc", f->root);
  assert_true (fd >= 0 && same_file (fd, p));
  close (fd);
  assert_null (err);
}

/* Links whose target is outside: never created through, on the host or in the
   root; an error instead. */
static void
test_mkdir_hostile (void **state)
{
  struct fixture *f = *state;
  const char *paths[] = { "abs-out/sub", "rel-out/sub", "abs-out", "loop1/x" };

  for (size_t i = 0; i < sizeof (paths) / sizeof (paths[0]); i++)
    {
      struct ocirt_error *err = NULL;
      int fd = path_mkdir_in_root (f->root_fd, paths[i], 0755, &err);
      if (fd >= 0)
        fail_msg ("%s: created", paths[i]);
      assert_non_null (err);
      ocirt_error_free (err);
    }
  assert_false (exists (f->outside, "sub"));
  char p[PATH_MAX];
  snprintf (p, sizeof (p), "%s%s", f->root, f->outside);
  struct stat st;
  assert_int_equal (lstat (p, &st), -1);
}

static void
test_create_file (void **state)
{
  struct fixture *f = *state;
  struct ocirt_error *err = NULL;
  char p[PATH_MAX];
  struct stat st;

  int fd = path_create_in_root (f->root_fd, "/etclink/hosts", false, 0644, &err);
  snprintf (p, sizeof (p), "%s/etc/hosts", f->root);
  assert_true (fd >= 0 && same_file (fd, p));
  assert_true (stat (p, &st) == 0 && S_ISREG (st.st_mode));
  close (fd);
  /* existing: kept */
  fd = path_create_in_root (f->root_fd, "etc/inside-marker", false, 0644, &err);
  assert_true (fd >= 0);
  close (fd);
  /* dangling link to the host: refused, nothing created anywhere */
  char target[PATH_MAX];
  snprintf (target, sizeof (target), "%s/made", f->outside);
  xsymlink (target, f, "dangle-file");
  fd = path_create_in_root (f->root_fd, "dangle-file", false, 0644, &err);
  assert_true (fd < 0);
  assert_non_null (err);
  ocirt_error_free (err);
  assert_false (exists (f->outside, "made"));
}

/* The directory holding the new mountpoint is swapped for a symlink to "/"
   right after the mountpoint is made: what was made is returned (now under
   the directory's new name), not an error, and nothing is made elsewhere. */
static void
test_create_while_parent_swapped (void **state)
{
  struct fixture *f = *state;
  struct ocirt_error *err = NULL;
  char p[PATH_MAX];

  xmkdir (f->root, "vol");
  xmkdir (f->root, "vol/d");
  xsymlink ("/", f, "vol/l");
  arm_swap (f, "vol/d", "vol/l");
  int fd = path_mkdir_in_root (f->root_fd, "/vol/d/new", 0755, &err);
  assert_null (err);
  snprintf (p, sizeof (p), "%s/vol/l/new", f->root);
  assert_true (fd >= 0 && same_file (fd, p));
  close (fd);
  assert_false (exists (f->root, "new"));
  /* vol/d is the symlink now: the file goes to the root, then the swap. */
  arm_swap (f, "vol/d", "vol/l");
  fd = path_create_in_root (f->root_fd, "/vol/d/file", false, 0644, &err);
  assert_null (err);
  snprintf (p, sizeof (p), "%s/file", f->root);
  assert_true (fd >= 0 && same_file (fd, p));
  close (fd);
  assert_false (exists (f->root, "vol/d/file"));
  assert_false (exists (f->tmp, "file"));
}

static void
test_split (void **state)
{
  static const char *cases[][3] = {
    { "/a/b", "/a", "b" },
    { "/a/b/", "/a", "b" },
    { "b", ".", "b" },
    { "/b", "/", "b" },
    { "/", "/", "." },
    { "a//b", "a", "b" },
    { "/dev/net/tun", "/dev/net", "tun" },
  };
  (void) state;
  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      char *d = NULL, *b = NULL;
      assert_int_equal (path_split (cases[i][0], &d, &b), 0);
      if (strcmp (d, cases[i][1]) != 0 || strcmp (b, cases[i][2]) != 0)
        fail_msg ("%s: got `%s` + `%s`", cases[i][0], d, b);
      free (d);
      free (b);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_resolve_openat2, setup, teardown),
    cmocka_unit_test_setup_teardown (test_resolve_walk, setup, teardown),
    cmocka_unit_test_setup_teardown (test_create_openat2, setup, teardown),
    cmocka_unit_test_setup_teardown (test_create_walk, setup, teardown),
    cmocka_unit_test_setup_teardown (test_mkdir, setup, teardown),
    cmocka_unit_test_setup_teardown (test_mkdir_hostile, setup, teardown),
    cmocka_unit_test_setup_teardown (test_create_file, setup, teardown),
    cmocka_unit_test_setup_teardown (test_create_while_parent_swapped, setup, teardown),
    cmocka_unit_test (test_split),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
