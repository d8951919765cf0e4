/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include "cleanup.h"

/* The one error type: an errno-style code and a message that gathers context
   as it climbs ("mounts[3]: mount `proc` on `/proc`: Operation not permitted").
   Functions that fail return a negative errno and fill the caller's
   `struct ocirt_error **err` (their last parameter) if it is still empty. */
struct ocirt_error
{
  int code; /* positive errno value, never 0 */
  char *msg;
};

/* Sets *err to fmt + ": strerror(errnum)" (the suffix only if errnum != 0) and
   returns -errnum (or -EINVAL when errnum is 0). Keeps an existing error. */
int ocirt_error_set (struct ocirt_error **err, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Like ocirt_error_set, but the code is `code` and no strerror text is added:
   for failures whose message already says everything. */
int ocirt_error_setx (struct ocirt_error **err, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prepends "context: " to the message of *err; returns -(*err)->code. */
int ocirt_error_prefix (struct ocirt_error **err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Builds an error from a code and a ready message (taken from another process). */
int ocirt_error_from (struct ocirt_error **err, int code, const char *msg);

void ocirt_error_free (struct ocirt_error *err);

/* Prints "ocirt: MSG\n" to `out` with control characters of MSG escaped
   (\xNN): a value quoted in a message must not split it into lines or
   reach the caller's terminal as an escape sequence. */
void ocirt_error_print (FILE *out, const char *msg);

/* strerror in Go's spelling ("no such file or directory"), for messages
   whose wording callers written against runc match. */
void ocirt_strerror_go (int errnum, char *buf, size_t len);
DEFINE_CLEANUP_FUNC (struct ocirt_error, ocirt_error_free)
#define _cleanup_error_ _cleanup_ (ocirt_error_freep)
