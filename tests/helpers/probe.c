/* SPDX-License-Identifier: GPL-2.0-or-later */
/* probe: runs as the process of a test container and reports, as JSON on
   stdout, what it sees from inside. Built static so it works in any rootfs.

     probe SECTION [ARGS]   prints one JSON object for that section
     probe all              prints one object holding every argument-less section

   A section that cannot read its source reports {"error": ..., "errno": N};
   operations on a path (read, write, stat, ls) then also exit 1, so both the
   exit status and the JSON tell the test what happened. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

/* ---- a minimal streaming JSON writer ---------------------------------- */

/* need_comma[depth] says whether the next value at that depth needs a comma. */
static bool need_comma[64];
static int depth;
static bool after_key;

static void
j_sep (void)
{
  if (after_key)
    after_key = false;
  else if (need_comma[depth])
    fputc (',', stdout);
  need_comma[depth] = true;
}

static void
j_raw_string (const char *s)
{
  fputc ('"', stdout);
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        printf ("\\%c", *p);
      else if (*p == '\n')
        fputs ("\\n", stdout);
      else if (*p < 0x20 || *p == 0x7f)
        printf ("\\u%04x", *p);
      else
        fputc (*p, stdout);
    }
  fputc ('"', stdout);
}

static void
j_open (char c)
{
  j_sep ();
  fputc (c, stdout);
  need_comma[++depth] = false;
}

static void
j_close (char c)
{
  depth--;
  fputc (c, stdout);
}

static void
j_key (const char *k)
{
  j_sep ();
  j_raw_string (k);
  fputc (':', stdout);
  after_key = true;
}

static void
j_str (const char *v)
{
  j_sep ();
  if (v == NULL)
    fputs ("null", stdout);
  else
    j_raw_string (v);
}

static void
j_int (long long v)
{
  j_sep ();
  printf ("%lld", v);
}

static void
j_uint (unsigned long long v)
{
  j_sep ();
  printf ("%llu", v);
}

static void
j_bool (bool v)
{
  j_sep ();
  fputs (v ? "true" : "false", stdout);
}

static void
kv_str (const char *k, const char *v)
{
  j_key (k);
  j_str (v);
}

static void
kv_int (const char *k, long long v)
{
  j_key (k);
  j_int (v);
}

static void
kv_uint (const char *k, unsigned long long v)
{
  j_key (k);
  j_uint (v);
}

/* Reports a failed call inside the current object; returns 1 (the exit status). */
static int
kv_error (const char *what, int errnum)
{
  char msg[512];

  snprintf (msg, sizeof msg, "%s: %s", what, strerror (errnum));
  kv_str ("error", msg);
  kv_int ("errno", errnum);
  return 1;
}

/* ---- small helpers ---------------------------------------------------- */

/* Reads a whole small file into buf (NUL-terminated). Returns bytes or -errno. */
static ssize_t
read_file (const char *path, char *buf, size_t size)
{
  size_t len = 0;
  ssize_t n;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return -errno;
  while (len < size - 1 && (n = read (fd, buf + len, size - 1 - len)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          close (fd);
          return -e;
        }
      len += n;
    }
  close (fd);
  buf[len] = '\0';
  return len;
}

static void
chomp (char *s)
{
  size_t n = strlen (s);

  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
    s[--n] = '\0';
}

/* Emits the value of each "Name:\tvalue" line of /proc/self/status whose name
   starts with `prefix` (exact match when `exact`). */
static int
status_lines (const char *prefix, bool exact)
{
  static char buf[16384];
  ssize_t n = read_file ("/proc/self/status", buf, sizeof buf);

  if (n < 0)
    return kv_error ("/proc/self/status", -n);
  for (char *line = strtok (buf, "\n"); line; line = strtok (NULL, "\n"))
    {
      char *colon = strchr (line, ':');
      char *value;

      if (colon == NULL)
        continue;
      *colon = '\0';
      if (exact ? strcmp (line, prefix) != 0 : strncmp (line, prefix, strlen (prefix)) != 0)
        continue;
      value = colon + 1;
      value += strspn (value, " \t");
      kv_str (line, value);
    }
  return 0;
}

