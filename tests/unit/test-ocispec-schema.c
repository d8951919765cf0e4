/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include <cmocka.h>

#include "ocispec.h"

/* libocispec against the specification's own JSON schemas and fixtures:
   every good document parses and round-trips, every bad one a parser can
   judge is rejected naming the property, and every Linux-relevant property
   of the schemas has a table row (or is explicitly ignored). */

#ifndef OCI_SPEC_DIR
#define OCI_SPEC_DIR "../shared/spec"
#endif
#ifndef OCISPEC_TEST_DATA
#define OCISPEC_TEST_DATA "tests/unit/data"
#endif

static const char *
spec_dir (void)
{
  const char *env = getenv ("OCI_SPEC_DIR");
  return env && *env ? env : OCI_SPEC_DIR;
}

/* Without the shared spec directory nothing here can be checked: say so and
   skip, rather than pass without having looked. */
static void
require_spec (void)
{
  char path[4096];

  snprintf (path, sizeof path, "%s/schema/config-schema.json", spec_dir ());
  if (access (path, R_OK) < 0)
    {
      print_error ("SKIP: %s not readable (%s); set OCI_SPEC_DIR to the runtime-spec directory\n", path,
                   strerror (errno));
      skip ();
    }
}

static char *
read_file (const char *path, size_t *len)
{
  FILE *f = fopen (path, "re");
  char *buf;
  long n;

  if (f == NULL)
    fail_msg ("cannot open %s: %s", path, strerror (errno));
  assert_int_equal (fseek (f, 0, SEEK_END), 0);
  n = ftell (f);
  rewind (f);
  buf = malloc ((size_t) n + 1);
  assert_non_null (buf);
  assert_int_equal (fread (buf, 1, (size_t) n, f), (size_t) n);
  buf[n] = '\0';
  fclose (f);
  *len = (size_t) n;
  return buf;
}

/* Parses and prints with the API of document kind `doc`. Returns the parse
   result; *msg gets the error text, *out the printed JSON. */
static int
parse_print (const char *doc, const char *json, size_t len, char **msg, char **out)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  int r;

  *msg = NULL;
  *out = NULL;
  if (strcmp (doc, "state") == 0)
    {
      _cleanup_state_ struct oci_state *s = NULL;
      r = oci_state_parse (json, len, &s, &err);
      if (r == 0)
        r = oci_state_to_json (s, 1, out, &err);
    }
  else if (strcmp (doc, "features") == 0)
    {
      _cleanup_features_ struct oci_features *f = NULL;
      r = oci_features_parse (json, len, &f, &err);
      if (r == 0)
        r = oci_features_to_json (f, out, &err);
    }
  else
    {
      _cleanup_config_ struct oci_config *c = NULL;
      r = oci_config_parse (json, len, &c, &err);
      if (r == 0)
        r = oci_config_to_json (c, out, &err);
    }
  if (r < 0)
    *msg = strdup (err ? err->msg : "(no message)");
  return r;
}

/* Calls fn for every *.json in <spec>/schema/test/<doc>/<kind>. */
static int
for_each_fixture (const char *doc, const char *kind,
                  void (*fn) (const char *doc, const char *name, const char *path))
{
  char dirpath[4096];
  struct dirent *de;
  DIR *d;
  int n = 0;

  snprintf (dirpath, sizeof dirpath, "%s/schema/test/%s/%s", spec_dir (), doc, kind);
  d = opendir (dirpath);
  if (d == NULL)
    fail_msg ("cannot open %s: %s", dirpath, strerror (errno));
  while ((de = readdir (d)))
    {
      char path[8192];
      size_t l = strlen (de->d_name);

      if (l < 5 || strcmp (de->d_name + l - 5, ".json") != 0)
        continue;
      snprintf (path, sizeof path, "%s/%s", dirpath, de->d_name);
      fn (doc, de->d_name, path);
      n++;
    }
  closedir (d);
  return n;
}

