/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

static int log_file_fd = -1;
static enum log_format log_fmt = LOG_FORMAT_TEXT;
static bool log_debug_on = false;

static const char *const level_names[] = {
  [LOG_LEVEL_ERROR] = "error",
  [LOG_LEVEL_WARNING] = "warning",
  [LOG_LEVEL_INFO] = "info",
  [LOG_LEVEL_DEBUG] = "debug",
};

int
log_init (const char *path, enum log_format format, bool debug)
{
  log_fmt = format;
  log_debug_on = debug;
  if (path == NULL)
    return 0;
  log_file_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_file_fd < 0)
    return -errno;
  return 0;
}

int
log_fd (void)
{
  return log_file_fd;
}

void
log_set_fd (int fd, enum log_format format, bool debug)
{
  log_file_fd = fd;
  log_fmt = format;
  log_debug_on = debug;
}

bool
log_debug_enabled (void)
{
  return log_debug_on;
}

/* RFC 3339 with nanoseconds, as containerd parses it. */
static void
format_time (char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  char base[32];

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

/* Appends `s` to `out` as the inside of a JSON string. */
static void
json_escape (FILE *out, const char *s)
{
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        fprintf (out, "\\%c", *p);
      else if (*p < 0x20)
        fprintf (out, "\\u%04x", *p);
      else
        fputc (*p, out);
    }
}

static void
write_record (int fd, enum log_level level, const char *msg)
{
  _cleanup_free_ char *line = NULL;
  size_t len = 0;
  char when[64];
  FILE *out;

  out = open_memstream (&line, &len);
  if (out == NULL)
    return;
  format_time (when, sizeof when);
  if (log_fmt == LOG_FORMAT_JSON)
    {
      fprintf (out, "{\"level\":\"%s\",\"msg\":\"", level_names[level]);
      json_escape (out, msg);
      fprintf (out, "\",\"time\":\"%s\"}\n", when);
    }
  else
    {
      fprintf (out, "time=\"%s\" level=%s msg=\"", when, level_names[level]);
      json_escape (out, msg);
      fputs ("\"\n", out);
    }
  if (fclose (out) != 0)
    return;
  /* One write(2) per record: O_APPEND keeps concurrent writers' lines whole. */
  (void) !write (fd, line, len);
}

void
log_write (enum log_level level, const char *fmt, ...)
{
  _cleanup_free_ char *msg = NULL;
  va_list ap;
  int saved = errno;

  if (level == LOG_LEVEL_DEBUG && !log_debug_on)
    return;
  if (level == LOG_LEVEL_INFO && !log_debug_on)
    return;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  if (msg != NULL && log_file_fd >= 0)
    write_record (log_file_fd, level, msg);
  /* Without a log file, warnings and debug records go to stderr in the same
     format (as runc); errors reach stderr from main only, once. */
  else if (msg != NULL && level != LOG_LEVEL_ERROR)
    write_record (STDERR_FILENO, level, msg);
  errno = saved;
}
