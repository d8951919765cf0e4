/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>

#include "container-internal.h"
#include "ocispec.h"
#include "util/log.h"

int
container_run (const char *root, const struct create_options *opts, bool keep, int *ret_status,
               struct ocirt_error **err)
{
  struct created_container cc = { .pidfd = -1, .pty_master = -1 };
  struct foreground l;
  int r;

  /* With opts->start (cmd_run sets it), create starts it as well. */
  r = foreground_prepare (&l, err);
  if (r == 0)
    r = container_create (root, opts, &cc, err);
  if (r < 0)
    {
      foreground_release (&l);
      cleanup_closep (&cc.pidfd);
      cleanup_closep (&cc.pty_master);
      oci_config_free (cc.config);
      return r;
    }
  r = foreground_wait (&l, cc.pid, cc.pidfd, cc.pty_master, ret_status, err);
  foreground_release (&l);
  if (!keep || r < 0)
    {
      _cleanup_error_ struct ocirt_error *derr = NULL;
      if (container_delete_own (root, opts->id, cc.pid, cc.config, &derr) < 0)
        log_warn ("%s", derr->msg);
    }
  cleanup_closep (&cc.pidfd);
  cleanup_closep (&cc.pty_master);
  oci_config_free (cc.config);
  return r;
}
