/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/exe-overlay.h"

/* The new mount API's constants (include/uapi/linux/mount.h), spelled out:
   the launcher's C library ships no kernel headers. */
#define OVL_FSOPEN_CLOEXEC 0x00000001
#define OVL_FSCONFIG_SET_STRING 1
#define OVL_FSCONFIG_CMD_CREATE 6
#define OVL_FSMOUNT_CLOEXEC 0x00000001
#define OVL_MOUNT_ATTR_RDONLY 0x00000001
#define OVL_MOUNT_ATTR_NOSUID 0x00000002
#define OVL_MOUNT_ATTR_NODEV 0x00000004

static int
close_keep_errno (int fd, int r)
{
  int saved = errno;

  if (fd >= 0)
    close (fd);
  errno = saved;
  return r;
}

/* Overlayfs without an upper layer needs two lower layers, which may
   neither be the same directory nor contain one another: the second is
   /dev (devtmpfs or tmpfs everywhere, never a binary's directory or one of
   its parents; if it is, the mount fails and the caller falls back).
   Returns an fd of the mount. */
static int
mount_overlay (int dir_fd)
{
  char lower[64];
  int fs, mnt;

  fs = (int) syscall (SYS_fsopen, "overlay", OVL_FSOPEN_CLOEXEC);
  if (fs < 0)
    return -errno;
  snprintf (lower, sizeof lower, "/proc/self/fd/%d:/dev", dir_fd);
  if (syscall (SYS_fsconfig, fs, OVL_FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0)
    return close_keep_errno (fs, -errno);
  /* Inode numbers stay the real file's, and layers on different
     filesystems log nothing. Older kernels lack the option. */
  (void) syscall (SYS_fsconfig, fs, OVL_FSCONFIG_SET_STRING, "xino", "off", 0);
  if (syscall (SYS_fsconfig, fs, OVL_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return close_keep_errno (fs, -errno);
  mnt = (int) syscall (SYS_fsmount, fs, OVL_FSMOUNT_CLOEXEC,
                       OVL_MOUNT_ATTR_RDONLY | OVL_MOUNT_ATTR_NODEV | OVL_MOUNT_ATTR_NOSUID);
  return close_keep_errno (fs, mnt < 0 ? -errno : mnt);
}

int
exe_overlay_open (int dir_fd, const char *name, int *ret_mount)
{
  int mnt = mount_overlay (dir_fd), fd;

  if (ret_mount)
    *ret_mount = -1;
  if (mnt < 0)
    return mnt;
  fd = openat (mnt, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 && ret_mount)
    {
      *ret_mount = mnt;
      return fd;
    }
  return close_keep_errno (mnt, fd < 0 ? -errno : fd);
}

void
exe_overlay_hand_over (int mount)
{
  char num[16];

  if (mount >= 0 && fcntl (mount, F_SETFD, 0) == 0)
    {
      snprintf (num, sizeof num, "%d", mount);
      if (setenv (EXE_OVERLAY_MOUNT_ENV, num, 1) == 0)
        return;
    }
  if (mount >= 0)
    close (mount); /* here, then */
  unsetenv (EXE_OVERLAY_MOUNT_ENV);
}
