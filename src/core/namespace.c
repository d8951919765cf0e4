/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "namespace.h"
#include "util/fs.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct
{
  const char *type;
  int flag;
} namespace_types[] = {
  { "user", CLONE_NEWUSER },     { "mount", CLONE_NEWNS },  { "pid", CLONE_NEWPID },
  { "network", CLONE_NEWNET },   { "uts", CLONE_NEWUTS },   { "ipc", CLONE_NEWIPC },
  { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

int
namespace_flag (const char *type)
{
  for (size_t i = 0; type && i < ARRAY_SIZE (namespace_types); i++)
    if (strcmp (namespace_types[i].type, type) == 0)
      return namespace_types[i].flag;
  return 0;
}

void
namespace_plan_make (const struct oci_linux *linux_, struct namespace_plan *plan)
{
  memset (plan, 0, sizeof *plan);
  if (linux_ == NULL)
    return;
  /* Joined in table order: the user namespace first, so that the others are
     entered with the privileges it grants. */
  for (size_t t = 0; t < ARRAY_SIZE (namespace_types); t++)
    for (size_t i = 0; i < linux_->namespaces_len; i++)
      {
        const struct oci_namespace *ns = &linux_->namespaces[i];
        if (namespace_flag (ns->type) != namespace_types[t].flag)
          continue;
        if (ns->path == NULL || ns->path[0] == '\0')
          plan->new_flags |= namespace_types[t].flag;
        else if (namespace_types[t].flag == CLONE_NEWPID)
          plan->join_pid = ns;
        else if (plan->n_join < ARRAY_SIZE (plan->join))
          plan->join[plan->n_join++] = ns;
      }
}

int
namespace_open (const char *path, int flag, struct ocirt_error **err)
{
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  int type;

  if (fd < 0)
    return ocirt_error_set (err, errno, "open namespace `%s`", path);
  type = ioctl (fd, NS_GET_NSTYPE);
  if (type < 0)
    return ocirt_error_set (err, errno == ENOTTY ? EINVAL : errno, "`%s` is not a namespace", path);
  if (type != flag)
    return ocirt_error_setx (err, EINVAL, "`%s` is a namespace of another type", path);
  return TAKE_FD (fd);
}

int
namespace_join (const char *path, int flag, struct ocirt_error **err)
{
  _cleanup_close_ int fd = namespace_open (path, flag, err);

  if (fd < 0)
    return fd;
  if (setns (fd, flag) < 0)
    return ocirt_error_set (err, errno, "join namespace `%s`", path);
  return 0;
}

int
namespace_join_entry (const struct oci_namespace *ns, struct ocirt_error **err)
{
  int r = namespace_join (ns->path, namespace_flag (ns->type), err);

  return r < 0 ? ocirt_error_prefix (err, "linux.namespaces (%s)", ns->type) : 0;
}

static int
write_map (pid_t pid, const char *file, const struct oci_id_mapping *m, size_t n, struct ocirt_error **err)
{
  _cleanup_free_ char *buf = NULL;
  _cleanup_close_ int fd = -1;
  size_t len = 0;
  FILE *out;
  char path[64];

  out = open_memstream (&buf, &len);
  if (out == NULL)
    return ocirt_error_set (err, errno, "write %s", file);
  for (size_t i = 0; i < n; i++)
    fprintf (out, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].container_id, m[i].host_id, m[i].size);
  if (fclose (out) != 0)
    return ocirt_error_set (err, errno, "write %s", file);
  snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, file);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  /* The kernel takes the whole map in one write(2) or not at all. */
  if (fd < 0 || write (fd, buf, len) != (ssize_t) len)
    return ocirt_error_set (err, errno, "write %s of the user namespace", file);
  return 0;
}

int
namespace_write_id_maps (pid_t pid, const struct oci_linux *linux_, struct ocirt_error **err)
{
  int r;

  r = write_map (pid, "uid_map", linux_->uid_mappings, linux_->uid_mappings_len, err);
  if (r < 0)
    return r;
  return write_map (pid, "gid_map", linux_->gid_mappings, linux_->gid_mappings_len, err);
}

int
namespace_loopback_up_raw (void)
{
  _cleanup_close_ int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr = { .ifr_name = "lo" };

  if (fd < 0 || ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    return -errno;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  return ioctl (fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

int
namespace_loopback_up (struct ocirt_error **err)
{
  int r = namespace_loopback_up_raw ();

  return r < 0 ? ocirt_error_set (err, -r, "bring up lo") : 0;
}

int
namespace_enter_time (const struct oci_time_offsets *offsets, struct ocirt_error **err)
{
  _cleanup_close_ int fd = -1;
  char buf[160];
  int len = 0;

  if (offsets && offsets->monotonic)
    len += snprintf (buf + len, sizeof buf - (size_t) len, "monotonic %" PRId64 " %" PRIu32 "\n",
                     offsets->monotonic->secs, offsets->monotonic->nanosecs);
  if (offsets && offsets->boottime)
    len += snprintf (buf + len, sizeof buf - (size_t) len, "boottime %" PRId64 " %" PRIu32 "\n",
                     offsets->boottime->secs, offsets->boottime->nanosecs);
  /* Offsets can be written only before any process has entered. */
  if (len > 0)
    {
      fd = open ("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
      if (fd < 0 || fs_write_full (fd, buf, (size_t) len) < 0)
        return ocirt_error_set (err, errno, "write linux.timeOffsets");
      close (TAKE_FD (fd));
    }
  fd = open ("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns (fd, CLONE_NEWTIME) < 0)
    return ocirt_error_set (err, errno, "enter the time namespace");
  return 0;
}
