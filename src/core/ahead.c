/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The namespaces and part of the rootfs the init makes before it joins its
   cgroups (the network namespace's helper is util/ahead-net.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ahead.h"
#include "namespace.h"
#include "util/fdpass.h"

static const struct oci_namespace *
joined (const struct namespace_plan *ns, int flag)
{
  for (size_t i = 0; i < ns->n_join; i++)
    if (namespace_flag (ns->join[i]->type) == flag)
      return ns->join[i];
  return NULL;
}

void
ahead_plan_make (const struct namespace_plan *ns, const struct oci_config *config, const char *bundle,
                 const char *rootfs, struct ahead_plan *ret)
{
  bool own_user = !(ns->new_flags & CLONE_NEWUSER) && joined (ns, CLONE_NEWUSER) == NULL;
  bool mount = own_user && (ns->new_flags & CLONE_NEWNS) && joined (ns, CLONE_NEWNS) == NULL;

  *ret = (struct ahead_plan){
    .net = own_user && (ns->new_flags & CLONE_NEWNET),
    .net_joined = own_user ? joined (ns, CLONE_NEWNET) : NULL,
    .mount = mount,
    .ipc = mount && (ns->new_flags & CLONE_NEWIPC),
    .ipc_joined = mount ? joined (ns, CLONE_NEWIPC) : NULL,
    .config = config,
    .bundle = bundle,
    .rootfs = rootfs,
  };
}

/* --- in the init ------------------------------------------------------------- */

static int
enter_new_net (int net_fd, struct ocirt_error **err)
{
  int fd = -1;

  if (net_fd >= 0 && fdpass_receive (net_fd, &fd) == 0)
    {
      /* The one we are in is no new one (the socket came through the
         environment from the launcher: ahead_net_adopt); setns checks that
         it is a network namespace. */
      struct stat ours, got;
      bool fresh = stat ("/proc/self/ns/net", &ours) == 0 && fstat (fd, &got) == 0
                   && (ours.st_ino != got.st_ino || ours.st_dev != got.st_dev);
      int r = fresh ? setns (fd, CLONE_NEWNET) : 0, saved = errno;
      close (fd);
      if (fresh)
        return r < 0 ? ocirt_error_set (err, saved, "enter the new network namespace") : 0;
    }
  if (unshare (CLONE_NEWNET) < 0)
    return ocirt_error_set (err, errno, "create the network namespace");
  return namespace_loopback_up (err);
}

int
ahead_enter (const struct ahead_plan *plan, int net_fd, int *ret_entered, struct rootfs_ctx **ret_rootfs,
             struct ocirt_error **err)
{
  int flags = CLONE_NEWNS | (plan->ipc ? CLONE_NEWIPC : 0);
  int entered = 0, r = 0;

  /* sysfs shows the network namespace of whoever mounts it. */
  if (plan->net)
    r = enter_new_net (net_fd, err);
  else if (plan->net_joined)
    r = namespace_join_entry (plan->net_joined, err);
  if (r < 0)
    return r;
  if (plan->net || plan->net_joined)
    entered |= CLONE_NEWNET;
  if (plan->mount)
    {
      /* mqueue mounts belong to the IPC namespace of whoever mounts them. */
      if (unshare (flags) < 0)
        return ocirt_error_set (err, errno, "create namespaces");
      if (plan->ipc_joined && namespace_join_entry (plan->ipc_joined, err) < 0)
        return -(*err)->code;
      entered |= flags | (plan->ipc_joined ? CLONE_NEWIPC : 0);
      if (chdir (plan->bundle) < 0)
        return ocirt_error_set (err, errno, "chdir to the bundle `%s`", plan->bundle);
      if ((r = rootfs_setup_ahead (plan->config, plan->rootfs, ret_rootfs, err)) < 0)
        return r;
    }
  *ret_entered = entered;
  return 0;
}
