/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/spec.h"
#include "ocispec.h"

/* Unit tests of the semantic checks (src/core/spec.c, spec-linux.c): each
   case is a small config that the parser accepts, and either passes or fails
   with a message naming the field. */

#ifndef SPEC_SCHEMA_DIR
#define SPEC_SCHEMA_DIR "../shared/spec/schema"
#endif

#define BASE "\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"rootfs\"}"
#define PROC(extra) "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"]" extra "}"
#define LINUX(extra) "\"linux\": {" extra "}"
#define NS(...) "\"namespaces\": [" __VA_ARGS__ "]"
#define N(t) "{\"type\": \"" t "\"}"

struct spec_case
{
  const char *json;   /* members of the top-level object besides ociVersion and root */
  const char *expect; /* NULL: valid; else a substring of the error message */
};

/* Parses {BASE, json} and validates it; returns the message (caller frees),
   or NULL when valid. The parser must accept every case. */
static char *
validate_json (const char *json)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *config = NULL;
  _cleanup_free_ char *doc = NULL;

  assert_true (asprintf (&doc, "{" BASE "%s%s}", *json ? ", " : "", json) > 0);
  if (oci_config_parse (doc, strlen (doc), &config, &err) < 0)
    fail_msg ("parse failed for %s: %s", doc, err->msg);
  if (spec_validate (config, &err) == 0)
    return NULL;
  assert_non_null (err);
  return strdup (err->msg);
}

static void
run_cases (const struct spec_case *cases, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *msg = validate_json (cases[i].json);

      if (cases[i].expect == NULL && msg)
        fail_msg ("case %zu {%s}: unexpected error: %s", i, cases[i].json, msg);
      if (cases[i].expect && msg == NULL)
        fail_msg ("case %zu {%s}: accepted, expected \"%s\"", i, cases[i].json, cases[i].expect);
      if (cases[i].expect && strstr (msg, cases[i].expect) == NULL)
        fail_msg ("case %zu {%s}: got \"%s\", expected \"%s\"", i, cases[i].json, msg, cases[i].expect);
      /* One line naming the field. */
      if (msg)
        assert_null (strchr (msg, '\n'));
    }
}

#define RUN(cases) run_cases (cases, ARRAY_SIZE (cases))

static void
test_id (void **state)
{
  static const char *const good[] = { "abc", "a.b", "A_1+-x", "0", "-", "a..b" };
  static const char *const bad[] = { "", ".", "..", "a/b", ".hidden", "a b", "x\n", "é", "/abs" };
  _cleanup_free_ char *max = malloc (SPEC_ID_MAX + 2);

  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (good); i++)
    assert_int_equal (spec_validate_id (good[i], NULL), 0);
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      _cleanup_error_ struct ocirt_error *err = NULL;

      assert_true (spec_validate_id (bad[i], &err) < 0);
      assert_non_null (strstr (err->msg, "invalid container id"));
      assert_null (strchr (err->msg, '\n'));
    }
  memset (max, 'a', SPEC_ID_MAX);
  max[SPEC_ID_MAX] = '\0';
  assert_int_equal (spec_validate_id (max, NULL), 0);
  max[SPEC_ID_MAX] = 'a';
  max[SPEC_ID_MAX + 1] = '\0';
  {
    _cleanup_error_ struct ocirt_error *err = NULL;

    assert_true (spec_validate_id (max, &err) < 0);
    assert_non_null (strstr (err->msg, "longer than 1024 bytes"));
    assert_true (strlen (err->msg) < 200);
  }
}

static void
test_version (void **state)
{
  static const char *const good[]
      = { "1.0.0", "1.3.0", "1.3.7", "1.0.2-dev", "1.1.0-rc.1", "1.2.1+build.5", "1.0.0-rc5+dev" };
  static const char *const bad[] = { "2.0.0",    "1.4.0",  "0.9.0",  "1.0", "garbage",    "01.0.0", "1.0.0-",
                                     "1.0.0-01", "1.0.0+", "1.0.0 ", "",    "1.0.0-a..b", "v1.0.0" };

  (void) state;
  assert_true (spec_validate_version (NULL, NULL) < 0);
  for (size_t i = 0; i < ARRAY_SIZE (good); i++)
    if (spec_validate_version (good[i], NULL) != 0)
      fail_msg ("rejected %s", good[i]);
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      _cleanup_error_ struct ocirt_error *err = NULL;

      if (spec_validate_version (bad[i], &err) >= 0)
        fail_msg ("accepted \"%s\"", bad[i]);
      assert_non_null (strstr (err->msg, "ociVersion"));
    }
}

static void
test_root_and_version (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = NULL;
  const char *json = "{\"ociVersion\": \"1.0.0\"}";

  (void) state;
  assert_int_equal (oci_config_parse (json, strlen (json), &c, NULL), 0);
  assert_true (spec_validate (c, &err) < 0);
  assert_non_null (strstr (err->msg, "root.path"));
  ocirt_error_free (TAKE_PTR (err));
  c->root = calloc (1, sizeof *c->root);
  c->root->path = strdup ("");
  assert_true (spec_validate (c, &err) < 0);
  assert_non_null (strstr (err->msg, "root.path"));
  ocirt_error_free (TAKE_PTR (err));
  free (c->root->path);
  c->root->path = strdup ("rootfs");
  assert_int_equal (spec_validate (c, NULL), 0);
  free (c->oci_version);
  c->oci_version = strdup ("2.0.0");
  assert_true (spec_validate (c, &err) < 0);
  assert_non_null (strstr (err->msg, "ociVersion"));
}

