/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/procfs.h"

static int
check_magic (int fd, unsigned long magic, const char *fsname, const char *what, struct ocirt_error **err)
{
  struct statfs sfs;

  if (fstatfs (fd, &sfs) < 0)
    return ocirt_error_set (err, errno, "statfs `%s`", what);
  if ((unsigned long) sfs.f_type != magic)
    return ocirt_error_setx (err, EXDEV, "`%s` is not on %s (filesystem type 0x%lx): refusing to use it",
                             what, fsname, (unsigned long) sfs.f_type);
  return 0;
}

int
procfs_check_proc (int fd, const char *what, struct ocirt_error **err)
{
  return check_magic (fd, PROC_SUPER_MAGIC, "procfs", what, err);
}

int
procfs_check_sysfs (int fd, const char *what, struct ocirt_error **err)
{
  return check_magic (fd, SYSFS_MAGIC, "sysfs", what, err);
}

int
procfs_open_root (struct ocirt_error **err)
{
  _cleanup_close_ int fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return ocirt_error_set (err, errno, "open `/proc`");
  int r = procfs_check_proc (fd, "/proc", err);
  return r < 0 ? r : TAKE_FD (fd);
}

int
procfs_open (int proc_fd, const char *subpath, int flags, struct ocirt_error **err)
{
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC),
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
  };
  _cleanup_close_ int fd = (int) syscall (SYS_openat2, proc_fd, subpath, &how, sizeof (how));

  if (fd < 0 && (errno == ENOSYS || errno == EPERM))
    {
      /* Before Linux 5.6: no mount-crossing check is possible here, but a
         file from another filesystem mounted over the target is still caught
         by the device check below. */
      struct stat root_st, st;
      fd = openat (proc_fd, subpath, flags | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0 && (fstat (proc_fd, &root_st) < 0 || fstat (fd, &st) < 0 || root_st.st_dev != st.st_dev))
        return ocirt_error_setx (err, EXDEV, "`/proc/%s` is not on the container's procfs", subpath);
    }
  if (fd < 0)
    return ocirt_error_set (err, errno, "open `/proc/%s`", subpath);
  char what[256];
  snprintf (what, sizeof (what), "/proc/%s", subpath);
  int r = procfs_check_proc (fd, what, err);
  return r < 0 ? r : TAKE_FD (fd);
}

const char *
procfs_fd_path (char *buf, int fd)
{
  snprintf (buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}
