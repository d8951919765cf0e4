/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "core/mountopt.h"

/* Parses the options given as arguments (NULL-terminated). */
static struct mount_options
parse (const char *first, ...)
{
  char *v[64];
  size_t n = 0;
  va_list ap;
  struct mount_options o;
  struct ocirt_error *err = NULL;

  va_start (ap, first);
  for (const char *s = first; s; s = va_arg (ap, const char *))
    v[n++] = (char *) s;
  va_end (ap);
  assert_int_equal (mountopt_parse (v, n, &o, &err), 0);
  assert_null (err);
  return o;
}

/* mount(8)'s flag options, each alone: the flag it sets or clears. */
static const struct
{
  const char *name;
  unsigned long set, clear;
} flag_cases[] = {
  { "ro", MS_RDONLY, 0 },
  { "rw", 0, MS_RDONLY },
  { "nosuid", MS_NOSUID, 0 },
  { "suid", 0, MS_NOSUID },
  { "nodev", MS_NODEV, 0 },
  { "dev", 0, MS_NODEV },
  { "noexec", MS_NOEXEC, 0 },
  { "exec", 0, MS_NOEXEC },
  { "sync", MS_SYNCHRONOUS, 0 },
  { "async", 0, MS_SYNCHRONOUS },
  { "dirsync", MS_DIRSYNC, 0 },
  { "remount", MS_REMOUNT, 0 },
  { "mand", MS_MANDLOCK, 0 },
  { "nomand", 0, MS_MANDLOCK },
  { "noatime", MS_NOATIME, 0 },
  { "atime", 0, MS_NOATIME },
  { "nodiratime", MS_NODIRATIME, 0 },
  { "diratime", 0, MS_NODIRATIME },
  { "relatime", MS_RELATIME, 0 },
  { "norelatime", 0, MS_RELATIME },
  { "strictatime", MS_STRICTATIME, 0 },
  { "nostrictatime", 0, MS_STRICTATIME },
  { "lazytime", MS_LAZYTIME, 0 },
  { "nolazytime", 0, MS_LAZYTIME },
  { "silent", MS_SILENT, 0 },
  { "loud", 0, MS_SILENT },
  { "iversion", MS_I_VERSION, 0 },
  { "noiversion", 0, MS_I_VERSION },
  { "nosymfollow", MS_NOSYMFOLLOW, 0 },
  { "symfollow", 0, MS_NOSYMFOLLOW },
  { "bind", MS_BIND, 0 },
  { "rbind", MS_BIND | MS_REC, 0 },
  { "defaults", 0, 0 },
};

static void
test_flags (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof (flag_cases) / sizeof (flag_cases[0]); i++)
    {
      struct mount_options o = parse (flag_cases[i].name, NULL);
      if (o.flags != flag_cases[i].set || o.clear_flags != flag_cases[i].clear)
        fail_msg ("%s: flags 0x%lx clear 0x%lx", flag_cases[i].name, o.flags, o.clear_flags);
      assert_null (o.data);
      assert_int_equal (o.propagation_len, 0);
      assert_int_equal (o.rec_attr_set | o.rec_attr_clr, 0);
      mountopt_clear (&o);
    }
}

static void
test_last_wins (void **state)
{
  (void) state;
  struct mount_options o = parse ("ro", "nosuid", "rw", NULL);
  assert_int_equal (o.flags, MS_NOSUID);
  assert_int_equal (o.clear_flags, MS_RDONLY);
  mountopt_clear (&o);
  o = parse ("rw", "ro", NULL);
  assert_int_equal (o.flags, MS_RDONLY);
  assert_int_equal (o.clear_flags, 0);
  mountopt_clear (&o);
}