static void
test_process (void **state)
{
  static const struct spec_case cases[] = {
    { "", NULL },
    { PROC (""), NULL },
    { "\"process\": {\"cwd\": \"/\", \"args\": []}", "process.args: must not be empty" },
    { "\"process\": {\"cwd\": \"/\"}", "process.args: must not be empty" },
    { "\"process\": {\"cwd\": \"/\", \"args\": [\"\"]}", "process.args" },
    { "\"process\": {\"cwd\": \"tmp\", \"args\": [\"sh\"]}",
      "process.cwd: must be an absolute path, got \"tmp\"" },
    { PROC (", \"env\": [\"A=1\", \"B=\", \"C==x\"]"), NULL },
    { PROC (", \"env\": [\"A=1\", \"FOO\"]"), "process.env[1]: expected KEY=VALUE" },
    { PROC (", \"env\": [\"=x\"]"), "process.env[0]: empty variable name" },
    { PROC (", \"consoleSize\": {\"height\": 10, \"width\": 20}"), NULL },
    { PROC (", \"oomScoreAdj\": -1000"), NULL },
    { PROC (", \"oomScoreAdj\": 1001"), "process.oomScoreAdj" },
    { PROC (", \"execCPUAffinity\": {\"initial\": \"0-3,7\", \"final\": \" 1 , 2-4 \"}"), NULL },
    { PROC (", \"execCPUAffinity\": {\"initial\": \"3-1\"}"), "process.execCPUAffinity.initial" },
    { PROC (", \"execCPUAffinity\": {\"final\": \"1,,2\"}"), "process.execCPUAffinity.final" },
    { PROC (", \"execCPUAffinity\": {\"final\": \"1-\"}"), "process.execCPUAffinity.final" },
  };

  (void) state;
  RUN (cases);
}

#define RL(t, s, h) "{\"type\": \"" t "\", \"soft\": " #s ", \"hard\": " #h "}"

static void
test_rlimits (void **state)
{
  static const struct spec_case cases[] = {
    { PROC (", \"rlimits\": [" RL ("RLIMIT_AS", 1, 2) "," RL ("RLIMIT_CORE", 0, 0) "," RL ("RLIMIT_CPU", 1, 1) "," RL ("RLIMIT_DATA", 1, 1) "," RL (
          "RLIMIT_FSIZE", 1,
          1) "," RL ("RLIMIT_LOCKS", 1,
                     1) "," RL ("RLIMIT_MEMLOCK", 1,
                                1) "," RL ("RLIMIT_MSGQUEUE", 1,
                                           1) "," RL ("RLIMIT_NICE", 1,
                                                      1) "," RL ("RLIMIT_NOFILE", 1024,
                                                                 4096) "," RL ("RLIMIT_NPROC", 1,
                                                                               1) "," RL ("RLIMIT_RSS", 1,
                                                                                          1) "," RL ("RLIMIT_"
                                                                                                     "RTPRIO",
                                                                                                     1,
                                                                                                     1) "," RL ("RLIMIT_RTTIME",
                                                                                                                1,
                                                                                                                1) "," RL ("RLIMIT_SIGPENDING",
                                                                                                                           1,
                                                                                                                           1) "," RL ("RLIMIT_STACK",
                                                                                                                                      1,
                                                                                                                                      1) "]"),
      NULL },
    { PROC (", \"rlimits\": [" RL ("RLIMIT_FOO", 1, 1) "]"),
      "process.rlimits[0].type: unknown resource limit" },
    { PROC (", \"rlimits\": [" RL ("RLIMIT_NOFILE", 1, 1) "," RL ("RLIMIT_NOFILE", 2, 2) "]"),
      "process.rlimits[1].type: duplicate" },
    { PROC (", \"rlimits\": [" RL ("RLIMIT_NOFILE", 2, 1) "]"),
      "process.rlimits[0]: soft limit 2 is above hard" },
  };

  (void) state;
  RUN (cases);
}

#define SCHED(x) PROC (", \"scheduler\": {" x "}")
#define IOP(c, p) PROC (", \"ioPriority\": {\"class\": \"" c "\", \"priority\": " #p "}")

