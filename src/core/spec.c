/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/spec-linux.h"
#include "core/spec.h"
#include "util/log.h"

/* --- helpers shared with spec-linux.c ----------------------------------- */

bool
spec_in_list (const char *s, const char *const *list)
{
  if (s == NULL)
    return false;
  for (; *list; list++)
    if (strcmp (s, *list) == 0)
      return true;
  return false;
}

const struct oci_namespace *
spec_find_namespace (const struct oci_linux *l, const char *type)
{
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    if (l->namespaces[i].type && strcmp (l->namespaces[i].type, type) == 0)
      return &l->namespaces[i];
  return NULL;
}

static const char *
skip_spaces (const char *p)
{
  while (*p == ' ')
    p++;
  return p;
}

static const char *
list_number (const char *p, unsigned long *ret)
{
  char *end;

  if (!isdigit ((unsigned char) *p))
    return NULL;
  errno = 0;
  *ret = strtoul (p, &end, 10);
  return errno ? NULL : skip_spaces (end);
}

bool
spec_cpu_list_valid (const char *s)
{
  const char *p = skip_spaces (s);

  if (*p == '\0')
    return true;
  for (;;)
    {
      unsigned long first, last;

      if ((p = list_number (skip_spaces (p), &first)) == NULL)
        return false;
      if (*p == '-')
        {
          if ((p = list_number (skip_spaces (p + 1), &last)) == NULL || last < first)
            return false;
        }
      if (*p == '\0')
        return true;
      if (*p++ != ',')
        return false;
    }
}

/* --- container id and version ------------------------------------------ */

static bool
id_char (char c, bool first)
{
  return isalnum ((unsigned char) c) || c == '_' || c == '+' || c == '-' || (!first && c == '.');
}

/* A printable, bounded copy of a rejected id for the message: the error must
   stay one line whatever bytes the caller passed. */
static const char *
id_for_message (const char *id, char *buf, size_t size)
{
  size_t n = 0;

  for (; *id && n + 8 < size; id++)
    n += snprintf (buf + n, size - n, isprint ((unsigned char) *id) ? "%c" : "\\x%02x", (unsigned char) *id);
  if (*id)
    snprintf (buf + n, size - n, "...");
  return buf;
}

int
spec_validate_id (const char *id, struct ocirt_error **err)
{
  char shown[80];
  size_t len;

  if (id == NULL || *id == '\0')
    return ocirt_error_setx (err, EINVAL, "invalid container id \"\": must not be empty");
  len = strlen (id);
  if (len > SPEC_ID_MAX)
    return ocirt_error_setx (err, EINVAL, "invalid container id \"%s\": longer than %d bytes",
                             id_for_message (id, shown, sizeof shown), SPEC_ID_MAX);
  /* The id names a directory under --root: a leading '.' would allow "." and
     "..", and '/' would escape it. */
  for (size_t i = 0; i < len; i++)
    if (!id_char (id[i], i == 0))
      return ocirt_error_setx (err, EINVAL,
                               "invalid container id \"%s\": only letters, digits and _+-. are allowed, "
                               "and it must not start with '.'",
                               id_for_message (id, shown, sizeof shown));
  return 0;
}

/* A SemVer numeric identifier: digits, no leading zero unless it is "0". */
static const char *
semver_number (const char *p, unsigned long *ret)
{
  char *end;

  if (!isdigit ((unsigned char) *p) || (p[0] == '0' && isdigit ((unsigned char) p[1])))
    return NULL;
  errno = 0;
  *ret = strtoul (p, &end, 10);
  return errno ? NULL : end;
}

/* Dot-separated non-empty identifiers of [0-9A-Za-z-]; numeric ones in a
   pre-release must not have leading zeros. Returns the end, or NULL. */
static const char *
semver_idents (const char *p, bool prerelease)
{
  for (;;)
    {
      const char *start = p;
      bool numeric = true;

      while (isalnum ((unsigned char) *p) || *p == '-')
        numeric &= isdigit ((unsigned char) *p++) != 0;
      if (p == start || (prerelease && numeric && *start == '0' && p - start > 1))
        return NULL;
      if (*p != '.')
        return p;
      p++;
    }
}