static void
check_good (const char *doc, const char *name, const char *path)
{
  _cleanup_free_ char *json = NULL, *msg = NULL, *out = NULL, *msg2 = NULL, *out2 = NULL;
  size_t len;

  json = read_file (path, &len);
  if (parse_print (doc, json, len, &msg, &out) < 0)
    fail_msg ("%s/good/%s: %s", doc, name, msg);
  /* parse -> print -> parse -> print is a fixed point */
  if (parse_print (doc, out, strlen (out), &msg2, &out2) < 0)
    fail_msg ("%s/good/%s, printed then parsed: %s\n%s", doc, name, msg2, out);
  if (strcmp (out, out2) != 0)
    fail_msg ("%s/good/%s: round trip differs:\n%s\n---\n%s", doc, name, out, out2);
}

static void
test_good_fixtures (void **state)
{
  int n = 0;

  require_spec ();
  n += for_each_fixture ("config", "good", check_good);
  n += for_each_fixture ("state", "good", check_good);
  n += for_each_fixture ("features", "good", check_good);
  assert_true (n >= 10);
}

/* Every file of the schema's `bad` directories, with the property the error
   must name, or why a Linux runtime's parser cannot (and must not) see it. */
static const struct
{
  const char *file;
  const char *names;
  const char *not_visible;
} bad_cases[] = {
  { "config/invalid-json.json", "invalid JSON: ", NULL },
  { "config/linux-hugepage.json", "linux.resources.hugepageLimits[0].pageSize: ", NULL },
  { "config/linux-netdevice.json", "linux.netDevices.eth0.name: ", NULL },
  { "config/linux-rdma.json", "linux.resources.rdma.mlx5_1.hcaHandles: ", NULL },
  { "state/invalid-json.json", "invalid JSON: ", NULL },
  { "features/missing-ociVersionMax.json", "ociVersionMax: ", NULL },
  { "config/freebsd-vnet-disable.json", NULL,
    "freebsd.jail.vnet has a FreeBSD-only enum; the freebsd object is ignored on Linux" },
};

static void
check_bad (const char *doc, const char *name, const char *path)
{
  _cleanup_free_ char *json = NULL, *msg = NULL, *out = NULL;
  char key[512];
  size_t len, i;
  int r;

  snprintf (key, sizeof key, "%s/%s", doc, name);
  for (i = 0; i < ARRAY_SIZE (bad_cases); i++)
    if (strcmp (bad_cases[i].file, key) == 0)
      break;
  if (i == ARRAY_SIZE (bad_cases))
    fail_msg ("%s/bad/%s is new: decide whether the parser can see what is wrong and list it here", doc,
              name);
  json = read_file (path, &len);
  r = parse_print (doc, json, len, &msg, &out);
  if (bad_cases[i].not_visible)
    {
      print_message ("not parser-visible: %s/bad/%s: %s\n", doc, name, bad_cases[i].not_visible);
      if (r < 0)
        fail_msg ("%s/bad/%s: listed as not parser-visible, but: %s", doc, name, msg);
      return;
    }
  if (r == 0)
    fail_msg ("%s/bad/%s parsed, but should fail naming %s", doc, name, bad_cases[i].names);
  if (strncmp (msg, bad_cases[i].names, strlen (bad_cases[i].names)) != 0)
    fail_msg ("%s/bad/%s: expected the error to start with \"%s\", got \"%s\"", doc, name, bad_cases[i].names,
              msg);
}

static void
test_bad_fixtures (void **state)
{
  int n = 0;

  require_spec ();
  n += for_each_fixture ("config", "bad", check_bad);
  n += for_each_fixture ("state", "bad", check_bad);
  n += for_each_fixture ("features", "bad", check_bad);
  assert_int_equal (n, (int) ARRAY_SIZE (bad_cases));
}

/* --- schema walking ------------------------------------------------------ */

struct schemas
{
  char *names[32];
  yajl_val trees[32];
  size_t n;
};

struct paths
{
  char **v;
  size_t n;
};

static struct schemas schemas;

