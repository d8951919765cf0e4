/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ocispec.h"

/* Unit tests of libocispec: exact error messages for every type class, the
   values that reach the structs, printing rules and the lossless round trip
   of tests/unit/data/full-config.json. */

#ifndef OCISPEC_TEST_DATA
#define OCISPEC_TEST_DATA "tests/unit/data"
#endif

static char *
read_file (const char *path, size_t *len)
{
  FILE *f = fopen (path, "re");
  char *buf;
  long n;

  assert_non_null (f);
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

/* Parses `json` as `doc` and returns the error message (caller frees), or
   NULL when it parsed. */
static char *
parse_error (const char *doc, const char *json)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  size_t len = strlen (json);
  int r;

  if (strcmp (doc, "state") == 0)
    {
      _cleanup_state_ struct oci_state *s = NULL;
      r = oci_state_parse (json, len, &s, &err);
    }
  else if (strcmp (doc, "features") == 0)
    {
      _cleanup_features_ struct oci_features *f = NULL;
      r = oci_features_parse (json, len, &f, &err);
    }
  else if (strcmp (doc, "process") == 0)
    {
      _cleanup_process_ struct oci_process *p = NULL;
      r = oci_process_parse (json, len, &p, &err);
    }
  else
    {
      _cleanup_config_ struct oci_config *c = NULL;
      r = oci_config_parse (json, len, &c, &err);
    }
  if (r == 0)
    {
      assert_null (err);
      return NULL;
    }
  assert_int_equal (r, -EINVAL);
  assert_non_null (err);
  return strdup (err->msg);
}

struct error_case
{
  const char *doc;
  const char *json;
  const char *message;
};

#define CFG(body) "{\"ociVersion\":\"1.0.0\"," body "}"
#define PROC(body) CFG ("\"process\":{\"cwd\":\"/\"," body "}")
#define USER(body) PROC ("\"user\":{" body "}")
#define RES(body) CFG ("\"linux\":{\"resources\":{" body "}}")
#define MEM(body) RES ("\"memory\":{" body "}")

