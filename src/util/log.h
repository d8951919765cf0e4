/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

enum log_level
{
  LOG_LEVEL_ERROR,
  LOG_LEVEL_WARNING,
  LOG_LEVEL_INFO,
  LOG_LEVEL_DEBUG,
};

enum log_format
{
  LOG_FORMAT_TEXT,
  LOG_FORMAT_JSON,
};

/* Sends records to `path` (appended; NULL = stderr only) in `format`. Without
   `debug` only warnings and errors are kept, so a failed command leaves
   exactly one error record (Podman parses the log file as one JSON object).
   Returns a negative errno if the file cannot be opened. */
int log_init (const char *path, enum log_format format, bool debug);

/* The fd the log file is written to, or -1: the init keeps it open so its
   own warnings reach the same place. */
int log_fd (void);

/* Adopts an already open log fd (used in the container's init process). */
void log_set_fd (int fd, enum log_format format, bool debug);

bool log_debug_enabled (void);

void log_write (enum log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

#define log_debug(...) log_write (LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_warn(...) log_write (LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_error(...) log_write (LOG_LEVEL_ERROR, __VA_ARGS__)