static void
test_scheduler_ioprio (void **state)
{
  static const struct spec_case cases[] = {
    { SCHED ("\"policy\": \"SCHED_OTHER\", \"nice\": -20"), NULL },
    { SCHED ("\"policy\": \"SCHED_BATCH\", \"nice\": 19, \"flags\": [\"SCHED_FLAG_RESET_ON_FORK\"]"), NULL },
    { SCHED ("\"policy\": \"SCHED_FIFO\", \"priority\": 99"), NULL },
    { SCHED ("\"policy\": \"SCHED_DEADLINE\", \"runtime\": 1, \"deadline\": 2, \"period\": 3"), NULL },
    { SCHED ("\"policy\": \"SCHED_OTHER\", \"nice\": 20"), "process.scheduler.nice" },
    { SCHED ("\"policy\": \"SCHED_OTHER\", \"nice\": -21"), "process.scheduler.nice" },
    { SCHED ("\"policy\": \"SCHED_OTHER\", \"priority\": 5"), "process.scheduler.priority" },
    { SCHED ("\"policy\": \"SCHED_RR\""), "process.scheduler.priority: 0 is outside 1..99" },
    { SCHED ("\"policy\": \"SCHED_FIFO\", \"priority\": 100"), "process.scheduler.priority" },
    { SCHED ("\"policy\": \"SCHED_OTHER\", \"runtime\": 5"), "SCHED_DEADLINE" },
    { IOP ("IOPRIO_CLASS_BE", 0), NULL },
    { IOP ("IOPRIO_CLASS_IDLE", 7), NULL },
    { IOP ("IOPRIO_CLASS_RT", 8), "process.ioPriority.priority: 8 is outside 0..7" },
    { IOP ("IOPRIO_CLASS_RT", -1), "process.ioPriority.priority" },
  };

  (void) state;
  RUN (cases);
}

/* Enumerations the parser may already refuse: set in the struct instead. */
static void
test_process_enums (void **state)
{
  const char *json = "{" BASE ", " PROC (", \"scheduler\": {\"policy\": \"SCHED_OTHER\", \"flags\": "
                                         "[\"SCHED_FLAG_RECLAIM\"]}, \"ioPriority\": {\"class\": "
                                         "\"IOPRIO_CLASS_BE\", \"priority\": 1}") "}";
  _cleanup_config_ struct oci_config *c = NULL;
  struct
  {
    char **field;
    const char *bad, *expect;
  } cases[3];

  (void) state;
  assert_int_equal (oci_config_parse (json, strlen (json), &c, NULL), 0);
  assert_int_equal (spec_validate (c, NULL), 0);
  cases[0] = (typeof (cases[0])){ &c->process->scheduler->policy, "SCHED_BOGUS", "process.scheduler.policy" };
  cases[1]
      = (typeof (cases[0])){ &c->process->scheduler->flags[0], "SCHED_FLAG_X", "process.scheduler.flags[0]" };
  cases[2]
      = (typeof (cases[0])){ &c->process->io_priority->class_, "IOPRIO_CLASS_X", "process.ioPriority.class" };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      _cleanup_error_ struct ocirt_error *err = NULL;
      char *saved = *cases[i].field;

      *cases[i].field = (char *) cases[i].bad;
      assert_true (spec_validate (c, &err) < 0);
      *cases[i].field = saved;
      if (strstr (err->msg, cases[i].expect) == NULL)
        fail_msg ("got %s, expected %s", err->msg, cases[i].expect);
    }
}

static void
test_process_for_exec (void **state)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_process_ struct oci_process *p = NULL;
  const char *json = "{\"cwd\": \"/\", \"args\": [\"true\"]}";

  (void) state;
  assert_true (spec_validate_process (NULL, true, NULL) < 0);
  assert_true (spec_validate (NULL, NULL) < 0);
  assert_int_equal (oci_process_parse (json, strlen (json), &p, NULL), 0);
  assert_int_equal (spec_validate_process (p, true, NULL), 0);
  free (p->cwd);
  p->cwd = NULL;
  /* exec falls back to the container's cwd; create has none to fall back to. */
  assert_int_equal (spec_validate_process (p, true, NULL), 0);
  assert_true (spec_validate_process (p, false, &err) < 0);
  assert_non_null (strstr (err->msg, "process.cwd"));
  ocirt_error_free (TAKE_PTR (err));
  p->args_len = 0;
  assert_true (spec_validate_process (p, true, &err) < 0);
  p->args_len = 1; /* so that oci_process_free frees the entry */
  assert_non_null (strstr (err->msg, "process.args"));
}

#define HOOK(p) "{\"path\": \"" p "\"}"

static void
test_hooks_mounts (void **state)
{
  static const struct spec_case cases[] = {
    { "\"hooks\": {\"prestart\": [" HOOK ("/bin/true") "], \"poststop\": [" HOOK ("/x") "]}", NULL },
    { "\"hooks\": {\"poststop\": [" HOOK ("/x") ", " HOOK ("true") "]}",
      "hooks.poststop[1].path: must be an absolute path" },
    { "\"hooks\": {\"createContainer\": [" HOOK ("x") "]}", "hooks.createContainer[0].path" },
    { "\"hooks\": {\"startContainer\": [" HOOK ("x") "]}", "hooks.startContainer[0].path" },
    { "\"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}]", NULL },
    { "\"mounts\": [{\"destination\": \"tmp\", \"type\": \"tmpfs\"}]", NULL }, /* deprecated, warned */
    { "\"mounts\": [{\"destination\": \"\", \"type\": \"tmpfs\"}]",
      "mounts[0].destination: must not be empty" },
    { "\"mounts\": [{\"destination\": \"/a\", \"options\": [\"rbind\"]}]", "mounts[0].source: a bind mount" },
    { "\"mounts\": [{\"destination\": \"/a\", \"source\": \"\", \"options\": [\"bind\"]}]",
      "mounts[0].source" },
    { "\"mounts\": [{\"destination\": \"/a\", \"source\": \"/b\", \"options\": [\"bind\"], "
      "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}]",
      "mounts[0]: uidMappings and gidMappings must be given together" },
    { "\"mounts\": [{\"destination\": \"/a\", \"source\": \"/b\", \"options\": [\"bind\", \"idmap\"]}]",
      "mounts[0]: idmap needs" },
    { "\"mounts\": [{\"destination\": \"/a\", \"source\": \"/b\", \"options\": [\"bind\", "
      "\"ridmap\"]}], " LINUX (
          NS (N ("user")) ", \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}], "
                          "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]"),
      NULL },
  };

  (void) state;
  RUN (cases);
}

