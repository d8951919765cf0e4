/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/defaults.h"
#include "core/spec.h"
#include "ocispec.h"

/* Unit tests of the default config (`ocirt spec`): it is valid, it matches
   what runc 1.1 writes, and it survives printing and parsing. */

/* The reference: `runc spec` of runc 1.1.5, verbatim. */
/* clang-format off */
static const char runc_spec[] =
  "{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
  "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"TERM=xterm\"],"
  "\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
  "\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
  "\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],\"ambient\":[\"CAP_AUDIT_WRITE\","
  "\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,"
  "\"soft\":1024}],\"noNewPrivileges\":true},\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
  "\"hostname\":\"runc\",\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
  "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\","
  "\"mode=755\",\"size=65536k\"]},{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
  "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
  "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\",\"noexec\",\"nodev\","
  "\"mode=1777\",\"size=65536k\"]},{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
  "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
  "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\","
  "\"source\":\"cgroup\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
  "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},\"namespaces\":[{\"type\":\"pid\"},"
  "{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}],\"maskedPaths\":[\"/proc/acpi\","
  "\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\",\"/proc/timer_list\","
  "\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
  "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}}";
/* clang-format on */

/* What `runc spec --rootless` writes for /sys instead of a new sysfs. */
static const char *const runc_rootless_sys[] = { "rbind", "nosuid", "noexec", "nodev", "ro" };

static struct oci_config *
reference (void)
{
  struct oci_config *c = NULL;

  assert_int_equal (oci_config_parse (runc_spec, strlen (runc_spec), &c, NULL), 0);
  return c;
}

static void
assert_strv_equal (char **a, size_t a_len, char **b, size_t b_len)
{
  assert_int_equal (a_len, b_len);
  for (size_t i = 0; i < a_len; i++)
    assert_string_equal (a[i], b[i]);
}

static void
test_valid (void **state)
{
  (void) state;
  for (int rootless = 0; rootless <= 1; rootless++)
    {
      _cleanup_error_ struct ocirt_error *err = NULL;
      _cleanup_config_ struct oci_config *c = NULL;

      assert_int_equal (defaults_config (rootless, &c, &err), 0);
      if (spec_validate (c, &err) < 0)
        fail_msg ("rootless=%d: %s", rootless, err->msg);
      assert_string_equal (c->oci_version, OCI_VERSION);
    }
}

static void
test_matches_runc (void **state)
{
  _cleanup_config_ struct oci_config *ref = reference ();
  _cleanup_config_ struct oci_config *c = NULL;

  (void) state;
  assert_int_equal (defaults_config (false, &c, NULL), 0);
  assert_int_equal (c->mounts_len, ref->mounts_len);
  for (size_t i = 0; i < ref->mounts_len; i++)
    {
      assert_string_equal (c->mounts[i].destination, ref->mounts[i].destination);
      assert_string_equal (c->mounts[i].type, ref->mounts[i].type);
      assert_string_equal (c->mounts[i].source, ref->mounts[i].source);
      assert_strv_equal (c->mounts[i].options, c->mounts[i].options_len, ref->mounts[i].options,
                         ref->mounts[i].options_len);
    }
  assert_strv_equal (c->linux_->masked_paths, c->linux_->masked_paths_len, ref->linux_->masked_paths,
                     ref->linux_->masked_paths_len);
  assert_strv_equal (c->linux_->readonly_paths, c->linux_->readonly_paths_len, ref->linux_->readonly_paths,
                     ref->linux_->readonly_paths_len);
  assert_int_equal (c->linux_->namespaces_len, ref->linux_->namespaces_len);
  for (size_t i = 0; i < ref->linux_->namespaces_len; i++)
    assert_string_equal (c->linux_->namespaces[i].type, ref->linux_->namespaces[i].type);
  assert_int_equal (c->linux_->resources->devices_len, 1);
  assert_false (c->linux_->resources->devices[0].allow);
  assert_string_equal (c->linux_->resources->devices[0].access, ref->linux_->resources->devices[0].access);
  /* process */
  assert_strv_equal (c->process->args, c->process->args_len, ref->process->args, ref->process->args_len);
  assert_strv_equal (c->process->env, c->process->env_len, ref->process->env, ref->process->env_len);
  assert_string_equal (c->process->cwd, ref->process->cwd);
  assert_true (c->process->terminal);
  assert_true (c->process->no_new_privileges);
  assert_int_equal (c->process->user->uid, 0);
  assert_int_equal (c->process->user->gid, 0);
  assert_int_equal (c->process->rlimits_len, 1);
  assert_string_equal (c->process->rlimits[0].type, ref->process->rlimits[0].type);
  assert_int_equal (c->process->rlimits[0].soft, ref->process->rlimits[0].soft);
  assert_int_equal (c->process->rlimits[0].hard, ref->process->rlimits[0].hard);
  assert_strv_equal (c->process->capabilities->bounding, c->process->capabilities->bounding_len,
                     ref->process->capabilities->bounding, ref->process->capabilities->bounding_len);
  assert_strv_equal (c->process->capabilities->effective, c->process->capabilities->effective_len,
                     ref->process->capabilities->effective, ref->process->capabilities->effective_len);
  assert_strv_equal (c->process->capabilities->permitted, c->process->capabilities->permitted_len,
                     ref->process->capabilities->permitted, ref->process->capabilities->permitted_len);
  /* root and hostname: runc's, with our own name */
  assert_string_equal (c->root->path, ref->root->path);
  assert_true (c->root->readonly);
  assert_string_equal (c->hostname, "ocirt");
}

