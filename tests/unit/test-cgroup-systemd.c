/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure parts of the systemd cgroup driver: linux.cgroupsPath in its
   "slice:prefix:name" form, the unit properties made from linux.resources
   and the device rules, and the GVariant text of org.systemd.property.*
   annotations. The D-Bus side is tested against a fake systemd in
   tests/integration/test_systemd_cgroup.py. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include "core/cgroup-systemd-internal.h"
#include "ocispec.h"

static struct oci_config *
config (const char *json_tail)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct oci_config *c = NULL;
  char *json = NULL;

  assert_true (asprintf (&json, "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}%s}", json_tail) > 0);
  if (oci_config_parse (json, strlen (json), &c, &err) < 0)
    fail_msg ("%s", err->msg);
  free (json);
  return c;
}

/* "Name=value\n" for every property, values as cgroup_sd_value_format says. */
static char *
render (const struct cgroup_sd_props *p)
{
  char *out = strdup ("");

  for (size_t i = 0; i < p->n; i++)
    {
      char *v = cgroup_sd_value_format (&p->v[i].value), *grown = NULL;
      assert_non_null (v);
      assert_true (asprintf (&grown, "%s%s=%s\n", out, p->v[i].name, v) > 0);
      free (out);
      free (v);
      out = grown;
    }
  return out;
}

#define assert_contains(haystack, needle)                                                                    \
  do                                                                                                         \
    {                                                                                                        \
      if (strstr ((haystack), (needle)) == NULL)                                                             \
        fail_msg ("`%s` lacks `%s`", (haystack), (needle));                                                  \
    }                                                                                                        \
  while (0)

/* --- cgroupsPath --------------------------------------------------------- */

static void
assert_unit (const char *cgroups_path, const char *unit, const char *slice, const char *path)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct cgroup_sd_unit u;

  if (cgroup_sd_unit_parse (cgroups_path, "c1", &u, &err) < 0)
    fail_msg ("%s: %s", cgroups_path ? cgroups_path : "(null)", err->msg);
  assert_string_equal (u.name, unit);
  assert_string_equal (u.slice, slice);
  assert_string_equal (u.path, path);
  cgroup_sd_unit_release (&u);
}

static void
assert_unit_error (const char *cgroups_path, const char *needle)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct cgroup_sd_unit u;

  if (cgroup_sd_unit_parse (cgroups_path, "c1", &u, &err) == 0)
    fail_msg ("`%s` was accepted as %s", cgroups_path, u.path);
  assert_int_equal (err->code, EINVAL);
  assert_contains (err->msg, needle);
  assert_null (strchr (err->msg, '\n'));
}

static void
test_paths (void **state)
{
  (void) state;
  /* Absent or empty: system.slice:ocirt:<id>. */
  assert_unit (NULL, "ocirt-c1.scope", "system.slice", "/system.slice/ocirt-c1.scope");
  assert_unit ("", "ocirt-c1.scope", "system.slice", "/system.slice/ocirt-c1.scope");
  assert_unit ("machine.slice:libpod:abc", "libpod-abc.scope", "machine.slice",
               "/machine.slice/libpod-abc.scope");
  /* Empty slice: the default; empty prefix: no dash. */
  assert_unit (":p:n", "p-n.scope", "system.slice", "/system.slice/p-n.scope");
  assert_unit ("system.slice::n", "n.scope", "system.slice", "/system.slice/n.scope");
  /* Nested slices: each dash is a level; "-.slice" is the root. */
  assert_unit ("a-b-c.slice:x:y", "x-y.scope", "a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice/x-y.scope");
  assert_unit ("-.slice:x:y", "x-y.scope", "-.slice", "/x-y.scope");
  /* A slice unit: placed by its own name, its "slice" only wants it. */
  assert_unit ("system.slice:ignored:k-pod1.slice", "k-pod1.slice", "system.slice", "/k.slice/k-pod1.slice");
}