#define MAP "[{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]"

static void
test_namespaces (void **state)
{
  static const struct spec_case cases[] = {
    { LINUX (NS (N ("mount") "," N ("pid") "," N ("network") "," N ("uts") "," N ("ipc") "," N (
          "cgroup") "," N ("time"))),
      NULL },
    { LINUX (NS (N ("pid") "," N ("pid"))), "linux.namespaces[1]: duplicate pid namespace" },
    { LINUX (NS ("{\"type\": \"net\"}")), "linux.namespaces[0].type: unknown namespace type \"net\"" },
    { LINUX (NS ("{\"type\": \"pid\", \"path\": \"proc/1/ns/pid\"}")),
      "linux.namespaces[0].path: must be an" },
    { LINUX (NS ("{\"type\": \"pid\", \"path\": \"/proc/1/ns/pid\"}")), NULL },
    { "\"hostname\": \"box\"", "hostname: setting it needs a uts namespace" },
    { "\"hostname\": \"box\", " LINUX (NS (N ("uts"))), NULL },
    { "\"hostname\": \"\"", NULL },
    { "\"domainname\": \"example.org\", " LINUX (NS (N ("pid"))), "domainname: setting it needs a uts" },
    { "\"domainname\": \"example.org\", " LINUX (NS (N ("uts"))), NULL },
    { LINUX ("\"uidMappings\": " MAP), "linux.uidMappings: user namespace mappings need a user namespace" },
    { LINUX ("\"gidMappings\": " MAP), "need a user namespace" },
    { LINUX (NS (N ("user"))), "linux.uidMappings: a new user namespace needs uid mappings" },
    { LINUX (NS (N ("user")) ", \"uidMappings\": " MAP),
      "linux.gidMappings: a new user namespace needs gid" },
    { LINUX (NS (N ("user")) ", \"uidMappings\": " MAP ", \"gidMappings\": " MAP), NULL },
    { LINUX (NS ("{\"type\": \"user\", \"path\": \"/proc/1/ns/user\"}")), NULL },
    { LINUX ("\"timeOffsets\": {\"monotonic\": {\"secs\": 1}}"),
      "linux.timeOffsets: needs a new time namespace" },
    { LINUX (NS ("{\"type\": \"time\", \"path\": \"/proc/1/ns/time\"}") ", \"timeOffsets\": {\"boottime\": "
                                                                        "{\"secs\": 1}}"),
      "linux.timeOffsets" },
    { LINUX (NS (N ("time")) ", \"timeOffsets\": {\"boottime\": {\"secs\": 1, \"nanosecs\": 5}}"), NULL },
  };

  (void) state;
  RUN (cases);
}

#define DEV(t, p, extra) "{\"type\": \"" t "\", \"path\": \"" p "\"" extra "}"

static void
test_devices (void **state)
{
  static const struct spec_case cases[] = {
    { LINUX ("\"devices\": [" DEV ("c", "/dev/fuse", ", \"major\": 10, \"minor\": 229") "," DEV (
          "b", "/dev/sda",
          ", \"major\": 8, \"minor\": 0") "," DEV ("p", "/dev/fifo",
                                                   "") "," DEV ("u", "/dev/u",
                                                                ", \"major\": 1, \"minor\": 2") "]"),
      NULL },
    { LINUX ("\"devices\": [" DEV ("c", "dev/fuse", ", \"major\": 10, \"minor\": 229") "]"),
      "linux.devices[0].path: must be an absolute path" },
    { LINUX ("\"devices\": [" DEV ("p", "/dev/f", ", \"major\": 1, \"minor\": 2") "]"),
      "linux.devices[0]: a fifo (type p) takes no major/minor" },
    { LINUX ("\"devices\": [" DEV ("c", "/dev/f", ", \"major\": -1, \"minor\": 2") "]"), "linux.devices[0]" },
    { LINUX (NS (N ("network")) ", \"netDevices\": {\"eth0\": {\"name\": \"ctr0\"}, \"eth1\": {}}"), NULL },
    { LINUX ("\"netDevices\": {\"eth0\": {}}"), "linux.netDevices: needs a network namespace" },
    { LINUX (NS (N ("network")) ", \"netDevices\": {\"eth0\": {\"name\": \"a/b\"}}"),
      "linux.netDevices.eth0.name" },
    { LINUX (NS (N ("network")) ", \"netDevices\": {\"averyveryverylongname\": {}}"), "linux.netDevices" },
  };
  _cleanup_config_ struct oci_config *c = NULL;
  _cleanup_error_ struct ocirt_error *err = NULL;
  const char *json
      = "{" BASE ", " LINUX ("\"devices\": [" DEV ("c", "/dev/x", ", \"major\": 1, \"minor\": 3") "]") "}";

  (void) state;
  RUN (cases);
  /* The parser may refuse a bad type on its own; the check must still. */
  assert_int_equal (oci_config_parse (json, strlen (json), &c, NULL), 0);
  free (c->linux_->devices[0].type);
  c->linux_->devices[0].type = strdup ("x");
  assert_true (spec_validate (c, &err) < 0);
  assert_non_null (strstr (err->msg, "linux.devices[0].type: must be c, b, u or p"));
}

