/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "core/features.h"
#include "core/mountopt.h"
#include "ocispec.h"

/* Unit tests of the features document (`ocirt features`): it has what the
   schema requires, parses back, and claims nothing that is not implemented. */

#ifndef SPEC_SCHEMA_DIR
#define SPEC_SCHEMA_DIR "../shared/spec/schema"
#endif

static char *
build_json (void)
{
  _cleanup_features_ struct oci_features *f = NULL;
  _cleanup_error_ struct ocirt_error *err = NULL;
  char *json = NULL;

  if (features_build (&f, &err) < 0 || oci_features_to_json (f, &json, &err) < 0)
    fail_msg ("%s", err->msg);
  return json;
}

static yajl_val
parse_tree (const char *text)
{
  char errbuf[256];
  yajl_val v = yajl_tree_parse (text, errbuf, sizeof errbuf);

  if (v == NULL)
    fail_msg ("invalid JSON: %s", errbuf);
  return v;
}

static yajl_val
read_schema (const char *name)
{
  _cleanup_free_ char *path = NULL;
  _cleanup_free_ char *text = NULL;
  _cleanup_fclose_ FILE *f = NULL;
  size_t len = 0;

  assert_true (asprintf (&path, "%s/%s", SPEC_SCHEMA_DIR, name) > 0);
  f = fopen (path, "re");
  if (f == NULL)
    fail_msg ("cannot open %s", path);
  assert_true (getdelim (&text, &len, '\0', f) > 0);
  return parse_tree (text);
}

/* Every key of `doc` must be a property of `schema_props`. */
static void
assert_keys_known (yajl_val doc, yajl_val schema_props, const char *where)
{
  assert_true (YAJL_IS_OBJECT (doc));
  for (size_t i = 0; i < doc->u.object.len; i++)
    {
      const char *key_path[] = { doc->u.object.keys[i], NULL };

      if (yajl_tree_get (schema_props, key_path, yajl_t_any) == NULL)
        fail_msg ("%s.%s is not in the schema", where, doc->u.object.keys[i]);
    }
}

static void
test_schema (void **state)
{
  _cleanup_free_ char *json = build_json ();
  _cleanup_features_ struct oci_features *back = NULL;
  _cleanup_error_ struct ocirt_error *err = NULL;
  yajl_val doc = parse_tree (json), schema = read_schema ("features-schema.json");
  yajl_val linux_schema = read_schema ("features-linux.json");
  const char *req_path[] = { "required", NULL }, *props_path[] = { "properties", NULL };
  const char *linux_props_path[] = { "linux", "properties", NULL }, *linux_path[] = { "linux", NULL };
  yajl_val required = yajl_tree_get (schema, req_path, yajl_t_array);

  (void) state;
  assert_non_null (required);
  assert_true (required->u.array.len >= 2);
  for (size_t i = 0; i < required->u.array.len; i++)
    {
      const char *key_path[] = { YAJL_GET_STRING (required->u.array.values[i]), NULL };

      if (yajl_tree_get (doc, key_path, yajl_t_string) == NULL)
        fail_msg ("required key %s missing", key_path[0]);
    }
  assert_keys_known (doc, yajl_tree_get (schema, props_path, yajl_t_object), "features");
  assert_keys_known (yajl_tree_get (doc, linux_path, yajl_t_object),
                     yajl_tree_get (linux_schema, linux_props_path, yajl_t_object), "linux");
  if (oci_features_parse (json, strlen (json), &back, &err) < 0)
    fail_msg ("%s", err->msg);
  assert_string_equal (back->oci_version_min, "1.0.0");
  assert_string_equal (back->oci_version_max, "1.3.0");
  yajl_tree_free (doc);
  yajl_tree_free (schema);
  yajl_tree_free (linux_schema);
}

/* Claimed only what is enforced: seccomp with the vocabulary the
   translator knows (each listed action must be one the spec defines and
   the translator accepts: see test-seccomp), LSMs as built; Intel RDT,
   idmap and the systemd driver not at all. */
static void
test_claims_nothing_unimplemented (void **state)
{
  _cleanup_free_ char *json = build_json ();
  _cleanup_features_ struct oci_features *f = NULL;
  struct oci_features_linux *l;

  (void) state;
  assert_int_equal (oci_features_parse (json, strlen (json), &f, NULL), 0);
  l = f->linux_;
  assert_non_null (l);
  assert_non_null (l->seccomp);
  assert_true (l->seccomp->enabled_present);
  assert_true (l->seccomp->enabled);
  assert_int_equal (l->seccomp->actions_len, 9);   /* every SCMP_ACT_* of the spec */
  assert_int_equal (l->seccomp->operators_len, 7); /* every SCMP_CMP_* */
  assert_true (l->seccomp->archs_len > 0);
  assert_int_equal (l->seccomp->known_flags_len, 4);
  assert_true (l->seccomp->supported_flags_len <= l->seccomp->known_flags_len);
#ifdef HAVE_APPARMOR
  assert_true (l->apparmor->enabled);
#else
  assert_false (l->apparmor->enabled);
#endif
#ifdef HAVE_SELINUX
  assert_true (l->selinux->enabled);
#else
  assert_false (l->selinux->enabled);
#endif
  assert_false (l->intel_rdt->enabled);
  assert_false (l->mount_extensions->idmap->enabled);
  assert_false (l->cgroup->systemd);
  assert_false (l->cgroup->systemd_user);
  assert_true (l->cgroup->rdma); /* rdma.max is written on v2 (test-cgroup) */
}

static void
test_lists (void **state)
{
  static const char *const hooks[]
      = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };
  _cleanup_features_ struct oci_features *f = NULL;
  bool sys_admin = false;

  (void) state;
  assert_int_equal (features_build (&f, NULL), 0);
  assert_int_equal (f->hooks_len, ARRAY_SIZE (hooks));
  for (size_t i = 0; i < ARRAY_SIZE (hooks); i++)
    assert_string_equal (f->hooks[i], hooks[i]);
  assert_int_equal (f->linux_->namespaces_len, 8);
  for (size_t i = 0; i < f->linux_->capabilities_len; i++)
    {
      const char *cap = f->linux_->capabilities[i];

      assert_int_equal (strncmp (cap, "CAP_", 4), 0);
      assert_int_equal (strspn (cap, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"), strlen (cap));
      sys_admin |= strcmp (cap, "CAP_SYS_ADMIN") == 0;
    }
  assert_true (sys_admin);
  assert_int_equal (f->annotations->len, 1);
  assert_string_equal (f->annotations->keys[0], "io.github.ocirt.version");
  assert_string_equal (f->annotations->values[0], PACKAGE_VERSION);
}

/* Every claimed mount option is one the mount option parser knows (an
   unknown one would be handed to the filesystem as data). */
static void
test_mount_options_known (void **state)
{
  _cleanup_features_ struct oci_features *f = NULL;

  (void) state;
  assert_int_equal (features_build (&f, NULL), 0);
  assert_true (f->mount_options_len > 40);
  for (size_t i = 0; i < f->mount_options_len; i++)
    {
      struct mount_options opts;

      assert_int_equal (mountopt_parse (&f->mount_options[i], 1, &opts, NULL), 0);
      if (opts.data != NULL)
        fail_msg ("mount option %s is not known to mountopt.c", f->mount_options[i]);
      assert_false (opts.idmap);
      mountopt_clear (&opts);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_schema),
    cmocka_unit_test (test_claims_nothing_unimplemented),
    cmocka_unit_test (test_lists),
    cmocka_unit_test (test_mount_options_known),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
