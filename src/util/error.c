/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Handed out when the error itself cannot be allocated; never freed. */
static struct ocirt_error error_oom = { ENOMEM, (char *) "out of memory" };

static int
error_store (struct ocirt_error **err, int code, char *msg)
{
  struct ocirt_error *e;

  if (code <= 0)
    code = EINVAL;
  if (err == NULL || *err != NULL)
    {
      /* The first error is the cause; later ones are consequences. */
      free (msg);
      return -(err && *err ? (*err)->code : code);
    }
  e = malloc (sizeof *e);
  if (e == NULL || msg == NULL)
    {
      /* Out of memory while reporting: keep the code, lose the text. */
      free (e);
      free (msg);
      *err = &error_oom;
      return -code;
    }
  e->code = code;
  e->msg = msg;
  *err = e;
  return -code;
}

static char *
vformat (const char *fmt, va_list ap)
{
  char *s = NULL;

  if (vasprintf (&s, fmt, ap) < 0)
    return NULL;
  return s;
}

int
ocirt_error_set (struct ocirt_error **err, int errnum, const char *fmt, ...)
{
  _cleanup_free_ char *base = NULL;
  char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  base = vformat (fmt, ap);
  va_end (ap);
  if (base == NULL)
    return error_store (err, errnum, NULL);
  if (errnum == 0)
    msg = TAKE_PTR (base);
  else if (asprintf (&msg, "%s: %s", base, strerror (errnum)) < 0)
    msg = NULL;
  return error_store (err, errnum, msg);
}

int
ocirt_error_setx (struct ocirt_error **err, int code, const char *fmt, ...)
{
  va_list ap;
  char *msg;

  va_start (ap, fmt);
  msg = vformat (fmt, ap);
  va_end (ap);
  return error_store (err, code, msg);
}

int
ocirt_error_prefix (struct ocirt_error **err, const char *fmt, ...)
{
  _cleanup_free_ char *ctx = NULL;
  char *msg = NULL;
  va_list ap;

  if (err == NULL || *err == NULL)
    return -EINVAL;
  va_start (ap, fmt);
  ctx = vformat (fmt, ap);
  va_end (ap);
  if (ctx == NULL || (*err)->msg == NULL || asprintf (&msg, "%s: %s", ctx, (*err)->msg) < 0)
    return -(*err)->code;
  free ((*err)->msg);
  (*err)->msg = msg;
  return -(*err)->code;
}

int
ocirt_error_from (struct ocirt_error **err, int code, const char *msg)
{
  return error_store (err, code, strdup (msg ? msg : "unknown error"));
}

void
ocirt_error_free (struct ocirt_error *err)
{
  if (err == NULL || err == &error_oom)
    return;
  free (err->msg);
  free (err);
}

void
ocirt_strerror_go (int errnum, char *buf, size_t len)
{
  snprintf (buf, len, "%s", strerror (errnum));
  buf[0] = (char) tolower ((unsigned char) buf[0]);
}

void
ocirt_error_print (FILE *out, const char *msg)
{
  fputs ("ocirt: ", out);
  for (const unsigned char *p = (const unsigned char *) msg; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      fprintf (out, "\\x%02x", *p);
    else
      fputc (*p, out);
  fputc ('\n', out);
}