static yajl_val
get (yajl_val obj, const char *key)
{
  if (!YAJL_IS_OBJECT (obj))
    return NULL;
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      return obj->u.object.values[i];
  return NULL;
}

static yajl_val
load_schema (const char *name)
{
  _cleanup_free_ char *json = NULL;
  char path[4096], errbuf[256];
  yajl_val tree;
  size_t len;

  for (size_t i = 0; i < schemas.n; i++)
    if (strcmp (schemas.names[i], name) == 0)
      return schemas.trees[i];
  snprintf (path, sizeof path, "%s/schema/%s", spec_dir (), name);
  json = read_file (path, &len);
  tree = yajl_tree_parse (json, errbuf, sizeof errbuf);
  if (tree == NULL)
    fail_msg ("%s: %s", path, errbuf);
  assert_true (schemas.n < ARRAY_SIZE (schemas.trees));
  schemas.names[schemas.n] = strdup (name);
  schemas.trees[schemas.n] = tree;
  return schemas.trees[schemas.n++];
}

/* Resolves "file.json#/definitions/X" or "#/definitions/X" (also the
   "#definitions/X" spelling defs.json uses once) relative to `file`. */
static yajl_val
resolve_ref (const char *file, const char *ref, const char **ret_file)
{
  const char *hash = strchr (ref, '#');
  _cleanup_free_ char *fname = hash && hash != ref ? strndup (ref, (size_t) (hash - ref)) : strdup (file);
  yajl_val v;
  char *ptr, *save = NULL;
  _cleanup_free_ char *pointer = strdup (hash ? hash + 1 : "");

  v = load_schema (fname);
  for (size_t i = 0; i < schemas.n; i++)
    if (strcmp (schemas.names[i], fname) == 0)
      *ret_file = schemas.names[i];
  for (ptr = strtok_r (pointer, "/", &save); ptr && v; ptr = strtok_r (NULL, "/", &save))
    v = get (v, ptr);
  if (v == NULL)
    fail_msg ("%s: cannot resolve $ref %s", file, ref);
  return v;
}

static void
add_path (struct paths *p, const char *path)
{
  for (size_t i = 0; i < p->n; i++)
    if (strcmp (p->v[i], path) == 0)
      return;
  p->v = realloc (p->v, (p->n + 1) * sizeof *p->v);
  assert_non_null (p->v);
  p->v[p->n++] = strdup (path);
}

static bool
is_other_platform (const char *path, const char *key)
{
  static const char *const platforms[] = { "solaris", "windows", "vm", "zos", "freebsd" };

  if (*path != '\0')
    return false;
  for (size_t i = 0; i < ARRAY_SIZE (platforms); i++)
    if (strcmp (key, platforms[i]) == 0)
      return true;
  return false;
}

/* Collects the dotted path of every property reachable from `s`: arrays are
   transparent, an object map's values are "*", other platforms' objects are
   recorded but not entered. */