static const struct error_case error_cases[] = {
  /* the shapes the specification of this parser names */
  { "config", USER ("\"uid\":\"1000\""),
    "process.user.uid: expected an unsigned 32-bit integer, got string" },
  { "config", CFG ("\"mounts\":[{\"destination\":\"/a\"},{\"destination\":\"/b\"},{\"source\":\"x\"}]"),
    "mounts[2].destination: required property missing" },
  { "config", MEM ("\"limit\":\"1G\""),
    "linux.resources.memory.limit: expected a signed 64-bit integer, got string" },
  { "config", PROC ("\"args\":[\"sh\",1]"), "process.args[1]: expected a string, got number" },
  { "config", RES ("\"blockIO\":{\"weight\":70000}"),
    "linux.resources.blockIO.weight: 70000 is out of range for an unsigned 16-bit integer" },
  /* int where a string is expected, and the other JSON types */
  { "config", CFG ("\"hostname\":5"), "hostname: expected a string, got number" },
  { "config", CFG ("\"hostname\":true"), "hostname: expected a string, got boolean" },
  { "config", CFG ("\"hostname\":{}"), "hostname: expected a string, got object" },
  { "config", CFG ("\"hostname\":[]"), "hostname: expected a string, got array" },
  { "config", PROC ("\"args\":[null]"), "process.args[0]: expected a string, got null" },
  /* out of range, per integer width */
  { "config", PROC ("\"oomScoreAdj\":2147483648"),
    "process.oomScoreAdj: 2147483648 is out of range for a signed 32-bit integer" },
  { "config", PROC ("\"oomScoreAdj\":-2147483649"),
    "process.oomScoreAdj: -2147483649 is out of range for a signed 32-bit integer" },
  { "config", USER ("\"uid\":4294967296"),
    "process.user.uid: 4294967296 is out of range for an unsigned 32-bit integer" },
  { "config", MEM ("\"limit\":9223372036854775808"),
    "linux.resources.memory.limit: 9223372036854775808 is out of range for a signed 64-bit integer" },
  { "config", MEM ("\"swap\":-9223372036854775809"),
    "linux.resources.memory.swap: -9223372036854775809 is out of range for a signed 64-bit integer" },
  { "config", MEM ("\"swappiness\":18446744073709551616"),
    "linux.resources.memory.swappiness: 18446744073709551616 is out of range for an unsigned 64-bit "
    "integer" },
  { "config", MEM ("\"swappiness\":123456789012345678901234567890"),
    "linux.resources.memory.swappiness: 123456789012345678901234567890 is out of range for an unsigned "
    "64-bit "
    "integer" },
  { "config", RES ("\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0,\"leafWeight\":65536}]}"),
    "linux.resources.blockIO.weightDevice[0].leafWeight: 65536 is out of range for an unsigned 16-bit "
    "integer" },
  { "config", CFG ("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"fileMode\":4294967296}]}"),
    "linux.devices[0].fileMode: 4294967296 is out of range for a file mode (an unsigned 32-bit integer)" },
  { "config", CFG ("\"hooks\":{\"poststop\":[{\"path\":\"/x\",\"timeout\":0}]}"),
    "hooks.poststop[0].timeout: 0 is out of range for a positive 64-bit integer" },
  { "config", CFG ("\"hooks\":{\"prestart\":[{\"path\":\"/x\",\"timeout\":-0}]}"),
    "hooks.prestart[0].timeout: -0 is out of range for a positive 64-bit integer" },
  { "state", "{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"running\",\"bundle\":\"/b\",\"pid\":-1}",
    "pid: -1 is out of range for a non-negative 64-bit integer" },
  /* negative for unsigned */
  { "config", USER ("\"gid\":-1"), "process.user.gid: -1 is out of range for an unsigned 32-bit integer" },
  { "config", RES ("\"blockIO\":{\"weight\":-1}"),
    "linux.resources.blockIO.weight: -1 is out of range for an unsigned 16-bit integer" },
  { "config", PROC ("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":-5,\"hard\":1}]"),
    "process.rlimits[0].soft: -5 is out of range for an unsigned 64-bit integer" },
  /* a fraction or an exponent where an integer is expected */
  { "config", USER ("\"uid\":1.5"), "process.user.uid: expected an unsigned 32-bit integer, got 1.5" },
  { "config", USER ("\"uid\":1e3"), "process.user.uid: expected an unsigned 32-bit integer, got 1e3" },
  { "config", USER ("\"uid\":1.0"), "process.user.uid: expected an unsigned 32-bit integer, got 1.0" },
  { "config", MEM ("\"limit\":-2E+2"),
    "linux.resources.memory.limit: expected a signed 64-bit integer, got -2E+2" },
  /* wrong type for objects, arrays, booleans and maps */
  { "config", CFG ("\"process\":\"sh\""), "process: expected an object, got string" },
  { "config", CFG ("\"mounts\":{}"), "mounts: expected an array, got object" },
  { "config", CFG ("\"mounts\":[1]"), "mounts[0]: expected an object, got number" },
  { "config", CFG ("\"root\":{\"path\":\"r\",\"readonly\":\"yes\"}"),
    "root.readonly: expected a boolean, got string" },
  { "config", PROC ("\"terminal\":1"), "process.terminal: expected a boolean, got number" },
  { "config", CFG ("\"annotations\":[]"), "annotations: expected an object, got array" },
  { "config", CFG ("\"annotations\":{\"a\":\"b\",\"c\":1}"), "annotations.c: expected a string, got number" },
  { "config", CFG ("\"linux\":{\"netDevices\":{\"eth0\":[]}}"),
    "linux.netDevices.eth0: expected an object, got array" },
  { "config", USER ("\"additionalGids\":[1,\"2\"]"),
    "process.user.additionalGids[1]: expected an unsigned 32-bit integer, got string" },
  { "config", "[]", "expected an object, got array" },
  /* missing required properties, at every depth */
  { "config", "{}", "ociVersion: required property missing" },
  { "config", CFG ("\"root\":{}"), "root.path: required property missing" },
  { "config", CFG ("\"root\":{\"path\":null}"), "root.path: required property missing" },
  { "config", CFG ("\"process\":{}"), "process.cwd: required property missing" },
  { "config", PROC ("\"consoleSize\":{\"height\":1}"),
    "process.consoleSize.width: required property missing" },
  { "config", CFG ("\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":0}]}"),
    "linux.uidMappings[0].size: required property missing" },
  { "config",
    CFG ("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],"
         "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}}"),
    "linux.seccomp.syscalls[0].args[0].index: required property missing" },
  { "config", RES ("\"devices\":[{\"access\":\"rwm\"}]"),
    "linux.resources.devices[0].allow: required property missing" },
  { "config", RES ("\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]"),
    "linux.resources.hugepageLimits[0].limit: required property missing" },
  { "state", "{\"ociVersion\":\"1\",\"status\":\"running\",\"bundle\":\"/b\"}",
    "id: required property missing" },
  { "features", "{\"ociVersionMin\":\"1.0.0\"}", "ociVersionMax: required property missing" },
  /* process.json alone: paths start at the process object */
  { "process", "{\"cwd\":\"/\",\"user\":{\"uid\":\"0\"}}",
    "user.uid: expected an unsigned 32-bit integer, got string" },
  /* the one pattern checked here (config-linux.json hugepageLimits) */
  { "config", RES ("\"hugepageLimits\":[{\"pageSize\":\"64kB\",\"limit\":1}]"),
    "linux.resources.hugepageLimits[0].pageSize: \"64kB\" does not match ^[1-9][0-9]*[KMG]B$" },
  { "config", RES ("\"hugepageLimits\":[{\"pageSize\":\"02MB\",\"limit\":1}]"),
    "linux.resources.hugepageLimits[0].pageSize: \"02MB\" does not match ^[1-9][0-9]*[KMG]B$" },
  { "config", RES ("\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]"),
    "linux.resources.hugepageLimits[0].pageSize: \"2M\" does not match ^[1-9][0-9]*[KMG]B$" },
};

