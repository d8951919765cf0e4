/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CVE-2019-5736: a container that can make the runtime execve a file whose
   interpreter is "#!/proc/self/exe" gets the *runtime's own binary* running
   inside the container as an ordinary, dumpable process (the kernel follows
   /proc/self/exe to the exe of the process calling execve, which still is
   the runtime until that execve completes). Any process of the container
   can then open /proc/PID/exe with O_PATH, wait for the process to exit and
   reopen the fd through /proc/self/fd/N for writing: the host's runtime
   binary is overwritten and runs as root on the next call.

   ocirt clones the container's init (create, run) and the exec'd process
   (exec) from the runtime process itself, with no re-exec, so the defence
   has to be on the runtime process: before anything enters a container,
   the runtime must run from a file that cannot be written through any path
   a container can reach. The launcher `ocirt` (src/launcher) starts it so;
   started any other way, it re-executes itself so. In order of preference:
   - the binary seen through a private, detached overlayfs with no upper
     layer: its superblock is read-only and cannot be remounted writable,
     nothing outside this process can reach the mount, the page cache is
     the real file's (no copy, no memory);
   - a memfd copy sealed against writes and resizing (when overlayfs or the
     new mount API is unavailable, e.g. for a rootless caller).
   execveat() keeps the pid, argv, environment and every fd without
   O_CLOEXEC (callers' --preserve-fds, console sockets, LISTEN_FDS), so
   callers see the same process. Only create, run and exec pay for it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/self-protect.h"
#include "util/exe-overlay.h"
#include "util/log.h"

#define SELF_EXE "/proc/self/exe"

/* The variable that turns the protection off, for the tests that show the
   attack works without it. */
#define TEST_OFF_ENV "OCIRT_TEST_UNPROTECTED_EXE"

/* No write, no shrink (truncating is writing), no grow, and no removal of
   the seals themselves. */
#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* The inode number of the initial user namespace (include/linux/proc_ns.h). */
#define INIT_USER_NS_INO 0xEFFFFFFDU

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: needed where vm.memfd_noexec is set */
#endif

/* An overlayfs with no upper layer has a read-only superblock: no remount
   can make it writable (ST_RDONLY also covers a read-only mount of one). */
static bool
is_readonly_overlay (const struct statfs *s)
{
  return s->f_type == OVERLAYFS_SUPER_MAGIC && (s->f_flags & ST_RDONLY);
}

static bool
has_required_seals (int fd)
{
  int seals = fcntl (fd, F_GET_SEALS);

  return seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
}

/* True if `fd` (opened for reading, not O_PATH) is a file no one can change:
   on a read-only overlayfs, or a memfd sealed against writes and resizing. */
static bool
fd_is_sealed (int fd)
{
  struct statfs s;

  if (fstatfs (fd, &s) < 0)
    return false;
  if (is_readonly_overlay (&s))
    return true;
  /* A memfd lives on the kernel's internal tmpfs; an ordinary tmpfs file
     has only F_SEAL_SEAL, so it never passes. */
  return s.f_type == TMPFS_MAGIC && has_required_seals (fd);
}

/* The check every create/run/exec pays: one statfs(2) when protected by
   overlayfs, three more syscalls for a memfd. It looks at the file itself,
   never at anything the caller or the environment could claim. */
static bool
exe_is_protected (void)
{
  struct statfs s;

  if (statfs (SELF_EXE, &s) < 0)
    return false;
  if (is_readonly_overlay (&s))
    return true;
  if (s.f_type != TMPFS_MAGIC)
    return false;
  _cleanup_close_ int fd = open (SELF_EXE, O_RDONLY | O_CLOEXEC);
  return fd >= 0 && has_required_seals (fd);
}

/* execveat(fd, "") names the process after the fd number ("/dev/fd/N");
   ps, pgrep and logs expect the command's name, which is what the caller's
   execve gave it (the last component of the path, as argv[0] is). */
static void
restore_comm (char **argv)
{
  const char *execfn = (const char *) getauxval (AT_EXECFN);

  if (execfn == NULL || strncmp (execfn, "/dev/fd/", 8) != 0 || argv[0] == NULL)
    return;
  const char *base = strrchr (argv[0], '/');
  (void) prctl (PR_SET_NAME, base ? base + 1 : argv[0], 0, 0, 0);
}

/* The test-only way to leave the binary exposed: only for root in the
   initial user namespace, who could overwrite the binary directly. */
static bool
test_switch_off (void)
{
  const char *v = getenv (TEST_OFF_ENV);
  struct stat st;

  if (v == NULL || strcmp (v, "1") != 0)
    return false;
  if (getuid () != 0 || geteuid () != 0 || stat ("/proc/self/ns/user", &st) < 0
      || st.st_ino != INIT_USER_NS_INO)
    return false;
  log_warn ("%s=1: the runtime binary is left writable from containers (CVE-2019-5736)", TEST_OFF_ENV);
  return true;
}

/* The running binary opened through a read-only overlayfs, or -errno;
 *mount gets the overlay's mount (exe-overlay.h). */
static int
open_through_overlay (int *mount)
{
  char path[PATH_MAX];
  struct stat real, seen;
  ssize_t n = readlink (SELF_EXE, path, sizeof path - 1);

  if (n <= 0)
    return n < 0 ? -errno : -ENOENT;
  path[n] = '\0';
  char *slash = strrchr (path, '/');
  if (slash == NULL || stat (SELF_EXE, &real) < 0)
    return -ENOENT;
  *slash = '\0';
  _cleanup_close_ int dir = open (slash == path ? "/" : path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return -errno;
  _cleanup_close_ int fd = exe_overlay_open (dir, slash + 1, mount);
  if (fd < 0)
    return fd;
  /* The name may have been replaced since we started (an upgrade, or a
     deleted binary): then run the copy of what is running. */
  if (fstat (fd, &seen) < 0 || seen.st_ino != real.st_ino || seen.st_size != real.st_size
      || seen.st_mtim.tv_sec != real.st_mtim.tv_sec || seen.st_mtim.tv_nsec != real.st_mtim.tv_nsec)
    {
      cleanup_closep (mount);
      return -ESTALE;
    }
  return TAKE_FD (fd);
}

static int
copy_all (int out, int in, off_t size)
{
  off_t done = 0;

  while (done < size)
    {
      ssize_t n = sendfile (out, in, NULL, (size_t) (size - done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return n < 0 ? -errno : -EIO;
      done += n;
    }
  return 0;
}

/* A sealed memfd copy of the running binary, or -errno. */
static int
copy_to_sealed_memfd (void)
{
  struct stat st;
  _cleanup_close_ int in = open (SELF_EXE, O_RDONLY | O_CLOEXEC);

  if (in < 0 || fstat (in, &st) < 0)
    return -errno;
  _cleanup_close_ int fd = memfd_create ("ocirt", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create ("ocirt", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return -errno;
  int r = copy_all (fd, in, st.st_size);
  if (r < 0)
    return r;
  if (fcntl (fd, F_ADD_SEALS, REQUIRED_SEALS) < 0)
    return -errno;
  return TAKE_FD (fd);
}

/* The overlay's mount that whoever started us through it handed over
   (exe-overlay.h), or -1. */
static int exe_mount = -1;

int
self_protect_take_over_mount (void)
{
  const char *v = getenv (EXE_OVERLAY_MOUNT_ENV);
  struct statfs sfs;
  struct stat st;
  char *end;
  long fd;

  if (v == NULL)
    return -1;
  errno = 0;
  fd = strtol (v, &end, 10);
  unsetenv (EXE_OVERLAY_MOUNT_ENV);
  /* Not ours unless it is what the name says: then it is left alone. */
  if (errno || *end || end == v || fd < 3 || fd > INT_MAX || fstat ((int) fd, &st) < 0
      || !S_ISDIR (st.st_mode) || fstatfs ((int) fd, &sfs) < 0 || !is_readonly_overlay (&sfs))
    return -1;
  return fcntl ((int) fd, F_SETFD, FD_CLOEXEC) == 0 ? (int) fd : -1;
}

void
self_protect_release_mount (void)
{
  cleanup_closep (&exe_mount);
}

int
self_protect_exe (char **argv, struct ocirt_error **err)
{
  extern char **environ;
  _cleanup_close_ int mount = -1;

  exe_mount = self_protect_take_over_mount ();
  if (exe_is_protected ())
    {
      restore_comm (argv);
      return 0;
    }
  self_protect_release_mount ();
  if (test_switch_off ())
    return 0;
  _cleanup_close_ int fd = open_through_overlay (&mount);
  const char *how = "a read-only overlayfs view";
  if (fd < 0)
    {
      log_debug ("read-only overlayfs view of the runtime binary: %s; using a sealed memfd copy",
                 strerror (-fd));
      fd = copy_to_sealed_memfd ();
      if (fd < 0)
        return ocirt_error_set (err, -fd, "protect the runtime binary (CVE-2019-5736): sealed copy");
      how = "a sealed memfd copy";
    }
  /* The very check the new image makes on /proc/self/exe: if it failed
     there, we would re-execute forever. */
  if (!fd_is_sealed (fd))
    return ocirt_error_setx (err, EPERM, "protect the runtime binary (CVE-2019-5736): the copy is writable");
  log_debug ("the runtime binary is writable from containers (CVE-2019-5736): re-executing from %s", how);
  exe_overlay_hand_over (TAKE_FD (mount));
  execveat (fd, "", argv, environ, AT_EMPTY_PATH);
  return ocirt_error_set (err, errno, "protect the runtime binary (CVE-2019-5736): execveat");
}