static void
walk (const char *file, yajl_val s, const char *path, struct paths *out, int depth)
{
  static const char *const combiners[] = { "allOf", "anyOf", "oneOf" };
  yajl_val v;

  assert_true (depth < 64);
  if (!YAJL_IS_OBJECT (s))
    return;
  if ((v = get (s, "$ref")) && YAJL_IS_STRING (v))
    {
      const char *nfile = file;
      yajl_val target = resolve_ref (file, v->u.string, &nfile);
      walk (nfile, target, path, out, depth + 1);
    }
  for (size_t c = 0; c < ARRAY_SIZE (combiners); c++)
    if ((v = get (s, combiners[c])) && YAJL_IS_ARRAY (v))
      for (size_t i = 0; i < v->u.array.len; i++)
        walk (file, v->u.array.values[i], path, out, depth + 1);
  if ((v = get (s, "properties")) && YAJL_IS_OBJECT (v))
    for (size_t i = 0; i < v->u.object.len; i++)
      {
        const char *key = v->u.object.keys[i];
        char sub[1024];

        snprintf (sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
        add_path (out, sub);
        if (!is_other_platform (path, key))
          walk (file, v->u.object.values[i], sub, out, depth + 1);
      }
  if ((v = get (s, "items")))
    walk (file, v, path, out, depth + 1);
  if ((v = get (s, "additionalProperties")) && YAJL_IS_OBJECT (v))
    {
      char sub[1024];
      snprintf (sub, sizeof sub, "%s%s*", path, *path ? "." : "");
      walk (file, v, sub, out, depth + 1);
    }
}

static void
free_paths (struct paths *p)
{
  for (size_t i = 0; i < p->n; i++)
    free (p->v[i]);
  free (p->v);
}

static int
teardown_schemas (void **state)
{
  for (size_t i = 0; i < schemas.n; i++)
    {
      free (schemas.names[i]);
      yajl_tree_free (schemas.trees[i]);
    }
  schemas.n = 0;
  return 0;
}

static void
collect (const char *schema, struct paths *out)
{
  walk (schema, load_schema (schema), "", out, 0);
}

static void
check_coverage (const char *doc, const char *schema, size_t min_paths)
{
  struct paths p = { 0 };
  size_t missing = 0, ignored = 0;

  collect (schema, &p);
  for (size_t i = 0; i < p.n; i++)
    {
      int r = ocispec_lookup_path (doc, p.v[i]);
      if (r < 0)
        {
          print_error ("%s: no table row for %s\n", doc, p.v[i]);
          missing++;
        }
      else if (r == 0)
        ignored++;
    }
  print_message ("%s: %zu schema properties, %zu explicitly ignored\n", doc, p.n, ignored);
  free_paths (&p);
  assert_int_equal (missing, 0);
  /* Guards against a walker that silently finds nothing. */
  assert_true (p.n >= min_paths);
}

static void
test_schema_coverage (void **state)
{
  require_spec ();
  check_coverage ("config", "config-schema.json", 200);
  check_coverage ("state", "state-schema.json", 6);
  check_coverage ("features", "features-schema.json", 25);
}

/* Whether the JSON document `v` contains `path` (same syntax as above). */
static bool
has_path (yajl_val v, const char *path)
{
  size_t n = strcspn (path, ".");
  const char *rest = path[n] ? path + n + 1 : NULL;

  if (YAJL_IS_ARRAY (v))
    {
      for (size_t i = 0; i < v->u.array.len; i++)
        if (has_path (v->u.array.values[i], path))
          return true;
      return false;
    }
  if (!YAJL_IS_OBJECT (v))
    return false;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      const char *key = v->u.object.keys[i];
      if (!(n == 1 && path[0] == '*') && !(strlen (key) == n && strncmp (key, path, n) == 0))
        continue;
      if (rest == NULL || has_path (v->u.object.values[i], rest))
        return true;
    }
  return false;
}

/* full-config.json is meant to set every Linux property the schema has, so
   its round trip (test-ocispec) exercises every row. */
static void
test_full_config_is_full (void **state)
{
  _cleanup_free_ char *json = NULL;
  struct paths p = { 0 };
  size_t absent = 0;
  char errbuf[256];
  yajl_val tree;
  size_t len;

  require_spec ();
  json = read_file (OCISPEC_TEST_DATA "/full-config.json", &len);
  tree = yajl_tree_parse (json, errbuf, sizeof errbuf);
  assert_non_null (tree);
  collect ("config-schema.json", &p);
  for (size_t i = 0; i < p.n; i++)
    if (ocispec_lookup_path ("config", p.v[i]) == 1 && !has_path (tree, p.v[i]))
      {
        print_error ("full-config.json does not set %s\n", p.v[i]);
        absent++;
      }
  free_paths (&p);
  yajl_tree_free (tree);
  assert_int_equal (absent, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_good_fixtures),
    cmocka_unit_test (test_bad_fixtures),
    cmocka_unit_test (test_schema_coverage),
    cmocka_unit_test (test_full_config_is_full),
  };

  return cmocka_run_group_tests (tests, NULL, teardown_schemas);
}
