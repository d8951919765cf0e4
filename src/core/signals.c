/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/signals.h"

/* The real-time signals as runc and glibc number them: SIGRTMIN is 34 there,
   the kernel's 32 and 33 being glibc's own. musl keeps one more (its
   SIGRTMIN is 35), but the number sent is the kernel's, and callers name it
   as runc does, whichever C library built us. The top is the kernel's in
   both libraries. */
#define RT_MIN 34
#define RT_MAX SIGRTMAX

struct signal_entry
{
  const char *name; /* without "SIG" */
  int sig;
};

/* Canonical names before their aliases: signal_name returns the first match. */
static const struct signal_entry signals[] = {
  { "HUP", SIGHUP },       { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
  { "TRAP", SIGTRAP },     { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
  { "FPE", SIGFPE },       { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
#ifdef SIGSTKFLT
  { "STKFLT", SIGSTKFLT },
#endif
  { "CHLD", SIGCHLD },     { "CLD", SIGCHLD },  { "CONT", SIGCONT },     { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
  { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
  { "WINCH", SIGWINCH },   { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },
  { "SYS", SIGSYS },
};

/* A non-empty run of decimal digits, as an int no larger than `max`. */
static int
parse_small_number (const char *s, int max)
{
  long v;
  char *end;

  if (!isdigit ((unsigned char) *s))
    return -1;
  errno = 0;
  v = strtol (s, &end, 10);
  if (errno != 0 || *end != '\0' || v > max)
    return -1;
  return (int) v;
}

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (already upper-cased, no SIG). */
static int
parse_realtime (const char *name)
{
  int span = RT_MAX - RT_MIN;
  int n = 0;

  if (strncmp (name, "RTMIN", 5) == 0)
    {
      if (name[5] == '+')
        n = parse_small_number (name + 6, span);
      else if (name[5] != '\0')
        return -1;
      return n < 0 ? -1 : RT_MIN + n;
    }
  if (strncmp (name, "RTMAX", 5) == 0)
    {
      if (name[5] == '-')
        n = parse_small_number (name + 6, span);
      else if (name[5] != '\0')
        return -1;
      return n < 0 ? -1 : RT_MAX - n;
    }
  return -1;
}

static int
parse_name (const char *s)
{
  char upper[32];
  const char *name = upper;
  size_t len = strlen (s);

  if (len >= sizeof upper)
    return -1;
  for (size_t i = 0; i <= len; i++)
    upper[i] = (char) toupper ((unsigned char) s[i]);
  if (strncmp (name, "SIG", 3) == 0)
    name += 3;
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (strcmp (signals[i].name, name) == 0)
      return signals[i].sig;
  return parse_realtime (name);
}

int
signal_parse (const char *s, int *ret_sig, struct ocirt_error **err)
{
  int sig;

  if (s == NULL)
    s = "";
  if (isdigit ((unsigned char) s[0]))
    sig = parse_small_number (s, RT_MAX);
  else
    sig = parse_name (s);
  /* 0 is kill(2)'s existence check, which runc passes on too. */
  if (sig < 0 || (sig == 0 && !isdigit ((unsigned char) s[0])))
    return ocirt_error_setx (err, EINVAL, "unknown signal \"%s\"", s);
  *ret_sig = sig;
  return 0;
}

const char *
signal_name (int sig)
{
  static const char *const full[] = {
#define SIGNAME(n) [SIG##n] = "SIG" #n
    SIGNAME (HUP),    SIGNAME (INT),   SIGNAME (QUIT), SIGNAME (ILL),  SIGNAME (TRAP),
    SIGNAME (ABRT),   SIGNAME (BUS),   SIGNAME (FPE),  SIGNAME (KILL), SIGNAME (USR1),
    SIGNAME (SEGV),   SIGNAME (USR2),  SIGNAME (PIPE), SIGNAME (ALRM), SIGNAME (TERM),
#ifdef SIGSTKFLT
    SIGNAME (STKFLT),
#endif
    SIGNAME (CHLD),   SIGNAME (CONT),  SIGNAME (STOP), SIGNAME (TSTP), SIGNAME (TTIN),
    SIGNAME (TTOU),   SIGNAME (URG),   SIGNAME (XCPU), SIGNAME (XFSZ), SIGNAME (VTALRM),
    SIGNAME (PROF),   SIGNAME (WINCH), SIGNAME (IO),   SIGNAME (PWR),  SIGNAME (SYS),
#undef SIGNAME
  };
  static __thread char rt[32];
  int span = RT_MAX - RT_MIN;

  if (sig > 0 && (size_t) sig < sizeof full / sizeof full[0] && full[sig])
    return full[sig];
  if (sig < RT_MIN || sig > RT_MAX)
    return NULL;
  /* kill -l's convention: the lower half counts up from RTMIN, the upper
     half down from RTMAX. */
  if (sig == RT_MIN)
    snprintf (rt, sizeof rt, "SIGRTMIN");
  else if (sig == RT_MAX)
    snprintf (rt, sizeof rt, "SIGRTMAX");
  else if (sig - RT_MIN <= span / 2)
    snprintf (rt, sizeof rt, "SIGRTMIN+%d", sig - RT_MIN);
  else
    snprintf (rt, sizeof rt, "SIGRTMAX-%d", RT_MAX - sig);
  return rt;
}
