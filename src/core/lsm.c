/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lsm-library.h"
#include "lsm.h"
#include "util/log.h"
#include "util/procfs.h"

#define SELINUX_MAGIC 0xf97cff8cU

static bool
sysfs_flag_is_yes (const char *path)
{
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  char c = 0;

  return fd >= 0 && read (fd, &c, 1) == 1 && c == 'Y';
}

bool
lsm_apparmor_enabled (void)
{
#ifdef HAVE_APPARMOR
  int r = lsm_library_query ("libapparmor.so.1", "aa_is_enabled");
  if (r >= 0)
    return r == 1;
#endif
  /* What runc looks at: the securityfs directory and the module's switch. */
  return access ("/sys/kernel/security/apparmor", F_OK) == 0
         && sysfs_flag_is_yes ("/sys/module/apparmor/parameters/enabled");
}

bool
lsm_selinux_enabled (void)
{
  struct statfs sfs;
#ifdef HAVE_SELINUX
  int r = lsm_library_query ("libselinux.so.1", "is_selinux_enabled");
  if (r >= 0)
    return r == 1;
#endif
  return statfs ("/sys/fs/selinux", &sfs) == 0 && (unsigned long) sfs.f_type == SELINUX_MAGIC;
}

int
lsm_check_process (const struct oci_process *p, struct ocirt_error **err)
{
  if (p == NULL)
    return 0;
  if (p->apparmor_profile && p->apparmor_profile[0] && !lsm_apparmor_enabled ())
    return ocirt_error_setx (err, EINVAL,
                             "apparmor profile %s specified but AppArmor is not enabled on the host",
                             p->apparmor_profile);
  if (p->selinux_label && p->selinux_label[0] && !lsm_selinux_enabled ())
    log_warn ("process.selinuxLabel: SELinux is not enabled on the host, ignoring `%s`", p->selinux_label);
  return 0;
}

int
lsm_write_proc_attr (int proc_fd, const char *const *attrs, const char *value, struct ocirt_error **err)
{
  _cleanup_close_ int own_proc = -1, fd = -1;
  size_t len = strlen (value);
  ssize_t n;
  int r;

  if (proc_fd < 0 && (proc_fd = own_proc = procfs_open_root (err)) < 0)
    return proc_fd;
  /* The directory itself first: a tmpfs posing as /proc fails here. */
  if ((r = procfs_check_proc (proc_fd, "/proc", err)) < 0)
    return r;
  for (size_t i = 0; attrs[i]; i++)
    {
      _cleanup_error_ struct ocirt_error *e = NULL;

      fd = procfs_open (proc_fd, attrs[i], O_WRONLY, &e);
      if (fd >= 0)
        break;
      /* Only a missing file lets us try the next name. */
      if (fd != -ENOENT || attrs[i + 1] == NULL)
        return ocirt_error_from (err, e->code, e->msg);
    }
  if (fd < 0)
    return ocirt_error_setx (err, EINVAL, "no attribute file to write `%s` to", value);
  do
    n = write (fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return ocirt_error_set (err, errno, "write `%s`", value);
  if ((size_t) n != len)
    return ocirt_error_setx (err, EIO, "write `%s`: short write", value);
  return 0;
}

int
lsm_apply_apparmor (int proc_fd, const char *profile, struct ocirt_error **err)
{
  /* The per-LSM directory (Linux 5.8) first: with LSM stacking, attr/exec
     may belong to another module. */
  static const char *const attrs[] = { "thread-self/attr/apparmor/exec", "thread-self/attr/exec", NULL };
  _cleanup_free_ char *value = NULL;
  int r;

  if (profile == NULL || profile[0] == '\0')
    return 0;
  if (asprintf (&value, "exec %s", profile) < 0)
    return ocirt_error_set (err, ENOMEM, "process.apparmorProfile");
  r = lsm_write_proc_attr (proc_fd, attrs, value, err);
  if (r < 0)
    return ocirt_error_prefix (err, "apply AppArmor profile `%s`", profile);
  return 0;
}

int
lsm_apply_selinux (int proc_fd, const char *label, struct ocirt_error **err)
{
  static const char *const attrs[] = { "thread-self/attr/exec", NULL };
  int r;

  if (label == NULL || label[0] == '\0')
    return 0;
  if (!lsm_selinux_enabled ())
    {
      log_warn ("process.selinuxLabel: SELinux is not enabled on the host, ignoring `%s`", label);
      return 0;
    }
  r = lsm_write_proc_attr (proc_fd, attrs, label, err);
  if (r < 0)
    return ocirt_error_prefix (err, "set SELinux label `%s`", label);
  return 0;
}

bool
lsm_is_selinux_mount_option (const char *option)
{
  static const char *const keys[] = { "context=", "fscontext=", "defcontext=", "rootcontext=" };

  for (size_t i = 0; i < ARRAY_SIZE (keys); i++)
    if (strncmp (option, keys[i], strlen (keys[i])) == 0)
      return true;
  return false;
}

bool
lsm_mount_option_dropped (const char *option)
{
  return lsm_is_selinux_mount_option (option) && !lsm_selinux_enabled ();
}

/* The end of the option starting at `s`: the next comma outside quotes. */
static const char *
option_end (const char *s)
{
  bool quoted = false;

  for (; *s && (quoted || *s != ','); s++)
    if (*s == '"')
      quoted = !quoted;
  return s;
}

int
lsm_filter_mount_data (const char *data, char **ret, struct ocirt_error **err)
{
  _cleanup_free_ char *out = NULL;
  size_t len = 0;

  *ret = NULL;
  if (data == NULL)
    return 0;
  out = malloc (strlen (data) + 1);
  if (out == NULL)
    return ocirt_error_set (err, ENOMEM, "filter mount data");
  for (const char *s = data; *s;)
    {
      const char *end = option_end (s);
      _cleanup_free_ char *opt = strndup (s, (size_t) (end - s));

      if (opt == NULL)
        return ocirt_error_set (err, ENOMEM, "filter mount data");
      if (opt[0] && !lsm_mount_option_dropped (opt))
        {
          if (len)
            out[len++] = ',';
          memcpy (out + len, opt, strlen (opt));
          len += strlen (opt);
        }
      else if (opt[0])
        log_debug ("SELinux is not enabled: dropping mount option `%s`", opt);
      s = *end ? end + 1 : end;
    }
  out[len] = '\0';
  if (len)
    *ret = TAKE_PTR (out);
  return 0;
}