int
spec_validate_version (const char *version, struct ocirt_error **err)
{
  unsigned long major, minor, patch;
  const char *p = version;

  if (version == NULL)
    return ocirt_error_setx (err, EINVAL, "ociVersion: missing");
  if ((p = semver_number (p, &major)) == NULL || *p++ != '.' || (p = semver_number (p, &minor)) == NULL
      || *p++ != '.' || (p = semver_number (p, &patch)) == NULL)
    return ocirt_error_setx (err, EINVAL, "ociVersion: \"%s\" is not a SemVer version", version);
  if (*p == '-' && (p = semver_idents (p + 1, true)) == NULL)
    return ocirt_error_setx (err, EINVAL, "ociVersion: \"%s\" has an invalid pre-release", version);
  if (*p == '+' && (p = semver_idents (p + 1, false)) == NULL)
    return ocirt_error_setx (err, EINVAL, "ociVersion: \"%s\" has invalid build metadata", version);
  if (*p != '\0')
    return ocirt_error_setx (err, EINVAL, "ociVersion: \"%s\" is not a SemVer version", version);
  /* 1.0.0 was the first stable format; 1.x releases only add fields, so any
     1.y up to the version we implement reads correctly. */
  if (major != 1 || minor > 3)
    return ocirt_error_setx (err, EINVAL,
                             "ociVersion: unsupported version \"%s\" (supported: 1.0.0 to 1.3.x)", version);
  return 0;
}

/* --- process -------------------------------------------------------------- */

static const char *const rlimit_names[] = {
  "RLIMIT_AS",      "RLIMIT_CORE",     "RLIMIT_CPU",        "RLIMIT_DATA",   "RLIMIT_FSIZE", "RLIMIT_LOCKS",
  "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",       "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_RSS",
  "RLIMIT_RTPRIO",  "RLIMIT_RTTIME",   "RLIMIT_SIGPENDING", "RLIMIT_STACK",  NULL,
};

static int
check_rlimits (const struct oci_process *p, struct ocirt_error **err)
{
  for (size_t i = 0; i < p->rlimits_len; i++)
    {
      const struct oci_rlimit *r = &p->rlimits[i];

      if (!spec_in_list (r->type, rlimit_names))
        return ocirt_error_setx (err, EINVAL, "process.rlimits[%zu].type: unknown resource limit \"%s\"", i,
                                 r->type ? r->type : "");
      for (size_t j = 0; j < i; j++)
        if (strcmp (p->rlimits[j].type, r->type) == 0)
          return ocirt_error_setx (err, EINVAL, "process.rlimits[%zu].type: duplicate entry for %s", i,
                                   r->type);
      /* setrlimit(2) fails with EINVAL for soft > hard. */
      if (r->soft > r->hard)
        return ocirt_error_setx (err, EINVAL,
                                 "process.rlimits[%zu]: soft limit %" PRIu64 " is above hard limit %" PRIu64,
                                 i, r->soft, r->hard);
    }
  return 0;
}

/* runc refuses entries without '=' or with an empty name rather than passing
   them on: execve would hand the program an environment it cannot parse. */
static int
check_env (const struct oci_process *p, struct ocirt_error **err)
{
  for (size_t i = 0; i < p->env_len; i++)
    {
      const char *eq = p->env[i] ? strchr (p->env[i], '=') : NULL;

      if (eq == NULL)
        return ocirt_error_setx (err, EINVAL, "process.env[%zu]: expected KEY=VALUE, got \"%s\"", i,
                                 p->env[i] ? p->env[i] : "");
      if (eq == p->env[i])
        return ocirt_error_setx (err, EINVAL, "process.env[%zu]: empty variable name in \"%s\"", i,
                                 p->env[i]);
    }
  return 0;
}

static const char *const sched_policies[] = {
  "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE", NULL,
};

static const char *const sched_flags[] = {
  "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",
  "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_POLICY",
  "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
  "SCHED_FLAG_UTIL_CLAMP_MAX", NULL,
};

/* The rules of sched_setattr(2): which fields a policy takes and their ranges. */
static int
check_scheduler (const struct oci_scheduler *s, struct ocirt_error **err)
{
  bool rt;

  if (!spec_in_list (s->policy, sched_policies))
    return ocirt_error_setx (err, EINVAL, "process.scheduler.policy: unknown policy \"%s\"",
                             s->policy ? s->policy : "");
  for (size_t i = 0; i < s->flags_len; i++)
    if (!spec_in_list (s->flags[i], sched_flags))
      return ocirt_error_setx (err, EINVAL, "process.scheduler.flags[%zu]: unknown flag \"%s\"", i,
                               s->flags[i]);
  if (s->nice < -20 || s->nice > 19)
    return ocirt_error_setx (err, EINVAL, "process.scheduler.nice: %d is outside -20..19", s->nice);
  rt = strcmp (s->policy, "SCHED_FIFO") == 0 || strcmp (s->policy, "SCHED_RR") == 0;
  if (rt && (s->priority < 1 || s->priority > 99))
    return ocirt_error_setx (err, EINVAL, "process.scheduler.priority: %d is outside 1..99 for %s",
                             s->priority, s->policy);
  if (!rt && s->priority != 0)
    return ocirt_error_setx (err, EINVAL,
                             "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority");
  if (strcmp (s->policy, "SCHED_DEADLINE") != 0 && (s->runtime || s->deadline || s->period))
    return ocirt_error_setx (err, EINVAL,
                             "process.scheduler: runtime, deadline and period apply only to SCHED_DEADLINE");
  return 0;
}

