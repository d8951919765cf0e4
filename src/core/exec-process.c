/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec-process.h"
#include "ocispec.h"
#include "util/fs.h"
#include "util/strv.h"

/* A deep copy of `p` through the printer and the parser: one code path
   owns the data model's memory layout. */
static int
copy_process (const struct oci_process *p, struct oci_process **ret, struct ocirt_error **err)
{
  struct oci_config wrapper = { .oci_version = (char *) OCI_VERSION, .process = (struct oci_process *) p };
  _cleanup_config_ struct oci_config *back = NULL;
  _cleanup_free_ char *json = NULL;
  int r;

  r = oci_config_to_json (&wrapper, &json, err);
  if (r == 0)
    r = oci_config_parse (json, strlen (json), &back, err);
  if (r < 0)
    return r;
  *ret = TAKE_PTR (back->process);
  return 0;
}

/* An --env entry replaces a variable of the same name, as runc does. */
static int
add_env (struct oci_process *p, char *const *env, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (env[i], '=');
      size_t name_len = eq ? (size_t) (eq - env[i]) : strlen (env[i]);
      bool replaced = false;
      for (size_t j = 0; j < p->env_len && !replaced; j++)
        if (strncmp (p->env[j], env[i], name_len) == 0 && p->env[j][name_len] == '=')
          {
            char *copy = strdup (env[i]);
            if (copy == NULL)
              return -ENOMEM;
            free (p->env[j]);
            p->env[j] = copy;
            replaced = true;
          }
      if (!replaced && strv_append (&p->env, &p->env_len, (const char *const *) &env[i], 1) < 0)
        return -ENOMEM;
    }
  return 0;
}

static int
parse_user (const char *s, struct oci_user *u, struct ocirt_error **err)
{
  unsigned long uid, gid = u->gid; /* runc: without :GID the process keeps its gid */
  char *end;

  errno = 0;
  uid = strtoul (s, &end, 10);
  if (*end == ':')
    gid = strtoul (end + 1, &end, 10);
  if (errno || *end || end == s || uid > UINT32_MAX || gid > UINT32_MAX || s[0] == '-')
    return ocirt_error_setx (err, EINVAL, "--user: expected UID[:GID], got `%s`", s);
  u->uid = (uint32_t) uid;
  u->gid = (uint32_t) gid;
  return 0;
}

static int
replace_str (char **field, const char *value)
{
  char *copy = strdup (value);

  if (copy == NULL)
    return -ENOMEM;
  free (*field);
  *field = copy;
  return 0;
}

static int
apply_overrides (struct oci_process *p, const struct exec_options *o, struct ocirt_error **err)
{
  int r = 0;

  if (o->args_len)
    {
      for (size_t i = 0; i < p->args_len; i++)
        free (p->args[i]);
      p->args_len = 0;
      r = strv_append (&p->args, &p->args_len, (const char *const *) o->args, o->args_len);
    }
  if (r == 0)
    r = add_env (p, o->env, o->env_len);
  if (r == 0 && o->cwd)
    r = replace_str (&p->cwd, o->cwd);
  if (r == 0 && o->apparmor)
    r = replace_str (&p->apparmor_profile, o->apparmor);
  if (r == 0 && o->process_label)
    r = replace_str (&p->selinux_label, o->process_label);
  if (r == 0 && o->caps_len)
    {
      if (p->capabilities == NULL && (p->capabilities = calloc (1, sizeof *p->capabilities)) == NULL)
        r = -ENOMEM;
      if (r == 0)
        r = strv_append (&p->capabilities->bounding, &p->capabilities->bounding_len,
                         (const char *const *) o->caps, o->caps_len);
      if (r == 0)
        r = strv_append (&p->capabilities->effective, &p->capabilities->effective_len,
                         (const char *const *) o->caps, o->caps_len);
      if (r == 0)
        r = strv_append (&p->capabilities->permitted, &p->capabilities->permitted_len,
                         (const char *const *) o->caps, o->caps_len);
    }
  if (r < 0)
    return ocirt_error_set (err, -r, "exec");
  if (o->user || o->additional_gids_len)
    {
      if (p->user == NULL && (p->user = calloc (1, sizeof *p->user)) == NULL)
        return ocirt_error_set (err, ENOMEM, "exec");
      if (o->user && (r = parse_user (o->user, p->user, err)) < 0)
        return r;
      if (o->additional_gids_len)
        {
          /* Added to the process's own, as runc does. */
          size_t n = p->user->additional_gids_len + o->additional_gids_len;
          uint32_t *gids = realloc (p->user->additional_gids, n * sizeof *gids);
          if (gids == NULL)
            return ocirt_error_set (err, ENOMEM, "exec");
          memcpy (gids + p->user->additional_gids_len, o->additional_gids,
                  o->additional_gids_len * sizeof *gids);
          p->user->additional_gids = gids;
          p->user->additional_gids_len = n;
        }
    }
  p->terminal = o->tty;
  p->no_new_privileges |= o->no_new_privs;
  return 0;
}

int
exec_process_build (const struct exec_options *o, const struct oci_process *base, struct oci_process **ret,
                    struct ocirt_error **err)
{
  _cleanup_process_ struct oci_process *p = NULL;
  _cleanup_free_ char *json = NULL;
  size_t len;
  int r;

  if (o->process_file)
    {
      r = fs_read_all (AT_FDCWD, o->process_file, &json, &len);
      if (r < 0)
        return ocirt_error_set (err, -r, "--process `%s`", o->process_file);
      r = oci_process_parse (json, len, &p, err);
      if (r < 0)
        return ocirt_error_prefix (err, "--process `%s`", o->process_file);
      /* The file is the whole truth, except what the flags say on top. */
      if (o->tty)
        p->terminal = true;
    }
  else
    {
      if (o->args_len == 0)
        return ocirt_error_setx (err, EINVAL, "exec: missing command (or --process FILE)");
      if (base)
        r = copy_process (base, &p, err);
      else if ((p = calloc (1, sizeof *p)) == NULL)
        r = ocirt_error_set (err, ENOMEM, "exec");
      else
        r = replace_str (&p->cwd, "/") < 0 ? ocirt_error_set (err, ENOMEM, "exec") : 0;
      if (r == 0)
        r = apply_overrides (p, o, err);
      if (r < 0)
        return r;
    }
  *ret = TAKE_PTR (p);
  return 0;
}