static void
test_sysctl (void **state)
{
  static const struct spec_case cases[] = {
    { LINUX (
          NS (N ("ipc")) ", \"sysctl\": {\"kernel.shmmax\": \"1\", \"kernel.msgmnb\": \"1\", \"kernel.sem\": "
                         "\"1 2 3 4\", \"fs.mqueue.msg_max\": \"10\", \"kernel.shm_rmid_forced\": \"1\"}"),
      NULL },
    { LINUX ("\"sysctl\": {\"kernel.shmmax\": \"1\"}"),
      "linux.sysctl: \"kernel.shmmax\" needs an ipc namespace" },
    { LINUX (NS (N ("pid")) ", \"sysctl\": {\"fs.mqueue.msg_max\": \"1\"}"), "needs an ipc namespace" },
    { LINUX (NS (N ("network")) ", \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}"), NULL },
    { LINUX (NS (N ("network")) ", \"sysctl\": {\"net/ipv4/conf/eth0.100/rp_filter\": \"1\"}"), NULL },
    { LINUX ("\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}"), "not allowed in the host's network namespace" },
    { LINUX ("\"sysctl\": {\"net/ipv4/ip_forward\": \"1\"}"), "not allowed in the host's network namespace" },
    { LINUX (NS ("{\"type\": \"network\", \"path\": \"/proc/self/ns/net\"}") ", \"sysctl\": {\"net.core.x\": "
                                                                             "\"1\"}"),
      "not allowed in the host's network namespace" },
    { LINUX (NS (
          "{\"type\": \"network\", \"path\": \"/nonexistent/ns\"}") ", \"sysctl\": {\"net.core.x\": \"1\"}"),
      "linux.sysctl: \"net.core.x\"" },
    { LINUX (NS (N ("uts")) ", \"sysctl\": {\"kernel.domainname\": \"x\"}"), NULL },
    { LINUX ("\"sysctl\": {\"kernel.domainname\": \"x\"}"), "is not isolated by any namespace" },
    { LINUX (NS (N ("uts")) ", \"sysctl\": {\"kernel.hostname\": \"x\"}"),
      "set the `hostname` field instead" },
    { LINUX (NS (N ("uts") "," N ("ipc") "," N ("network")) ", \"sysctl\": {\"vm.swappiness\": \"1\"}"),
      "linux.sysctl: \"vm.swappiness\" is not isolated by any namespace" },
    { LINUX (NS (N ("ipc")) ", \"sysctl\": {\"kernel.shmmaxx\": \"1\"}"), "is not isolated" },
  };

  (void) state;
  RUN (cases);
}

#define RES(x) LINUX ("\"resources\": {" x "}")