static int
check_process_linux (const struct oci_process *p, struct ocirt_error **err)
{
  static const char *const io_classes[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL };

  if (p->io_priority)
    {
      if (!spec_in_list (p->io_priority->class_, io_classes))
        return ocirt_error_setx (err, EINVAL, "process.ioPriority.class: unknown class \"%s\"",
                                 p->io_priority->class_ ? p->io_priority->class_ : "");
      if (p->io_priority->priority < 0 || p->io_priority->priority > 7)
        return ocirt_error_setx (err, EINVAL, "process.ioPriority.priority: %d is outside 0..7",
                                 p->io_priority->priority);
    }
  if (p->scheduler && check_scheduler (p->scheduler, err) < 0)
    return -(*err)->code;
  /* The kernel's range for /proc/PID/oom_score_adj. */
  if (p->oom_score_adj_present && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
    return ocirt_error_setx (err, EINVAL, "process.oomScoreAdj: %d is outside -1000..1000", p->oom_score_adj);
  if (p->exec_cpu_affinity)
    {
      if (p->exec_cpu_affinity->initial && !spec_cpu_list_valid (p->exec_cpu_affinity->initial))
        return ocirt_error_setx (err, EINVAL, "process.execCPUAffinity.initial: invalid CPU list \"%s\"",
                                 p->exec_cpu_affinity->initial);
      if (p->exec_cpu_affinity->final && !spec_cpu_list_valid (p->exec_cpu_affinity->final))
        return ocirt_error_setx (err, EINVAL, "process.execCPUAffinity.final: invalid CPU list \"%s\"",
                                 p->exec_cpu_affinity->final);
    }
  return 0;
}

/* `consoleSize` without `terminal` is not an error: config.md says runtimes
   MUST ignore it then. */
int
spec_validate_process (const struct oci_process *p, bool for_exec, struct ocirt_error **err)
{
  if (p == NULL)
    return ocirt_error_setx (err, EINVAL, "process: missing");
  /* config.md: at least one entry is REQUIRED (it is execvp's file). */
  if (p->args_len == 0 || p->args[0] == NULL || p->args[0][0] == '\0')
    return ocirt_error_setx (err, EINVAL, "process.args: must not be empty");
  if (p->cwd == NULL && !for_exec)
    return ocirt_error_setx (err, EINVAL, "process.cwd: missing");
  if (p->cwd && p->cwd[0] != '/')
    return ocirt_error_setx (err, EINVAL, "process.cwd: must be an absolute path, got \"%s\"", p->cwd);
  if (check_env (p, err) < 0 || check_rlimits (p, err) < 0 || check_process_linux (p, err) < 0)
    return -(*err)->code;
  return 0;
}

/* --- generic part of config.json ---------------------------------------- */

static int
check_hook_list (const char *name, const struct oci_hook *hooks, size_t len, struct ocirt_error **err)
{
  for (size_t i = 0; i < len; i++)
    if (hooks[i].path == NULL || hooks[i].path[0] != '/')
      return ocirt_error_setx (err, EINVAL, "hooks.%s[%zu].path: must be an absolute path, got \"%s\"", name,
                               i, hooks[i].path ? hooks[i].path : "");
  return 0;
}

static int
check_hooks (const struct oci_hooks *h, struct ocirt_error **err)
{
  if (h == NULL)
    return 0;
  if (check_hook_list ("prestart", h->prestart, h->prestart_len, err) < 0
      || check_hook_list ("createRuntime", h->create_runtime, h->create_runtime_len, err) < 0
      || check_hook_list ("createContainer", h->create_container, h->create_container_len, err) < 0
      || check_hook_list ("startContainer", h->start_container, h->start_container_len, err) < 0
      || check_hook_list ("poststart", h->poststart, h->poststart_len, err) < 0
      || check_hook_list ("poststop", h->poststop, h->poststop_len, err) < 0)
    return -(*err)->code;
  return 0;
}

static bool
mount_has_option (const struct oci_mount *m, const char *const *names)
{
  for (size_t i = 0; i < m->options_len; i++)
    if (spec_in_list (m->options[i], names))
      return true;
  return false;
}

static int
check_mount_mappings (const struct oci_mount *m, size_t i, struct ocirt_error **err)
{
  char name[64];

  snprintf (name, sizeof name, "mounts[%zu].uidMappings", i);
  if (spec_check_id_mappings (name, m->uid_mappings, m->uid_mappings_len, err) < 0)
    return -(*err)->code;
  snprintf (name, sizeof name, "mounts[%zu].gidMappings", i);
  return spec_check_id_mappings (name, m->gid_mappings, m->gid_mappings_len, err);
}

static int
check_mount (const struct oci_config *c, size_t i, struct ocirt_error **err)
{
  static const char *const bind_opts[] = { "bind", "rbind", NULL };
  static const char *const idmap_opts[] = { "idmap", "ridmap", NULL };
  const struct oci_mount *m = &c->mounts[i];

  if (m->destination == NULL || m->destination[0] == '\0')
    return ocirt_error_setx (err, EINVAL, "mounts[%zu].destination: must not be empty", i);
  if (m->destination[0] != '/')
    log_warn ("mounts[%zu].destination: relative path \"%s\" is deprecated, taken as relative to /", i,
              m->destination);
  if (mount_has_option (m, bind_opts) && (m->source == NULL || m->source[0] == '\0'))
    return ocirt_error_setx (err, EINVAL, "mounts[%zu].source: a bind mount needs a source", i);
  /* config.md: each of uidMappings/gidMappings MUST come with the other. */
  if ((m->uid_mappings != NULL) != (m->gid_mappings != NULL))
    return ocirt_error_setx (err, EINVAL, "mounts[%zu]: uidMappings and gidMappings must be given together",
                             i);
  if (check_mount_mappings (m, i, err) < 0)
    return -(*err)->code;
  /* config.md, `idmap`: without mappings of its own the mount borrows the
     container's user namespace; with neither it is an error. */
  if (mount_has_option (m, idmap_opts) && m->uid_mappings == NULL
      && spec_find_namespace (c->linux_, "user") == NULL)
    return ocirt_error_setx (err, EINVAL,
                             "mounts[%zu]: idmap needs uidMappings/gidMappings or a user namespace", i);
  return 0;
}

static int
check_annotations (const struct oci_map *a, struct ocirt_error **err)
{
  for (size_t i = 0; a && i < a->len; i++)
    if (a->keys[i] == NULL || a->keys[i][0] == '\0')
      return ocirt_error_setx (err, EINVAL, "annotations: keys must not be empty");
  return 0;
}

int
spec_validate (const struct oci_config *c, struct ocirt_error **err)
{
  const struct oci_linux *l;

  if (c == NULL)
    return ocirt_error_setx (err, EINVAL, "config: missing");
  l = c->linux_;
  if (spec_validate_version (c->oci_version, err) < 0)
    return -(*err)->code;
  if (c->root == NULL || c->root->path == NULL || c->root->path[0] == '\0')
    return ocirt_error_setx (err, EINVAL, "root.path: missing (a Linux container needs a root filesystem)");
  if (c->process && spec_validate_process (c->process, false, err) < 0)
    return -(*err)->code;
  for (size_t i = 0; i < c->mounts_len; i++)
    if (check_mount (c, i, err) < 0)
      return -(*err)->code;
  if (check_hooks (c->hooks, err) < 0 || check_annotations (c->annotations, err) < 0)
    return -(*err)->code;
  /* As runc: a hostname cannot be set without a UTS namespace of the
     container's own, or it would rename the host. */
  if (c->hostname && c->hostname[0] && spec_find_namespace (l, "uts") == NULL)
    return ocirt_error_setx (err, EINVAL, "hostname: setting it needs a uts namespace in linux.namespaces");
  if (c->domainname && c->domainname[0] && spec_find_namespace (l, "uts") == NULL)
    return ocirt_error_setx (err, EINVAL, "domainname: setting it needs a uts namespace in linux.namespaces");
  if (l && spec_validate_linux (l, err) < 0)
    return -(*err)->code;
  return 0;
}