static void
test_expand_slice (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  const char *bad[]
      = { "", ".slice", "a", "a.scope", "-a.slice", "a-.slice", "a--b.slice", "a/b.slice", "x y.slice" };
  char *path = NULL;

  (void) state;
  assert_int_equal (cgroup_sd_expand_slice ("user-1000.slice", &path, &err), 0);
  assert_string_equal (path, "/user.slice/user-1000.slice");
  free (path);
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      _cleanup_error_ struct ocirt_error *e = NULL;
      path = NULL;
      if (cgroup_sd_expand_slice (bad[i], &path, &e) == 0)
        fail_msg ("`%s` expanded to %s", bad[i], path);
      assert_contains (e->msg, "invalid slice name");
    }
}

static void
test_bad_paths (void **state)
{
  char long_name[300];

  (void) state;
  assert_unit_error ("/pod/c1", "expected \"slice:prefix:name\" with --systemd-cgroup, got `/pod/c1`");
  assert_unit_error ("a.slice:b", "expected \"slice:prefix:name\"");
  assert_unit_error ("a.slice:b:c:d", "expected \"slice:prefix:name\"");
  assert_unit_error ("system:ocirt:c1", "invalid slice name `system`");
  assert_unit_error ("a--b.slice:ocirt:c1", "invalid slice name `a--b.slice`");
  assert_unit_error ("system.slice:ocirt:", "the name part is empty");
  assert_unit_error ("system.slice:oc/irt:c1", "invalid unit name `oc/irt-c1.scope`");
  assert_unit_error ("system.slice:ocirt:c 1", "invalid unit name");
  assert_unit_error ("system.slice:x:-bad.slice", "invalid slice name `-bad.slice`");
  memset (long_name, 'n', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  {
    char *cg = NULL;
    assert_true (asprintf (&cg, "system.slice:p:%s", long_name) > 0);
    assert_unit_error (cg, "255 characters at most");
    free (cg);
  }
}

/* --- properties ---------------------------------------------------------- */

static const char proc_devices[]
    = "Character devices:\n  1 mem\n  4 tty\n136 pts\n\nBlock devices:\n  7 loop\n";

static char *
properties (const char *json_tail, bool v2, int version, bool devices)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = config (json_tail);
  struct cgroup_sd_host h = { .v2 = v2, .version = version, .proc_devices = proc_devices };
  struct cgroup_sd_props p = { 0 };
  char *text;
  int r = devices ? cgroup_sd_device_properties (c->linux_, &h, &p, &err)
                  : cgroup_sd_resource_properties (c->linux_ ? c->linux_->resources : NULL, &h, &p, &err);

  if (r < 0)
    fail_msg ("%s", err->msg);
  text = render (&p);
  cgroup_sd_props_release (&p);
  return text;
}

static void
test_base_properties (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct cgroup_sd_host v1 = { .version = 252 }, v2 = { .v2 = true, .version = 252 };
  struct cgroup_sd_unit u;
  struct cgroup_sd_props p = { 0 };
  _cleanup_free_ char *scope = NULL, *slice = NULL;

  (void) state;
  assert_int_equal (cgroup_sd_unit_parse ("a.slice:p:c1", "c1", &u, &err), 0);
  assert_int_equal (cgroup_sd_base_properties (&u, "c1", 4242, &v1, &p, &err), 0);
  scope = render (&p);
  assert_string_equal (scope, "Description='ocirt container c1'\nSlice='a.slice'\nDelegate=true\n"
                              "PIDs=[uint32 4242]\nMemoryAccounting=true\nCPUAccounting=true\n"
                              "BlockIOAccounting=true\nTasksAccounting=true\nDefaultDependencies=false\n");
  cgroup_sd_props_release (&p);
  cgroup_sd_unit_release (&u);
  /* A slice: Wants= its parent, no PIDs (the init joins by cgroupfs); v2
     accounts IO under its v2 name. */
  assert_int_equal (cgroup_sd_unit_parse ("a.slice:p:a-b.slice", "c1", &u, &err), 0);
  assert_int_equal (cgroup_sd_base_properties (&u, "c1", 4242, &v2, &p, &err), 0);
  slice = render (&p);
  assert_string_equal (slice, "Description='ocirt container c1'\nWants=['a.slice']\nMemoryAccounting=true\n"
                              "CPUAccounting=true\nIOAccounting=true\nTasksAccounting=true\n"
                              "DefaultDependencies=false\n");
  cgroup_sd_props_release (&p);
  cgroup_sd_unit_release (&u);
}