static void
test_resources (void **state)
{
  static const struct spec_case cases[] = {
    { RES ("\"devices\": [{\"allow\": false, \"access\": \"rwm\"}, {\"allow\": true, \"type\": \"c\", "
           "\"major\": 1, "
           "\"minor\": -1, \"access\": \"r\"}, {\"allow\": true, \"type\": \"a\"}]"),
      NULL },
    { RES ("\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]"),
      "linux.resources.devices[0].access: only the letters r, w and m" },
    { RES ("\"devices\": [{\"allow\": true, \"major\": -2}]"),
      "linux.resources.devices[0]: major and minor" },
    { RES ("\"memory\": {\"limit\": 1048576, \"swap\": 2097152, \"reservation\": -1, \"kernel\": -1, "
           "\"swappiness\": 100}"),
      NULL },
    { RES ("\"memory\": {\"limit\": -1, \"swap\": -1}"), NULL },
    { RES ("\"memory\": {\"limit\": -2}"), "linux.resources.memory.limit: -2 is below -1" },
    { RES ("\"memory\": {\"kernelTCP\": -5}"), "linux.resources.memory.kernelTCP" },
    { RES ("\"memory\": {\"limit\": 2097152, \"swap\": 1048576}"),
      "linux.resources.memory.swap: 1048576 is below" },
    { RES ("\"memory\": {\"swap\": 1048576}"),
      "linux.resources.memory.swap: a swap limit needs a memory limit" },
    { RES ("\"memory\": {\"swappiness\": 101}"), "linux.resources.memory.swappiness" },
    { RES ("\"cpu\": {\"quota\": 100000, \"burst\": 1000, \"period\": 100000, \"cpus\": \"0-1\", \"mems\": "
           "\"0\", "
           "\"idle\": 1, \"realtimeRuntime\": -1}"),
      NULL },
    { RES ("\"cpu\": {\"quota\": -1, \"period\": 0}"), NULL },
    { RES ("\"cpu\": {\"quota\": -2}"), "linux.resources.cpu.quota" },
    { RES ("\"cpu\": {\"quota\": 1000, \"burst\": 2000}"),
      "linux.resources.cpu.burst: 2000 is larger than quota" },
    { RES ("\"cpu\": {\"period\": 999}"), "linux.resources.cpu.period" },
    { RES ("\"cpu\": {\"period\": 1000001}"), "linux.resources.cpu.period" },
    { RES ("\"cpu\": {\"cpus\": \"0-\"}"), "linux.resources.cpu.cpus: invalid CPU list" },
    { RES ("\"cpu\": {\"mems\": \"a\"}"), "linux.resources.cpu.mems" },
    { RES ("\"cpu\": {\"idle\": 2}"), "linux.resources.cpu.idle" },
    { RES ("\"cpu\": {\"realtimeRuntime\": -3}"), "linux.resources.cpu.realtimeRuntime" },
    { RES ("\"blockIO\": {\"weight\": 10, \"leafWeight\": 1000, \"weightDevice\": [{\"major\": 8, \"minor\": "
           "0, "
           "\"weight\": 500}, {\"major\": 8, \"minor\": 1, \"leafWeight\": 0}]}"),
      NULL },
    { RES ("\"blockIO\": {\"weight\": 5}"), "linux.resources.blockIO.weight: 5 is outside 10..1000" },
    { RES ("\"blockIO\": {\"leafWeight\": 1001}"), "linux.resources.blockIO.leafWeight" },
    { RES ("\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0}]}"),
      "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight" },
    { RES ("\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 2000}]}"),
      "linux.resources.blockIO.weightDevice[0]" },
    { RES ("\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1}, {\"pageSize\": \"1GB\", \"limit\": "
           "1}, "
           "{\"pageSize\": \"64KB\", \"limit\": 1}]"),
      NULL },
    { RES ("\"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}}"), NULL },
    { RES ("\"rdma\": {\"mlx5_1\": {}}"), "linux.resources.rdma.mlx5_1: needs hcaHandles or hcaObjects" },
    { RES ("\"pids\": {\"limit\": 0}"), NULL },
    { RES ("\"pids\": {\"limit\": -1}"), NULL },
    { RES ("\"unified\": {\"io.max\": \"8:0 rbps=1\", \"memory.high\": \"max\"}"), NULL },
    { RES ("\"unified\": {\"../cgroup.procs\": \"1\"}"),
      "linux.resources.unified: \"../cgroup.procs\" is not" },
    { RES ("\"unified\": {\"..\": \"1\"}"), "linux.resources.unified" },
    { RES ("\"unified\": {\"\": \"1\"}"), "linux.resources.unified" },
  };

  static const char *const bad_sizes[] = { "2M", "02MB", "2TB", "MB", "2MBB", "" };
  const char *json = "{" BASE ", " RES ("\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1}]") "}";
  _cleanup_config_ struct oci_config *c = NULL;

  (void) state;
  RUN (cases);
  /* The parser checks the pattern too; the check must hold on its own. */
  assert_int_equal (oci_config_parse (json, strlen (json), &c, NULL), 0);
  for (size_t i = 0; i < ARRAY_SIZE (bad_sizes); i++)
    {
      _cleanup_error_ struct ocirt_error *err = NULL;
      char *saved = c->linux_->resources->hugepage_limits[0].page_size;

      c->linux_->resources->hugepage_limits[0].page_size = (char *) bad_sizes[i];
      assert_true (spec_validate (c, &err) < 0);
      c->linux_->resources->hugepage_limits[0].page_size = saved;
      assert_non_null (strstr (err->msg, "linux.resources.hugepageLimits[0].pageSize"));
    }
}

static void
test_paths (void **state)
{
  static const struct spec_case cases[] = {
    { LINUX (NS (N ("mount")) ", \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"], "
                              "\"rootfsPropagation\": \"rslave\", \"cgroupsPath\": \"/a/b..c/d\""),
      NULL },
    { LINUX ("\"cgroupsPath\": \"system.slice:ocirt:abc\""), NULL },
    { LINUX (NS (N ("mount")) ", \"maskedPaths\": [\"/a\", \"proc/kcore\"]"),
      "linux.maskedPaths[1]: must be an absolute path" },
    { LINUX (NS (N ("mount")) ", \"readonlyPaths\": [\"x\"]"), "linux.readonlyPaths[0]" },
    { LINUX ("\"maskedPaths\": [\"/proc/kcore\"]"), "need a mount namespace" },
    { LINUX ("\"rootfsPropagation\": \"bogus\""), "linux.rootfsPropagation: unknown propagation \"bogus\"" },
    { LINUX ("\"cgroupsPath\": \"/a/../../b\""), "linux.cgroupsPath: must not contain \"..\"" },
    { LINUX ("\"cgroupsPath\": \"..\""), "linux.cgroupsPath" },
    { LINUX (
          "\"intelRdt\": {\"closID\": \"/\", \"memBwSchema\": \"MB:0=20\", \"l3CacheSchema\": \"L3:0=ff\"}"),
      "linux.intelRdt: Intel RDT (resctrl) is not supported" },
    { LINUX ("\"intelRdt\": {\"closID\": \"a/b\"}"), "linux.intelRdt.closID" },
    { LINUX ("\"intelRdt\": {\"closID\": \"..\"}"), "linux.intelRdt.closID" },
    { LINUX ("\"intelRdt\": {\"memBwSchema\": \"L3:0=20\"}"), "linux.intelRdt.memBwSchema" },
    { LINUX ("\"intelRdt\": {\"l3CacheSchema\": \"L3:0=1\\nMB:0=2\"}"), "linux.intelRdt.l3CacheSchema" },
    { LINUX ("\"intelRdt\": {\"schemata\": [\"L3:0=1\\nMB:0=2\"]}"), "linux.intelRdt.schemata[0]" },
    { LINUX ("\"personality\": {\"domain\": \"LINUX32\"}"), NULL },
    { LINUX ("\"personality\": {\"domain\": \"LINUX\", \"flags\": [\"ADDR_NO_RANDOMIZE\"]}"),
      "linux.personality.flags" },
    { LINUX ("\"memoryPolicy\": {\"mode\": \"MPOL_INTERLEAVE\", \"nodes\": \"0-3\", \"flags\": "
             "[\"MPOL_F_STATIC_NODES\"]}"),
      NULL },
    { LINUX ("\"memoryPolicy\": {\"mode\": \"MPOL_DEFAULT\"}"), NULL },
    { LINUX ("\"memoryPolicy\": {\"mode\": \"MPOL_BIND\"}"), "linux.memoryPolicy.nodes: MPOL_BIND needs" },
    { LINUX ("\"memoryPolicy\": {\"mode\": \"MPOL_LOCAL\", \"nodes\": \"1\"}"), "MPOL_LOCAL takes no nodes" },
    { LINUX ("\"memoryPolicy\": {\"mode\": \"MPOL_BIND\", \"nodes\": \"1-0\"}"), "linux.memoryPolicy.nodes" },
    { LINUX ("\"memoryPolicy\": {\"mode\": \"MPOL_BIND\", \"nodes\": \"1\", \"flags\": "
             "[\"MPOL_F_STATIC_NODES\", "
             "\"MPOL_F_RELATIVE_NODES\"]}"),
      "exclude each other" },
  };

  (void) state;
  RUN (cases);
}

