/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `ocirt`: starts the runtime (ocirt-runtime) in this same process, already
   safe from CVE-2019-5736 when the command puts a process into a container.

   The runtime must never run inside a container from a file the container
   could reopen for writing through /proc/PID/exe (core/self-protect.c).
   Started from its own path it re-executes itself from a read-only overlayfs
   view of its binary: a second start of a glibc program, which on virtual
   machines costs about a millisecond (glibc probes the CPU with CPUID, one
   exit to the hypervisor each). This launcher, a small static program,
   makes the same view first and execveat()s the runtime through it, so the
   runtime starts once, protected, and skips its own re-execution (it checks
   the file it runs from, not anything we claim). Same pid, argv,
   environment and fds, so callers see one process, plus the overlay's
   mount, handed over for the runtime to close where that costs nothing
   (util/exe-overlay.h). Any failure here (no
   overlayfs, no privilege) falls back to starting the runtime from its
   path, and the runtime protects itself as before.

   For create and run it also begins the container's network namespace
   (util/ahead-net.h) when the bundle's config.json asks for one, and hands
   the helper over the same way: the namespace is then made while the
   runtime starts, by a task that shares none of the runtime's memory.

   Of the two builds of the runtime it prefers the static one,
   ocirt-runtime-static (musl: it starts in a tenth of a glibc start),
   when installed, except with --systemd-cgroup: the systemd driver needs
   libsystemd, which only the glibc build, ocirt-runtime, can load (the
   static one hands such commands over itself too, core/hand-off.c). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher/launcher-args.h"
#include "util/ahead-net.h"
#include "util/exe-overlay.h"

#define RUNTIME_NAME "ocirt-runtime"
#define STATIC_RUNTIME_NAME "ocirt-runtime-static"

/* Set by the tests that show the attack works without the protection; the
   runtime decides whether the caller may turn it off. */
#define TEST_OFF_ENV "OCIRT_TEST_UNPROTECTED_EXE"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static int
open_dir_with_runtime (const char *dir)
{
  int fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0 && faccessat (fd, RUNTIME_NAME, X_OK, 0) < 0)
    {
      close (fd);
      fd = -1;
    }
  return fd;
}

/* The directory of the runtime: ours (the build tree, or an install that
   keeps both side by side), else the one it was installed to. */
static int
find_runtime_dir (void)
{
  char self[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
  int fd;

  if (n > 0)
    {
      self[n] = '\0';
      char *slash = strrchr (self, '/');
      if (slash)
        {
          *slash = '\0';
          fd = open_dir_with_runtime (slash == self ? "/" : self);
          if (fd >= 0)
            return fd;
        }
    }
  return open_dir_with_runtime (OCIRT_PKGLIBEXECDIR);
}

/* create/run of a container that wants a network namespace of its own: the
   namespace begun now, before the runtime has even started (half a
   millisecond of kernel work, util/ahead-net.h), and handed over to it. */
static void
begin_net_ahead (const char *bundle)
{
  static char text[1 << 20]; /* pages only as far as read */
  char path[PATH_MAX];
  struct ahead_net n = AHEAD_NET_NONE;
  size_t len = 0;
  ssize_t got;
  int fd;

  if (bundle == NULL || snprintf (path, sizeof path, "%s/config.json", bundle) >= (int) sizeof path)
    return;
  /* Non-blocking: a fifo there must not hold us up (the runtime reports it). */
  fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return;
  while (len < sizeof text && (got = read (fd, text + len, sizeof text - len)) > 0)
    len += (size_t) got;
  close (fd);
  if (!ahead_text_wants_net (text, len))
    return;
  ahead_net_begin (&n);
  if (n.pid > 0 && !ahead_net_hand_over (&n))
    ahead_net_release (&n);
}

static _Noreturn void
fail (const char *what, const char *name)
{
  fprintf (stderr, "ocirt: %s%s: %s\n", what, name, strerror (errno));
  exit (EXIT_FAILURE);
}

int
main (int argc, char **argv)
{
  extern char **environ;
  const char *off = getenv (TEST_OFF_ENV), *name = RUNTIME_NAME;
  int dir = find_runtime_dir (), fd = -1, mount = -1;
  struct launcher_args args;

  if (dir < 0)
    fail ("find " RUNTIME_NAME " (next to ocirt, or in " OCIRT_PKGLIBEXECDIR ")", "");
  launcher_read_args (argc, argv, &args);
  begin_net_ahead (args.bundle);
  if (!args.systemd_cgroup && faccessat (dir, STATIC_RUNTIME_NAME, X_OK, 0) == 0)
    name = STATIC_RUNTIME_NAME;
  if (args.enters_container && !(off && strcmp (off, "1") == 0))
    fd = exe_overlay_open (dir, name, &mount);
  if (fd < 0)
    fd = openat (dir, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    fail ("open ", name);
  exe_overlay_hand_over (mount);
  syscall (SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
  fail ("execute ", name);
}