static void
test_propagation (void **state)
{
  static const struct
  {
    const char *name;
    unsigned long flags;
  } cases[] = {
    { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
    { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
    { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
  };
  (void) state;
  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      struct mount_options o = parse ("bind", cases[i].name, NULL);
      assert_int_equal (o.flags, MS_BIND); /* propagation is not a mount(2) flag here */
      assert_int_equal (o.propagation_len, 1);
      assert_int_equal (o.propagation[0], cases[i].flags);
      unsigned long f = 0;
      assert_int_equal (mountopt_propagation_flags (cases[i].name, &f), 0);
      assert_int_equal (f, cases[i].flags);
      mountopt_clear (&o);
    }
  /* several, kept in order */
  struct mount_options o = parse ("rprivate", "shared", NULL);
  assert_int_equal (o.propagation_len, 2);
  assert_int_equal (o.propagation[0], MS_PRIVATE | MS_REC);
  assert_int_equal (o.propagation[1], MS_SHARED);
  mountopt_clear (&o);
  unsigned long f = 0;
  assert_int_equal (mountopt_propagation_flags ("ro", &f), -EINVAL);
  assert_int_equal (mountopt_propagation_flags ("bogus", &f), -EINVAL);
}

static void
test_recursive (void **state)
{
  static const struct
  {
    const char *name;
    uint64_t set, clr;
  } cases[] = {
    { "rro", MOUNT_ATTR_RDONLY, 0 },
    { "rrw", 0, MOUNT_ATTR_RDONLY },
    { "rnosuid", MOUNT_ATTR_NOSUID, 0 },
    { "rsuid", 0, MOUNT_ATTR_NOSUID },
    { "rnodev", MOUNT_ATTR_NODEV, 0 },
    { "rdev", 0, MOUNT_ATTR_NODEV },
    { "rnoexec", MOUNT_ATTR_NOEXEC, 0 },
    { "rexec", 0, MOUNT_ATTR_NOEXEC },
    { "rnodiratime", MOUNT_ATTR_NODIRATIME, 0 },
    { "rdiratime", 0, MOUNT_ATTR_NODIRATIME },
    { "rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0 },
    { "rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW },
    /* atime modes: the kernel wants the whole __ATIME field cleared with them */
    { "rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
    { "ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
    { "rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
    { "rnorelatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
    { "rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
    { "rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
  };
  (void) state;
  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      struct mount_options o = parse (cases[i].name, NULL);
      if (o.rec_attr_set != cases[i].set || o.rec_attr_clr != cases[i].clr || o.flags || o.data)
        fail_msg ("%s: set 0x%lx clr 0x%lx", cases[i].name, (unsigned long) o.rec_attr_set,
                  (unsigned long) o.rec_attr_clr);
      mountopt_clear (&o);
    }
  /* a later atime mode replaces an earlier one; other bits stay */
  struct mount_options o = parse ("rro", "rnoatime", "rstrictatime", "rrw", "rro", NULL);
  assert_int_equal (o.rec_attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_STRICTATIME);
  assert_int_equal (o.rec_attr_clr, MOUNT_ATTR__ATIME);
  mountopt_clear (&o);
}

static void
test_extensions (void **state)
{
  (void) state;
  struct mount_options o = parse ("idmap", NULL);
  assert_true (o.idmap);
  assert_false (o.idmap_rec);
  assert_null (o.data); /* never passed to mount(2): config.md */
  mountopt_clear (&o);
  o = parse ("ridmap", "tmpcopyup", NULL);
  assert_true (o.idmap && o.idmap_rec && o.tmpcopyup);
  assert_null (o.data);
  mountopt_clear (&o);
}

static void
test_unknown_is_data (void **state)
{
  (void) state;
  struct mount_options o = parse ("nosuid", "mode=755", "size=65536k", "ro", "newinstance", NULL);
  assert_int_equal (o.flags, MS_NOSUID | MS_RDONLY);
  assert_string_equal (o.data, "mode=755,size=65536k,newinstance");
  mountopt_clear (&o);
  assert_null (o.data);
  o = parse ("gid=5", NULL);
  assert_string_equal (o.data, "gid=5");
  mountopt_clear (&o);
  /* Case matters, as in mount(8): "RO" is filesystem data. */
  o = parse ("RO", NULL);
  assert_int_equal (o.flags, 0);
  assert_string_equal (o.data, "RO");
  mountopt_clear (&o);
}

static void
test_empty (void **state)
{
  (void) state;
  struct mount_options o;
  struct ocirt_error *err = NULL;
  assert_int_equal (mountopt_parse (NULL, 0, &o, &err), 0);
  assert_int_equal (o.flags | o.clear_flags, 0);
  assert_null (o.data);
}

static void
test_too_many_propagations (void **state)
{
  (void) state;
  char *v[20];
  struct mount_options o;
  struct ocirt_error *err = NULL;
  for (size_t i = 0; i < 20; i++)
    v[i] = (char *) "shared";
  assert_int_equal (mountopt_parse (v, 20, &o, &err), -E2BIG);
  assert_non_null (err);
  assert_non_null (strstr (err->msg, "shared"));
  ocirt_error_free (err);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_flags),       cmocka_unit_test (test_last_wins),
    cmocka_unit_test (test_propagation), cmocka_unit_test (test_recursive),
    cmocka_unit_test (test_extensions),  cmocka_unit_test (test_unknown_is_data),
    cmocka_unit_test (test_empty),       cmocka_unit_test (test_too_many_propagations),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