#define SC(x) LINUX ("\"seccomp\": {" x "}")
#define ALLOW "\"defaultAction\": \"SCMP_ACT_ALLOW\""

static void
test_seccomp (void **state)
{
  static const struct spec_case cases[] = {
    { SC ("\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"architectures\": "
          "[\"SCMP_ARCH_X86_64\", "
          "\"SCMP_ARCH_RISCV64\"], \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], \"syscalls\": [{\"names\": "
          "[\"read\"], "
          "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 5, \"value\": 1, \"op\": "
          "\"SCMP_CMP_MASKED_EQ\"}]}, "
          "{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 5}]"),
      NULL },
    { SC (ALLOW ", \"defaultErrnoRet\": 1"), "linux.seccomp.defaultErrnoRet: SCMP_ACT_ALLOW takes no errno" },
    { SC (ALLOW ", \"syscalls\": [{\"names\": [\"x\"], \"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 1}]"),
      "linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_KILL takes no errno" },
    { SC (ALLOW ", \"syscalls\": [{\"names\": [], \"action\": \"SCMP_ACT_KILL\"}]"),
      "linux.seccomp.syscalls[0].names: must contain at least one entry" },
    { SC (ALLOW
          ", \"syscalls\": [{\"names\": [\"x\"], \"action\": \"SCMP_ACT_KILL\", \"args\": [{\"index\": 6, "
          "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]"),
      "linux.seccomp.syscalls[0].args[0].index: 6 is outside 0..5" },
    { SC ("\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/run/s\""),
      "cannot be the default action" },
    { SC (ALLOW ", \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]"),
      "linux.seccomp.listenerPath: SCMP_ACT_NOTIFY needs a listener socket" },
    { SC (ALLOW ", \"listenerPath\": \"/run/s\", \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": "
                "\"SCMP_ACT_NOTIFY\"}]"),
      NULL },
    { SC (ALLOW
          ", \"listenerPath\": \"/run/s\", \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": "
          "\"SCMP_ACT_NOTIFY\"}]"),
      "SCMP_ACT_NOTIFY cannot be used for the write syscall" },
    { SC (ALLOW ", \"listenerPath\": \"run/s\""), "linux.seccomp.listenerPath: must be an absolute path" },
    { SC (ALLOW ", \"listenerMetadata\": \"m\""), "linux.seccomp.listenerMetadata" },
  };

  (void) state;
  RUN (cases);
}

/* Enumerated seccomp strings the parser may refuse first: set in the struct. */
static void
test_seccomp_enums (void **state)
{
  const char *json
      = "{" BASE ", " SC (ALLOW ", \"architectures\": [\"SCMP_ARCH_X86\"], \"flags\": "
                                "[\"SECCOMP_FILTER_FLAG_TSYNC\"], \"syscalls\": [{\"names\": [\"x\"], "
                                "\"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 0, \"value\": 1, "
                                "\"op\": \"SCMP_CMP_EQ\"}]}]") "}";
  _cleanup_config_ struct oci_config *c = NULL;
  struct oci_seccomp *s;
  struct
  {
    char **field;
    const char *expect;
  } cases[5];

  (void) state;
  assert_int_equal (oci_config_parse (json, strlen (json), &c, NULL), 0);
  assert_int_equal (spec_validate (c, NULL), 0);
  s = c->linux_->seccomp;
  cases[0] = (typeof (cases[0])){ &s->default_action, "linux.seccomp.defaultAction: unknown action" };
  cases[1]
      = (typeof (cases[0])){ &s->architectures[0], "linux.seccomp.architectures[0]: unknown architecture" };
  cases[2] = (typeof (cases[0])){ &s->flags[0], "linux.seccomp.flags[0]: unknown flag" };
  cases[3]
      = (typeof (cases[0])){ &s->syscalls[0].action, "linux.seccomp.syscalls[0].action: unknown action" };
  cases[4]
      = (typeof (cases[0])){ &s->syscalls[0].args[0].op, "linux.seccomp.syscalls[0].args[0].op: unknown" };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      _cleanup_error_ struct ocirt_error *err = NULL;
      char *saved = *cases[i].field;

      *cases[i].field = (char *) "SCMP_BOGUS";
      assert_true (spec_validate (c, &err) < 0);
      *cases[i].field = saved;
      if (strstr (err->msg, cases[i].expect) == NULL)
        fail_msg ("got %s, expected %s", err->msg, cases[i].expect);
    }
}