/* Emits each line of a file as a string array under key `k`. */
static int
file_lines (const char *k, const char *path)
{
  static char buf[1 << 16];
  ssize_t n = read_file (path, buf, sizeof buf);

  if (n < 0)
    return kv_error (path, -n);
  j_key (k);
  j_open ('[');
  for (char *line = strtok (buf, "\n"); line; line = strtok (NULL, "\n"))
    j_str (line);
  j_close (']');
  return 0;
}

/* ---- sections without arguments --------------------------------------- */

static int
s_pid (void)
{
  kv_int ("pid", getpid ());
  kv_int ("ppid", getppid ());
  kv_int ("pgid", getpgid (0));
  kv_int ("sid", getsid (0));
  return 0;
}

static int
s_ids (void)
{
  gid_t groups[NGROUPS_MAX];
  int n = getgroups (NGROUPS_MAX, groups);
  mode_t mask = umask (0);

  umask (mask);
  kv_uint ("uid", getuid ());
  kv_uint ("euid", geteuid ());
  kv_uint ("gid", getgid ());
  kv_uint ("egid", getegid ());
  j_key ("groups");
  j_open ('[');
  for (int i = 0; i < n; i++)
    j_uint (groups[i]);
  j_close (']');
  kv_uint ("umask", mask);
  return 0;
}

static int
s_caps (void)
{
  return status_lines ("Cap", false);
}