static void
test_error_messages (void **state)
{
  for (size_t i = 0; i < ARRAY_SIZE (error_cases); i++)
    {
      const struct error_case *c = &error_cases[i];
      _cleanup_free_ char *msg = NULL;

      msg = parse_error (c->doc, c->json);
      if (msg == NULL || strcmp (msg, c->message) != 0)
        fail_msg ("%s\n  expected: %s\n  got:      %s", c->json, c->message, msg ? msg : "(parsed)");
    }
}

static void
test_valid_edge_values (void **state)
{
  static const char *const ok[] = {
    USER ("\"uid\":4294967295,\"gid\":0"),
    USER ("\"uid\":-0"),
    PROC ("\"oomScoreAdj\":-2147483648"),
    MEM ("\"limit\":9223372036854775807,\"swap\":-9223372036854775808"),
    RES ("\"blockIO\":{\"weight\":65535,\"leafWeight\":0}"),
    CFG ("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"fileMode\":511}]}"),
    CFG ("\"hooks\":{\"poststop\":[{\"path\":\"/x\",\"timeout\":1}]}"),
    RES ("\"hugepageLimits\":[{\"pageSize\":\"1GB\",\"limit\":0},{\"pageSize\":\"64KB\",\"limit\":1}]"),
    /* the schema does not require process.args */
    PROC ("\"env\":[]"),
  };

  for (size_t i = 0; i < ARRAY_SIZE (ok); i++)
    {
      _cleanup_free_ char *msg = parse_error ("config", ok[i]);
      if (msg)
        fail_msg ("%s: %s", ok[i], msg);
    }
}