/* Other enumerations and keys the parser may refuse first. */
static void
test_linux_enums (void **state)
{
  const char *json = "{" BASE ", \"annotations\": {\"a\": \"b\"}, " LINUX (
      "\"personality\": {\"domain\": \"LINUX\"}, \"memoryPolicy\": {\"mode\": \"MPOL_BIND\", "
      "\"nodes\": \"0\", \"flags\": [\"MPOL_F_STATIC_NODES\"]}, \"rootfsPropagation\": "
      "\"private\", \"resources\": {\"devices\": [{\"allow\": true, \"type\": \"c\"}]}, " NS (N ("pid"))) "}";
  _cleanup_config_ struct oci_config *c = NULL;
  struct
  {
    char **field;
    const char *expect;
  } cases[7];

  (void) state;
  assert_int_equal (oci_config_parse (json, strlen (json), &c, NULL), 0);
  assert_int_equal (spec_validate (c, NULL), 0);
  cases[0] = (typeof (cases[0])){ &c->linux_->personality->domain, "linux.personality.domain" };
  cases[1] = (typeof (cases[0])){ &c->linux_->memory_policy->mode, "linux.memoryPolicy.mode: unknown mode" };
  cases[2]
      = (typeof (cases[0])){ &c->linux_->memory_policy->flags[0], "linux.memoryPolicy.flags[0]: unknown" };
  cases[3] = (typeof (cases[0])){ &c->linux_->rootfs_propagation, "linux.rootfsPropagation" };
  cases[4] = (typeof (cases[0])){ &c->linux_->resources->devices[0].type, "linux.resources.devices[0].type" };
  cases[5] = (typeof (cases[0])){ &c->linux_->namespaces[0].type, "linux.namespaces[0].type: unknown" };
  cases[6] = (typeof (cases[0])){ &c->annotations->keys[0], "annotations: keys must not be empty" };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      _cleanup_error_ struct ocirt_error *err = NULL;
      char *saved = *cases[i].field;

      *cases[i].field = (char *) (i == 6 ? "" : "BOGUS");
      assert_true (spec_validate (c, &err) < 0);
      *cases[i].field = saved;
      if (strstr (err->msg, cases[i].expect) == NULL)
        fail_msg ("got %s, expected %s", err->msg, cases[i].expect);
    }
}

/* The spec's own valid Linux examples must pass (they are schema examples:
   linux-netdevice.json moves interfaces without a network namespace, which
   would take them from the host's namespace into the host's; it is refused,
   see test_devices). */
static void
test_schema_examples (void **state)
{
  static const char *const files[]
      = { "minimal.json", "minimal-for-start.json", "spec-example.json", "linux-rdma.json" };

  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (files); i++)
    {
      _cleanup_error_ struct ocirt_error *err = NULL;
      _cleanup_config_ struct oci_config *c = NULL;
      _cleanup_free_ char *path = NULL;

      assert_true (asprintf (&path, "%s/test/config/good/%s", SPEC_SCHEMA_DIR, files[i]) > 0);
      if (oci_config_parse_file (AT_FDCWD, path, &c, &err) < 0)
        fail_msg ("%s: %s", path, err->msg);
      /* spec-example.json still says "0.5.0-dev", a pre-1.0 format we refuse. */
      if (strncmp (c->oci_version, "0.", 2) == 0)
        {
          free (c->oci_version);
          c->oci_version = strdup ("1.3.0");
        }
      if (spec_validate (c, &err) < 0)
        fail_msg ("%s: %s", path, err->msg);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_id),
    cmocka_unit_test (test_version),
    cmocka_unit_test (test_root_and_version),
    cmocka_unit_test (test_process),
    cmocka_unit_test (test_rlimits),
    cmocka_unit_test (test_scheduler_ioprio),
    cmocka_unit_test (test_process_enums),
    cmocka_unit_test (test_process_for_exec),
    cmocka_unit_test (test_hooks_mounts),
    cmocka_unit_test (test_namespaces),
    cmocka_unit_test (test_devices),
    cmocka_unit_test (test_sysctl),
    cmocka_unit_test (test_resources),
    cmocka_unit_test (test_paths),
    cmocka_unit_test (test_seccomp),
    cmocka_unit_test (test_seccomp_enums),
    cmocka_unit_test (test_linux_enums),
    cmocka_unit_test (test_schema_examples),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
