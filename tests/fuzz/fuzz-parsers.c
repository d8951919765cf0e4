/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the small parsers that take untrusted text: mount
   options (config.json), signal names (`kill`), container ids (every
   command) and parent/init sync messages. The first byte picks the parser. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mountopt.h"
#include "core/signals.h"
#include "core/spec.h"
#include "core/sync.h"

/* The rest of the input as options split at ',' (a NULL-terminated copy). */
static void
fuzz_mount_options (char *text)
{
  char *opts[64];
  size_t n = 0;
  struct mount_options mo;
  struct ocirt_error *err = NULL;

  for (char *tok = strtok (text, ","); tok && n < 64; tok = strtok (NULL, ","))
    opts[n++] = tok;
  memset (&mo, 0, sizeof mo);
  if (mountopt_parse (opts, n, &mo, &err) == 0)
    mountopt_clear (&mo);
  ocirt_error_free (err);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct ocirt_error *err = NULL;
  char *text, textbuf[SYNC_TEXT_MAX + 1];
  enum sync_type type;
  int32_t code;
  int sig;

  if (size < 1)
    return 0;
  text = strndup ((const char *) data + 1, size - 1);
  if (text == NULL)
    return 0;
  switch (data[0] % 4)
    {
    case 0:
      fuzz_mount_options (text);
      break;
    case 1:
      (void) signal_parse (text, &sig, &err);
      break;
    case 2:
      (void) spec_validate_id (text, &err);
      break;
    default:
      (void) sync_decode (data + 1, size - 1, &type, &code, textbuf, sizeof textbuf);
    }
  ocirt_error_free (err);
  free (text);
  return 0;
}