static void
test_invalid_json (void **state)
{
  _cleanup_free_ char *msg = parse_error ("config", "{]");
  _cleanup_free_ char *msg2 = parse_error ("state", "{\"ociVersion\": ");
  _cleanup_free_ char *msg3 = parse_error ("config", "");
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct oci_config *c = NULL;
  char deep[600];

  assert_non_null (msg);
  assert_true (strncmp (msg, "invalid JSON: ", 14) == 0);
  assert_true (strlen (msg) > 14);
  assert_null (strchr (msg, '\n'));
  assert_non_null (msg2);
  assert_true (strncmp (msg2, "invalid JSON: ", 14) == 0);
  assert_null (strchr (msg2, '\n'));
  assert_non_null (msg3);
  assert_true (strncmp (msg3, "invalid JSON: ", 14) == 0);

  /* A NUL byte would make yajl see only a prefix of the document. */
  assert_int_equal (oci_config_parse ("{\"ociVersion\":\"1\"}\0x", 20, &c, &err), -EINVAL);
  assert_string_equal (err->msg, "invalid JSON: contains a NUL byte");
  ocirt_error_free (TAKE_PTR (err));

  /* Deep nesting is refused before yajl builds (and recursively frees) it. */
  memset (deep, '[', sizeof deep);
  assert_int_equal (oci_config_parse (deep, sizeof deep, &c, &err), -EINVAL);
  assert_string_equal (err->msg, "invalid JSON: nested deeper than 128 levels");
  assert_null (c);
}

static void
test_full_config_values (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = NULL;
  _cleanup_free_ char *json = NULL;
  const struct oci_linux *l;
  size_t len;

  json = read_file (OCISPEC_TEST_DATA "/full-config.json", &len);
  assert_int_equal (oci_config_parse (json, len, &c, &err), 0);
  assert_string_equal (c->oci_version, "1.3.0");
  assert_true (c->process->terminal);
  assert_int_equal (c->process->console_size->width, 80);
  assert_int_equal (c->process->user->uid, 1000);
  assert_true (c->process->user->umask_present);
  assert_int_equal (c->process->user->umask, 18);
  assert_int_equal (c->process->user->additional_gids_len, 3);
  assert_int_equal (c->process->user->additional_gids[2], UINT32_MAX);
  assert_int_equal (c->process->args_len, 3);
  assert_string_equal (c->process->args[2], "echo \"hi\" \\ there\n\xc3\xa9");
  assert_non_null (c->process->capabilities->inheritable); /* [] differs from absent */
  assert_int_equal (c->process->capabilities->inheritable_len, 0);
  assert_true (c->process->rlimits[0].hard == UINT64_MAX);
  assert_true (c->process->oom_score_adj_present);
  assert_int_equal (c->process->oom_score_adj, -1000);
  assert_int_equal (c->process->scheduler->nice, -20);
  assert_int_equal (c->process->scheduler->priority, INT32_MAX);
  assert_string_equal (c->process->io_priority->class_, "IOPRIO_CLASS_BE");
  assert_true (c->root->readonly);
  assert_int_equal (c->mounts_len, 2);
  assert_null (c->mounts[0].options);
  assert_int_equal (c->mounts[1].uid_mappings[0].host_id, 100000);
  assert_true (c->hooks->prestart[0].timeout_present);
  assert_int_equal (c->hooks->prestart[0].timeout, 5);
  assert_false (c->hooks->create_runtime[1].timeout_present);
  assert_true (c->hooks->create_container[0].timeout == INT64_MAX);
  assert_int_equal (c->annotations->len, 2);
  assert_string_equal (c->annotations->keys[1], "com.example.key2");
  assert_string_equal (c->annotations->values[1], "");

  l = c->linux_;
  assert_false (l->resources->devices[0].major_present);
  assert_true (l->resources->devices[1].minor_present);
  assert_int_equal (l->resources->devices[1].minor, -1);
  assert_true (l->resources->memory->reservation_present);
  assert_int_equal (l->resources->memory->reservation, 0);
  assert_true (l->resources->memory->kernel == INT64_MIN);
  assert_true (l->resources->memory->disable_oom_killer_present);
  assert_false (l->resources->memory->disable_oom_killer);
  assert_int_equal (l->resources->cpu->quota, -1);
  assert_int_equal (l->resources->pids->limit, 32771);
  assert_int_equal (l->resources->block_io->leaf_weight, 65535);
  assert_true (l->resources->block_io->weight_device[1].weight_present);
  assert_false (l->resources->block_io->weight_device[1].leaf_weight_present);
  assert_true (l->resources->block_io->throttle_write_bps_device[0].rate == UINT64_MAX);
  assert_string_equal (l->resources->hugepage_limits[1].page_size, "1GB");
  assert_int_equal (l->resources->network->priorities[0].priority, 500);
  assert_int_equal (l->resources->rdma->len, 3);
  assert_string_equal (l->resources->rdma->keys[1], "mlx4_0");
  assert_false (l->resources->rdma->values[1].hca_handles_present);
  assert_true (l->resources->rdma->values[1].hca_objects_present);
  assert_string_equal (l->resources->unified->values[1], "max");
  assert_int_equal (l->namespaces_len, 8);
  assert_string_equal (l->namespaces[1].path, "/var/run/netns/neta");
  assert_int_equal (l->devices[0].file_mode, 438);
  assert_true (l->devices[1].file_mode_present);
  assert_false (l->devices[2].file_mode_present);
  assert_true (l->seccomp->syscalls[1].args[0].value == UINT64_MAX);
  assert_int_equal (l->seccomp->syscalls[1].args[1].index, UINT32_MAX);
  assert_true (l->seccomp->syscalls[1].errno_ret_present);
  assert_false (l->seccomp->syscalls[0].errno_ret_present);
  assert_true (l->intel_rdt->enable_monitoring);
  assert_true (l->time_offsets->boottime->secs == INT64_MIN);
  assert_int_equal (l->time_offsets->boottime->nanosecs, UINT32_MAX);
  assert_int_equal (l->net_devices->len, 2);
  assert_string_equal (l->net_devices->values[0].name, "container_eth0");
  assert_null (l->net_devices->values[1].name);
}