static int
s_nnp (void)
{
  kv_int ("prctl", prctl (PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  return status_lines ("NoNewPrivs", true);
}

static int
s_seccomp (void)
{
  return status_lines ("Seccomp", false);
}

static int
s_mounts (void)
{
  return file_lines ("mountinfo", "/proc/self/mountinfo");
}

static int
s_cgroup (void)
{
  return file_lines ("cgroup", "/proc/self/cgroup");
}

static int
s_hostname (void)
{
  struct utsname u;

  if (uname (&u) < 0)
    return kv_error ("uname", errno);
  kv_str ("hostname", u.nodename);
  return 0;
}

static int
s_domainname (void)
{
  struct utsname u;

  if (uname (&u) < 0)
    return kv_error ("uname", errno);
  kv_str ("domainname", u.domainname);
  return 0;
}

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

/* Values as the config has them: RLIM_INFINITY is 2^64-1. */
static int
s_rlimits (void)
{
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    {
      struct rlimit rl;

      if (getrlimit (rlimits[i].resource, &rl) < 0)
        continue;
      j_key (rlimits[i].name);
      j_open ('{');
      kv_uint ("soft", rl.rlim_cur);
      kv_uint ("hard", rl.rlim_max);
      j_close ('}');
    }
  return 0;
}

/* Lists the open fds (minus the one used to list them) and their targets. */
static int
s_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *e;

  if (d == NULL)
    return kv_error ("/proc/self/fd", errno);
  j_key ("fds");
  j_open ('[');
  while ((e = readdir (d)) != NULL)
    {
      char link[64], target[PATH_MAX];
      ssize_t n;
      int fd;

      if (e->d_name[0] == '.')
        continue;
      fd = atoi (e->d_name);
      if (fd == dirfd (d))
        continue;
      snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
      n = readlink (link, target, sizeof target - 1);
      target[n < 0 ? 0 : n] = '\0';
      j_open ('{');
      kv_int ("fd", fd);
      kv_str ("target", target);
      j_close ('}');
    }
  j_close (']');
  closedir (d);
  return 0;
}

static int
s_env (void)
{
  j_key ("env");
  j_open ('[');
  for (char **e = environ; e && *e; e++)
    j_str (*e);
  j_close (']');
  return 0;
}

static int
s_cwd (void)
{
  char buf[PATH_MAX];

  if (getcwd (buf, sizeof buf) == NULL)
    return kv_error ("getcwd", errno);
  kv_str ("cwd", buf);
  return 0;
}

static int
s_ns (void)
{
  static const char *const names[] = {
    "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"
  };

  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    {
      char link[64], target[128];
      ssize_t n;

      snprintf (link, sizeof link, "/proc/self/ns/%s", names[i]);
      n = readlink (link, target, sizeof target - 1);
      if (n < 0)
        continue;
      target[n] = '\0';
      kv_str (names[i], target);
    }
  return 0;
}

static int
s_oom_score (void)
{
  char buf[64];
  ssize_t n = read_file ("/proc/self/oom_score_adj", buf, sizeof buf);

  if (n < 0)
    return kv_error ("/proc/self/oom_score_adj", -n);
  kv_int ("oom_score_adj", atoll (buf));
  return 0;
}

/* glibc has no wrapper for sched_getattr(2); this is its kernel ABI (v1). */
struct probe_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

static const char *
policy_name (int policy)
{
  switch (policy & ~SCHED_RESET_ON_FORK)
    {
    case SCHED_OTHER:
      return "SCHED_OTHER";
    case SCHED_FIFO:
      return "SCHED_FIFO";
    case SCHED_RR:
      return "SCHED_RR";
    case SCHED_BATCH:
      return "SCHED_BATCH";
    case SCHED_IDLE:
      return "SCHED_IDLE";
#ifdef SCHED_DEADLINE
    case SCHED_DEADLINE:
      return "SCHED_DEADLINE";
#endif
    default:
      return "unknown";
    }
}

static int
s_sched (void)
{
  struct probe_sched_attr a = { 0 };

  errno = 0;
  kv_int ("nice", getpriority (PRIO_PROCESS, 0));
  if (syscall (SYS_sched_getattr, 0, &a, sizeof a, 0) < 0)
    return kv_error ("sched_getattr", errno);
  kv_str ("policy", policy_name (a.sched_policy));
  kv_uint ("priority", a.sched_priority);
  kv_uint ("flags", a.sched_flags);
  kv_uint ("runtime", a.sched_runtime);
  kv_uint ("deadline", a.sched_deadline);
  kv_uint ("period", a.sched_period);
  return 0;
}

static int
s_personality (void)
{
  int p = personality (0xffffffff);

  if (p < 0)
    return kv_error ("personality", errno);
  kv_int ("personality", p);
  kv_str ("domain", (p & PER_MASK) == PER_LINUX32 ? "LINUX32"
                    : (p & PER_MASK) == PER_LINUX ? "LINUX"
                                                  : "other");
  return 0;
}

static int
s_affinity (void)
{
  cpu_set_t set;

  CPU_ZERO (&set);
  if (sched_getaffinity (0, sizeof set, &set) < 0)
    return kv_error ("sched_getaffinity", errno);
  j_key ("cpus");
  j_open ('[');
  for (int i = 0; i < CPU_SETSIZE; i++)
    if (CPU_ISSET (i, &set))
      j_int (i);
  j_close (']');
  return status_lines ("Mems_allowed_list", true);
}

/* ioprio_get(2) has no glibc wrapper either; the class is in the top 3 bits. */
static int
s_ioprio (void)
{
  static const char *const classes[]
      = { "IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
  long v = syscall (SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);

  if (v < 0)
    return kv_error ("ioprio_get", errno);
  kv_str ("class", (v >> 13) < 4 ? classes[v >> 13] : "unknown");
  kv_int ("priority", v & 0x1fff);
  return 0;
}

static int
s_tty (void)
{
  for (int fd = 0; fd <= 2; fd++)
    {
      char k[8];
      char *name = isatty (fd) ? ttyname (fd) : NULL;

      snprintf (k, sizeof k, "%d", fd);
      j_key (k);
      j_open ('{');
      j_key ("isatty");
      j_bool (isatty (fd));
      kv_str ("ttyname", name);
      j_close ('}');
    }
  kv_int ("foreground_pgrp", tcgetpgrp (0));
  return 0;
}

/* ---- sections with arguments ------------------------------------------ */

static int
s_sysctl (const char *name)
{
  char path[PATH_MAX], buf[4096];
  ssize_t n;

  snprintf (path, sizeof path, "/proc/sys/%s", name);
  for (char *p = path + strlen ("/proc/sys/"); *p; p++)
    if (*p == '.')
      *p = '/';
  kv_str ("name", name);
  n = read_file (path, buf, sizeof buf);
  if (n < 0)
    return kv_error (path, -n);
  chomp (buf);
  kv_str ("value", buf);
  return 0;
}

static const char *
type_name (mode_t m)
{
  switch (m & S_IFMT)
    {
    case S_IFREG:
      return "file";
    case S_IFDIR:
      return "dir";
    case S_IFLNK:
      return "symlink";
    case S_IFCHR:
      return "char";
    case S_IFBLK:
      return "block";
    case S_IFIFO:
      return "fifo";
    case S_IFSOCK:
      return "socket";
    default:
      return "unknown";
    }
}

/* lstat: a symlink is reported as one, with its target. */
static int
s_stat (const char *path)
{
  struct stat st;

  kv_str ("path", path);
  if (lstat (path, &st) < 0)
    return kv_error ("lstat", errno);
  kv_str ("type", type_name (st.st_mode));
  kv_uint ("mode", st.st_mode & 07777);
  kv_uint ("major", major (st.st_rdev));
  kv_uint ("minor", minor (st.st_rdev));
  kv_uint ("uid", st.st_uid);
  kv_uint ("gid", st.st_gid);
  kv_int ("size", st.st_size);
  if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlink (path, target, sizeof target - 1);

      target[n < 0 ? 0 : n] = '\0';
      kv_str ("target", target);
    }
  return 0;
}

static int
s_read (const char *path)
{
  static char buf[1 << 20];
  ssize_t n;

  kv_str ("path", path);
  n = read_file (path, buf, sizeof buf);
  if (n < 0)
    return kv_error ("read", -n);
  kv_str ("content", buf);
  return 0;
}

static int
s_write (const char *path, const char *text)
{
  size_t len = strlen (text);
  int fd;

  kv_str ("path", path);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return kv_error ("open", errno);
  if (write (fd, text, len) != (ssize_t) len)
    {
      int e = errno;
      close (fd);
      return kv_error ("write", e);
    }
  if (close (fd) < 0)
    return kv_error ("close", errno);
  j_key ("written");
  j_bool (true);
  return 0;
}

static int
s_ls (const char *path)
{
  DIR *d = opendir (path);
  struct dirent *e;

  kv_str ("path", path);
  if (d == NULL)
    return kv_error ("opendir", errno);
  j_key ("entries");
  j_open ('[');
  while ((e = readdir (d)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      j_str (e->d_name);
  j_close (']');
  closedir (d);
  return 0;
}

/* Prints "ready", then blocks every catchable signal and waits for one.
   Blocking (rather than SIG_DFL) matters as pid 1: the kernel drops signals
   that init has no handler for, but queues blocked ones. */
static int
signal_wait (void)
{
  sigset_t all;
  siginfo_t info;
  int sig;

  sigfillset (&all);
  sigprocmask (SIG_BLOCK, &all, NULL);
  puts ("ready");
  fflush (stdout);
  do
    sig = sigwaitinfo (&all, &info);
  while (sig < 0 && errno == EINTR);
  if (sig < 0)
    return kv_error ("sigwaitinfo", errno);
  j_open ('{');
  kv_int ("signal", sig);
  kv_str ("name", sigabbrev_np (sig));
  kv_int ("sender_pid", info.si_pid);
  j_close ('}');
  return 0;
}

/* ---- dispatch ---------------------------------------------------------- */

static const struct
{
  const char *name;
  int (*fn) (void);
} sections[] = {
  { "pid", s_pid },
  { "ids", s_ids },
  { "caps", s_caps },
  { "mounts", s_mounts },
  { "cgroup", s_cgroup },
  { "hostname", s_hostname },
  { "domainname", s_domainname },
  { "rlimits", s_rlimits },
  { "fds", s_fds },
  { "env", s_env },
  { "cwd", s_cwd },
  { "nnp", s_nnp },
  { "ns", s_ns },
  { "oom-score", s_oom_score },
  { "sched", s_sched },
  { "personality", s_personality },
  { "affinity", s_affinity },
  { "seccomp", s_seccomp },
  { "ioprio", s_ioprio },
  { "tty", s_tty },
};

static void
usage (FILE *out)
{
  fputs ("usage: probe all | exit N | sleep SECONDS | signal-wait | sysctl NAME | stat PATH | read PATH\n"
         "             | write PATH TEXT | ls PATH",
         out);
  for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
    fprintf (out, " | %s", sections[i].name);
  fputc ('\n', out);
}

/* Runs one section wrapped in its own object. */
static int
object (int (*fn) (void))
{
  int r;

  j_open ('{');
  r = fn ();
  j_close ('}');
  return r;
}

static int
all (void)
{
  j_open ('{');
  for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
    {
      j_key (sections[i].name);
      object (sections[i].fn);
    }
  j_close ('}');
  return 0;
}

static int
with_path (const char *cmd, int argc, char **argv)
{
  int r;

  if (argc != (strcmp (cmd, "write") == 0 ? 4 : 3))
    {
      usage (stderr);
      return 2;
    }
  j_open ('{');
  if (strcmp (cmd, "sysctl") == 0)
    r = s_sysctl (argv[2]);
  else if (strcmp (cmd, "stat") == 0)
    r = s_stat (argv[2]);
  else if (strcmp (cmd, "read") == 0)
    r = s_read (argv[2]);
  else if (strcmp (cmd, "ls") == 0)
    r = s_ls (argv[2]);
  else
    r = s_write (argv[2], argv[3]);
  j_close ('}');
  return r;
}

/* sd_notify(3) by hand: MESSAGE as one datagram to $NOTIFY_SOCKET. */
static int
notify (const char *message)
{
  const char *path = getenv ("NOTIFY_SOCKET");
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (path == NULL || strlen (path) >= sizeof addr.sun_path)
    {
      fprintf (stderr, "probe: NOTIFY_SOCKET is not set or too long\n");
      return 1;
    }
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || sendto (fd, message, strlen (message), 0, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      fprintf (stderr, "probe: notify %s: %s\n", path, strerror (errno));
      return 1;
    }
  close (fd);
  j_open ('{');
  kv_str ("notified", path);
  j_close ('}');
  return 0;
}

static int
dispatch (int argc, char **argv)
{
  const char *cmd = argv[1];

  if (strcmp (cmd, "all") == 0)
    return all ();
  if (strcmp (cmd, "exit") == 0 && argc == 3)
    exit (atoi (argv[2]));
  if (strcmp (cmd, "sleep") == 0 && argc == 3)
    {
      sleep (atoi (argv[2]));
      j_open ('{');
      kv_int ("slept", atoi (argv[2]));
      j_close ('}');
      return 0;
    }
  if (strcmp (cmd, "signal-wait") == 0)
    return signal_wait ();
  if (strcmp (cmd, "notify") == 0 && argc == 3)
    return notify (argv[2]);
  if (strcmp (cmd, "sysctl") == 0 || strcmp (cmd, "stat") == 0 || strcmp (cmd, "read") == 0
      || strcmp (cmd, "write") == 0 || strcmp (cmd, "ls") == 0)
    return with_path (cmd, argc, argv);
  for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
    if (strcmp (cmd, sections[i].name) == 0 && argc == 2)
      return object (sections[i].fn);
  usage (stderr);
  return 2;
}

int
main (int argc, char **argv)
{
  int r;

  if (argc < 2)
    {
      usage (stderr);
      return 2;
    }
  r = dispatch (argc, argv);
  if (r != 2)
    fputc ('\n', stdout);
  fflush (stdout);
  return r;
}