static void
test_resources_v1 (void **state)
{
  _cleanup_free_ char *all = properties (
      ",\"linux\":{\"resources\":{\"memory\":{\"limit\":1048576,\"reservation\":5,\"swap\":2097152},"
      "\"cpu\":{\"shares\":512,\"quota\":12345,\"period\":50000,\"cpus\":\"0-2,9\",\"mems\":\"1\"},"
      "\"blockIO\":{\"weight\":300},\"pids\":{\"limit\":64}}}",
      false, 252, false);
  _cleanup_free_ char *old = NULL, *unlimited = NULL, *none = NULL;

  (void) state;
  assert_string_equal (all,
                       "MemoryLimit=uint64 1048576\nCPUShares=uint64 512\nCPUQuotaPeriodUSec=uint64 50000\n"
                       "CPUQuotaPerSecUSec=uint64 250000\n"
                       "AllowedCPUs=[byte 0x07, byte 0x02]\nAllowedMemoryNodes=[byte 0x02]\n"
                       "BlockIOWeight=uint64 300\nTasksMax=uint64 64\n");
  /* systemd before 242/244 takes neither the period nor the cpusets:
     cgroupfs writes them. The quota (12345 of 100000 µs) rounds up to 1%. */
  old = properties (",\"linux\":{\"resources\":{\"cpu\":{\"quota\":12345,\"cpus\":\"1\"}}}", false, 241,
                    false);
  assert_string_equal (old, "CPUQuotaPerSecUSec=uint64 130000\n");
  /* -1: systemd's infinity. */
  unlimited = properties (",\"linux\":{\"resources\":{\"memory\":{\"limit\":-1},\"cpu\":{\"quota\":-1},"
                          "\"pids\":{\"limit\":-1}}}",
                          false, 252, false);
  assert_string_equal (unlimited, "MemoryLimit=uint64 18446744073709551615\n"
                                  "CPUQuotaPerSecUSec=uint64 18446744073709551615\n"
                                  "TasksMax=uint64 18446744073709551615\n");
  /* Zero and absent values are left alone, as runc does. */
  none = properties (",\"linux\":{\"resources\":{\"memory\":{\"limit\":0},\"pids\":{\"limit\":0},"
                     "\"cpu\":{\"shares\":0}}}",
                     false, 252, false);
  assert_string_equal (none, "");
}

static void
test_resources_v2 (void **state)
{
  _cleanup_free_ char *all = properties (
      ",\"linux\":{\"resources\":{\"memory\":{\"limit\":1048576,\"reservation\":4096,\"swap\":3145728},"
      "\"cpu\":{\"shares\":1024},\"blockIO\":{\"weight\":300},\"pids\":{\"limit\":10}}}",
      true, 252, false);

  (void) state;
  /* shares 1024 -> weight 1 + 1022 * 9999 / 262142 = 39; swap max is
     swap - limit; v2 leaves the IO weight to cgroupfs. */
  assert_string_equal (all, "MemoryMax=uint64 1048576\nMemoryLow=uint64 4096\nMemorySwapMax=uint64 2097152\n"
                            "CPUWeight=uint64 39\nTasksMax=uint64 10\n");
}

static void
test_bad_cpu_list (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = config (",\"linux\":{\"resources\":{\"cpu\":{\"cpus\":\"3-1\"}}}");
  struct cgroup_sd_host h = { .version = 252 };
  struct cgroup_sd_props p = { 0 };

  (void) state;
  assert_int_equal (cgroup_sd_resource_properties (c->linux_->resources, &h, &p, &err), -EINVAL);
  assert_contains (err->msg, "linux.resources.cpu.cpus: `3-1` is not a list of ranges");
  cgroup_sd_props_release (&p);
}