static void
test_full_config_round_trip (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = NULL;
  _cleanup_free_ char *json = NULL, *out = NULL;
  size_t len;

  json = read_file (OCISPEC_TEST_DATA "/full-config.json", &len);
  assert_int_equal (oci_config_parse (json, len, &c, &err), 0);
  assert_int_equal (oci_config_to_json (c, &out, &err), 0);
  assert_string_equal (out, json);
}

static void
test_null_unknown_duplicate (void **state)
{
  static const char json[]
      = "{\"ociVersion\":\"1\",\"hostname\":null,\"domainname\":\"a\",\"domainname\":\"b\","
        "\"x-vendor\":{\"deep\":[1,{\"y\":null}]},\"process\":{\"cwd\":\"/\",\"bogus\":1},"
        "\"windows\":{\"layerFolders\":5},\"solaris\":[]}";
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = NULL;

  assert_int_equal (oci_config_parse (json, sizeof json - 1, &c, &err), 0);
  assert_null (c->hostname);
  assert_string_equal (c->domainname, "b");
  assert_string_equal (c->process->cwd, "/");
}

static void
test_print_rules (void **state)
{
  static const char json[] = "{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"terminal\":false,"
                             "\"oomScoreAdj\":0,\"user\":{\"uid\":0,\"gid\":0}},"
                             "\"linux\":{\"resources\":{\"memory\":{\"swap\":0}},\"devices\":["
                             "{\"path\":\"/dev/null\",\"type\":\"c\"}]}}";
  static const char expected[] = "{\n"
                                 "  \"ociVersion\": \"1\",\n"
                                 "  \"process\": {\n"
                                 "    \"user\": {\n"
                                 "      \"uid\": 0,\n"
                                 "      \"gid\": 0\n"
                                 "    },\n"
                                 "    \"cwd\": \"/\",\n"
                                 "    \"oomScoreAdj\": 0\n"
                                 "  },\n"
                                 "  \"linux\": {\n"
                                 "    \"resources\": {\n"
                                 "      \"memory\": {\n"
                                 "        \"swap\": 0\n"
                                 "      }\n"
                                 "    },\n"
                                 "    \"devices\": [\n"
                                 "      {\n"
                                 "        \"path\": \"/dev/null\",\n"
                                 "        \"type\": \"c\",\n"
                                 "        \"major\": 0,\n"
                                 "        \"minor\": 0\n"
                                 "      }\n"
                                 "    ]\n"
                                 "  }\n"
                                 "}\n";
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = NULL;
  _cleanup_free_ char *out = NULL;

  assert_int_equal (oci_config_parse (json, sizeof json - 1, &c, &err), 0);
  assert_int_equal (oci_config_to_json (c, &out, &err), 0);
  assert_string_equal (out, expected);
}