/* Unlike runc 1.1, no inheritable and no ambient set, not even empty ones. */
static void
test_no_inheritable_ambient (void **state)
{
  (void) state;
  for (int rootless = 0; rootless <= 1; rootless++)
    {
      _cleanup_config_ struct oci_config *c = NULL;
      _cleanup_free_ char *json = NULL;

      assert_int_equal (defaults_config (rootless, &c, NULL), 0);
      assert_null (c->process->capabilities->inheritable);
      assert_null (c->process->capabilities->ambient);
      assert_int_equal (oci_config_to_json (c, &json, NULL), 0);
      assert_null (strstr (json, "inheritable"));
      assert_null (strstr (json, "ambient"));
    }
}

static void
test_rootless (void **state)
{
  _cleanup_config_ struct oci_config *ref = reference ();
  _cleanup_config_ struct oci_config *c = NULL;
  const struct oci_namespace *user;

  (void) state;
  assert_int_equal (defaults_config (true, &c, NULL), 0);
  user = spec_find_namespace (c->linux_, "user");
  assert_non_null (user);
  assert_null (user->path);
  assert_null (spec_find_namespace (c->linux_, "network"));
  assert_non_null (spec_find_namespace (c->linux_, "mount"));
  assert_int_equal (c->linux_->uid_mappings_len, 1);
  assert_int_equal (c->linux_->uid_mappings[0].container_id, 0);
  assert_int_equal (c->linux_->uid_mappings[0].host_id, geteuid ());
  assert_int_equal (c->linux_->uid_mappings[0].size, 1);
  assert_int_equal (c->linux_->gid_mappings_len, 1);
  assert_int_equal (c->linux_->gid_mappings[0].host_id, getegid ());
  assert_null (c->linux_->resources);
  assert_int_equal (c->mounts_len, ref->mounts_len);
  for (size_t i = 0; i < c->mounts_len; i++)
    {
      const struct oci_mount *m = &c->mounts[i];

      assert_string_equal (m->destination, ref->mounts[i].destination);
      for (size_t j = 0; j < m->options_len; j++)
        assert_true (strncmp (m->options[j], "gid=", 4) != 0);
      if (strcmp (m->destination, "/sys") == 0)
        {
          assert_string_equal (m->type, "none");
          assert_string_equal (m->source, "/sys");
          assert_int_equal (m->options_len, ARRAY_SIZE (runc_rootless_sys));
          for (size_t j = 0; j < m->options_len; j++)
            assert_string_equal (m->options[j], runc_rootless_sys[j]);
        }
      else
        assert_string_equal (m->type, ref->mounts[i].type);
    }
}

static void
test_round_trip (void **state)
{
  (void) state;
  for (int rootless = 0; rootless <= 1; rootless++)
    {
      _cleanup_config_ struct oci_config *c = NULL;
      _cleanup_config_ struct oci_config *again = NULL;
      _cleanup_free_ char *json = NULL;
      _cleanup_free_ char *json2 = NULL;
      _cleanup_error_ struct ocirt_error *err = NULL;

      assert_int_equal (defaults_config (rootless, &c, NULL), 0);
      assert_int_equal (oci_config_to_json (c, &json, NULL), 0);
      if (oci_config_parse (json, strlen (json), &again, &err) < 0)
        fail_msg ("%s", err->msg);
      assert_int_equal (oci_config_to_json (again, &json2, NULL), 0);
      assert_string_equal (json, json2);
      assert_int_equal (spec_validate (again, NULL), 0);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_valid),
    cmocka_unit_test (test_matches_runc),
    cmocka_unit_test (test_no_inheritable_ambient),
    cmocka_unit_test (test_rootless),
    cmocka_unit_test (test_round_trip),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