static void
test_devices (void **state)
{
  _cleanup_free_ char *deny_all
      = properties (",\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                    "{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rw\"},"
                    "{\"allow\":true,\"type\":\"b\",\"major\":7,\"access\":\"r\"},"
                    "{\"allow\":true,\"type\":\"c\",\"major\":99,\"access\":\"r\"}]}}",
                    false, 252, true);
  _cleanup_free_ char *allow_all
      = properties (",\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},"
                    "{\"allow\":false,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rwm\"}]}}",
                    false, 252, true);
  _cleanup_free_ char *denied_later
      = properties (",\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                    "{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rwm\"},"
                    "{\"allow\":false,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"w\"}]}}",
                    false, 252, true);

  (void) state;
  /* Default deny: "strict" and one entry per allowed device, a major's
     name from /proc/devices (major 99 has none: cgroupfs alone has it),
     then the devices every container gets. */
  assert_string_equal (deny_all,
                       "DevicePolicy='strict'\nDeviceAllow=[('/dev/char/10:200', 'rw'), "
                       "('block-loop', 'r'), ('char-*', 'm'), ('block-*', 'm'), "
                       "('/dev/char/1:3', 'rwm'), ('/dev/char/1:8', 'rwm'), ('/dev/char/1:7', 'rwm'), "
                       "('/dev/char/5:0', 'rwm'), ('/dev/char/1:5', 'rwm'), ('/dev/char/1:9', 'rwm'), "
                       "('char-pts', 'rwm'), ('/dev/char/5:2', 'rwm')]\n");
  /* Default allow: "auto" with an empty list (the deny rule is only the
     devices cgroup's). */
  assert_string_equal (allow_all, "DevicePolicy='auto'\nDeviceAllow=@a(ss) []\n");
  /* A later deny takes its access away from the entry it names. */
  assert_contains (denied_later, "('/dev/char/10:200', 'rm')");
}

/* --- annotations and GVariant text --------------------------------------- */

static char *
variant (const char *text)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct cgroup_sd_value v;
  char *out;

  if (cgroup_sd_variant_parse (text, &v, &err) < 0)
    fail_msg ("`%s`: %s", text, err->msg);
  out = cgroup_sd_value_format (&v);
  cgroup_sd_value_release (&v);
  return out;
}

#define assert_variant(text, sig_text)                                                                       \
  do                                                                                                         \
    {                                                                                                        \
      _cleanup_free_ char *_v = variant (text);                                                              \
      assert_string_equal (_v, sig_text);                                                                    \
    }                                                                                                        \
  while (0)

static void
assert_variant_error (const char *text, const char *needle)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct cgroup_sd_value v;

  if (cgroup_sd_variant_parse (text, &v, &err) == 0)
    {
      _cleanup_free_ char *got = cgroup_sd_value_format (&v);
      cgroup_sd_value_release (&v);
      fail_msg ("`%s` parsed as %s", text, got);
    }
  assert_contains (err->msg, needle);
}

static void
test_variant_values (void **state)
{
  (void) state;
  assert_variant ("true", "true");
  assert_variant (" false ", "false");
  assert_variant ("42", "42"); /* int32 */
  assert_variant ("-7", "-7");
  assert_variant ("uint64 123456789", "uint64 123456789");
  assert_variant ("uint64 18446744073709551615", "uint64 18446744073709551615");
  assert_variant ("int64 -5", "int64 -5");
  assert_variant ("uint32 0x10", "uint32 16");
  assert_variant ("byte 255", "byte 0xff");
  assert_variant ("int16 -32768", "int16 -32768");
  assert_variant ("uint16 010", "uint16 8"); /* a leading 0 is octal, as GLib reads it */
  assert_variant ("1.5", "double 1.5");
  assert_variant ("double 2", "double 2");
  assert_variant ("'inactive-or-failed'", "'inactive-or-failed'");
  assert_variant ("\"it's\"", "'it\\'s'");
  assert_variant ("'a\\'b\\\\c\\u00e9'", "'a\\'b\\\\c\xc3\xa9'");
  assert_variant ("objectpath '/org/x'", "objectpath '/org/x'");
  assert_variant ("['a', 'b']", "['a', 'b']");
  assert_variant ("[uint64 1, 2, 3]", "[uint64 1, uint64 2, uint64 3]");
  assert_variant ("@as []", "@as []");
  assert_variant ("@au [1, 2]", "[uint32 1, uint32 2]");
  assert_variant ("[('/dev/null', 'rwm'), ('char-pts', 'r')]", "[('/dev/null', 'rwm'), ('char-pts', 'r')]");
  assert_variant ("(uint64 1,)", "(uint64 1)");
  assert_variant ("@a(st) [('x', 1)]", "[('x', uint64 1)]");
}