static void
test_print_built_struct (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *out = NULL;
  struct oci_root root = { .path = (char *) "rootfs" };
  struct oci_config config = { .oci_version = (char *) OCI_VERSION, .root = &root };

  assert_int_equal (oci_config_to_json (&config, &out, &err), 0);
  assert_string_equal (out,
                       "{\n  \"ociVersion\": \"" OCI_VERSION "\",\n  \"root\": {\n    \"path\": \"rootfs\"\n"
                       "  }\n}\n");
  /* Caller-built strings are checked: the output must stay valid JSON. */
  root.path = (char *) "\xff\xfe";
  assert_int_equal (oci_config_to_json (&config, &out, &err), -EINVAL);
  assert_non_null (err);
  assert_int_equal (oci_config_to_json (NULL, &out, NULL), -EINVAL);
}

static void
test_state (void **state)
{
  static const char json[]
      = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"pid\":0,\"status\":\"stopped\","
        "\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"created\":\"2024-01-01T00:00:00Z\","
        "\"owner\":\"\",\"annotations\":{\"k\":\"v\"}}";
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_state_ struct oci_state *s = NULL;
  _cleanup_free_ char *compact = NULL, *pretty = NULL;

  assert_int_equal (oci_state_parse (json, sizeof json - 1, &s, &err), 0);
  assert_true (s->pid_present);
  assert_string_equal (s->owner, "");
  assert_int_equal (oci_state_to_json (s, 0, &compact, &err), 0);
  assert_string_equal (compact, json);
  assert_int_equal (oci_state_to_json (s, 1, &pretty, &err), 0);
  assert_true (strncmp (pretty, "{\n  \"ociVersion\": \"1.3.0\",\n  \"id\": \"c1\",\n", 40) == 0);
  assert_true (pretty[strlen (pretty) - 1] == '\n');
}

static void
test_resources_and_process (void **state)
{
  static const char res[] = "{\"memory\":{\"limit\":-1},\"pids\":{\"limit\":0},\"cpu\":{\"cpus\":\"0\"}}";
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_resources_ struct oci_resources *r = NULL;
  _cleanup_process_ struct oci_process *p = NULL;
  _cleanup_free_ char *out = NULL;

  assert_int_equal (oci_resources_parse (res, sizeof res - 1, &r, &err), 0);
  assert_int_equal (r->memory->limit, -1);
  assert_int_equal (oci_resources_to_json (r, &out, &err), 0);
  assert_string_equal (out, "{\n  \"memory\": {\n    \"limit\": -1\n  },\n  \"cpu\": {\n    \"cpus\": \"0\"\n"
                            "  },\n  \"pids\": {\n    \"limit\": 0\n  }\n}\n");
  assert_int_equal (oci_process_parse ("{\"cwd\":\"/\",\"args\":[\"a\"]}", 24, &p, &err), 0);
  assert_string_equal (p->args[0], "a");
}

static void
test_parse_file (void **state)
{
  char dir[] = "/tmp/test-ocispec-XXXXXX";
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = NULL;
  _cleanup_close_ int dfd = -1;
  static const char bad[] = "{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":true}}}";
  FILE *f;

  assert_non_null (mkdtemp (dir));
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true (dfd >= 0);

  assert_int_equal (oci_config_parse_file (dfd, "config.json", &c, &err), -ENOENT);
  assert_string_equal (err->msg, "open `config.json`: No such file or directory");
  ocirt_error_free (TAKE_PTR (err));

  f = fdopen (openat (dfd, "config.json", O_WRONLY | O_CREAT | O_CLOEXEC, 0600), "w");
  assert_non_null (f);
  fputs (bad, f);
  fclose (f);
  assert_int_equal (oci_config_parse_file (dfd, "config.json", &c, &err), -EINVAL);
  assert_string_equal (err->msg,
                       "config.json: process.user.uid: expected an unsigned 32-bit integer, got boolean");
  ocirt_error_free (TAKE_PTR (err));

  f = fdopen (openat (dfd, "config.json", O_WRONLY | O_TRUNC | O_CLOEXEC), "w");
  assert_non_null (f);
  fputs ("{\"ociVersion\":\"1\",\"hostname\":\"h\"}", f);
  fclose (f);
  assert_int_equal (oci_config_parse_file (dfd, "config.json", &c, &err), 0);
  assert_string_equal (c->hostname, "h");

  assert_int_equal (unlinkat (dfd, "config.json", 0), 0);
  assert_int_equal (rmdir (dir), 0);
}

static void
test_free_null (void **state)
{
  oci_config_free (NULL);
  oci_process_free (NULL);
  oci_resources_free (NULL);
  oci_state_free (NULL);
  oci_features_free (NULL);
}

static void
test_lookup_path (void **state)
{
  assert_int_equal (ocispec_lookup_path ("config", "linux.resources.memory.limit"), 1);
  assert_int_equal (ocispec_lookup_path ("config", "mounts.uidMappings.hostID"), 1);
  assert_int_equal (ocispec_lookup_path ("config", "linux.netDevices.*.name"), 1);
  assert_int_equal (ocispec_lookup_path ("config", "linux.resources.rdma.*.hcaHandles"), 1);
  assert_int_equal (ocispec_lookup_path ("config", "windows"), 0);
  assert_int_equal (ocispec_lookup_path ("config", "windows.layerFolders"), 0);
  assert_int_equal (ocispec_lookup_path ("config", "linux.resources.memory.nope"), -ENOENT);
  assert_int_equal (ocispec_lookup_path ("config", "hostname.x"), -ENOENT);
  assert_int_equal (ocispec_lookup_path ("config", "linux.netDevices.name"), -ENOENT);
  assert_int_equal (ocispec_lookup_path ("state", "pid"), 1);
  assert_int_equal (ocispec_lookup_path ("features", "linux.mountExtensions.idmap.enabled"), 1);
  assert_int_equal (ocispec_lookup_path ("resources", "blockIO.weightDevice.leafWeight"), 1);
  assert_int_equal (ocispec_lookup_path ("nope", "x"), -EINVAL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_error_messages),
    cmocka_unit_test (test_valid_edge_values),
    cmocka_unit_test (test_invalid_json),
    cmocka_unit_test (test_full_config_values),
    cmocka_unit_test (test_full_config_round_trip),
    cmocka_unit_test (test_null_unknown_duplicate),
    cmocka_unit_test (test_print_rules),
    cmocka_unit_test (test_print_built_struct),
    cmocka_unit_test (test_state),
    cmocka_unit_test (test_resources_and_process),
    cmocka_unit_test (test_parse_file),
    cmocka_unit_test (test_free_null),
    cmocka_unit_test (test_lookup_path),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