static void
test_variant_errors (void **state)
{
  (void) state;
  assert_variant_error ("", "value missing");
  assert_variant_error ("inactive", "unknown word (a string needs quotes: 'text') at offset 0");
  assert_variant_error ("'open", "unterminated string");
  assert_variant_error ("'bad \\q'", "unknown escape");
  assert_variant_error ("uint64 -1", "negative number for an unsigned type");
  assert_variant_error ("byte 256", "out of range");
  assert_variant_error ("2147483648", "out of range"); /* an untyped number is int32 */
  assert_variant_error ("uint64 12x", "not a number");
  assert_variant_error ("[]", "the type of an empty array is unknown");
  assert_variant_error ("['a', 1]", "a number where another type is expected");
  assert_variant_error ("[1, 'a']", "a string where another type is expected");
  assert_variant_error ("[1 2]", "expected `,` or `]`");
  assert_variant_error ("()", "fewer members");
  assert_variant_error ("@as [1]", "a number where another type is expected");
  assert_variant_error ("@a{sv} []", "unsupported type after `@`");
  assert_variant_error ("{'a': 1}", "unexpected character");
  assert_variant_error ("true false", "unexpected text after the value at offset 5");
  assert_variant_error ("@t true", "a boolean where another type is expected");
  assert_variant_error ("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
                        "nested too deeply");
}

static void
test_annotations (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c
      = config (",\"annotations\":{\"org.systemd.property.CollectMode\":\"'inactive-or-failed'\","
                "\"org.systemd.property.TimeoutStopSec\":\"uint64 123\",\"other\":\"x\","
                "\"org.systemd.property.RuntimeMaxSec\":\"1.5\","
                "\"org.systemd.property.CPUQuotaPerSecUSec\":\"uint64 7\"}");
  struct cgroup_sd_props p = { 0 };
  _cleanup_free_ char *text = NULL;

  (void) state;
  assert_int_equal (cgroup_sd_annotation_properties (c->annotations, &p, &err), 0);
  text = render (&p);
  /* "…Sec" after a lower-case letter: "…USec" in microseconds. */
  assert_string_equal (text, "CollectMode='inactive-or-failed'\nTimeoutStopUSec=uint64 123000000\n"
                             "RuntimeMaxUSec=uint64 1500000\nCPUQuotaPerSecUSec=uint64 7\n");
  cgroup_sd_props_release (&p);
}

static void
assert_annotation_error (const char *key, const char *value, const char *needle)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct oci_map m = { .keys = (char *[]){ (char *) key }, .values = (char *[]){ (char *) value }, .len = 1 };
  struct cgroup_sd_props p = { 0 };

  assert_int_equal (cgroup_sd_annotation_properties (&m, &p, &err), -EINVAL);
  assert_contains (err->msg, needle);
  assert_null (strchr (err->msg, '\n'));
  cgroup_sd_props_release (&p);
}

static void
test_annotation_errors (void **state)
{
  (void) state;
  assert_annotation_error ("org.systemd.property.Ab", "true", "`Ab` is not a property name");
  assert_annotation_error ("org.systemd.property.Foo_Bar", "true", "`Foo_Bar` is not a property name");
  assert_annotation_error (
      "org.systemd.property.CollectMode", "inactive",
      "annotation org.systemd.property.CollectMode: cannot parse `inactive`: unknown word");
  assert_annotation_error ("org.systemd.property.TimeoutStopSec", "'5s'",
                           "`'5s'` is not a number of seconds");
  assert_annotation_error ("org.systemd.property.TimeoutStopSec", "-1", "is not a number of seconds");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_paths),          cmocka_unit_test (test_expand_slice),
    cmocka_unit_test (test_bad_paths),      cmocka_unit_test (test_base_properties),
    cmocka_unit_test (test_resources_v1),   cmocka_unit_test (test_resources_v2),
    cmocka_unit_test (test_bad_cpu_list),   cmocka_unit_test (test_devices),
    cmocka_unit_test (test_variant_values), cmocka_unit_test (test_variant_errors),
    cmocka_unit_test (test_annotations),    cmocka_unit_test (test_annotation_errors),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
