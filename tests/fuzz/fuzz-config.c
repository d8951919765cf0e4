/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocispec.h"

/* libFuzzer target: every document parser on the same bytes; what parses
   is printed and must parse again to the same text (the printer never emits
   what the parser rejects). */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_config (const char *json, size_t size)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = NULL, *c2 = NULL;
  _cleanup_free_ char *out = NULL, *out2 = NULL;

  if (oci_config_parse (json, size, &c, &err) < 0)
    return;
  if (oci_config_to_json (c, &out, &err) < 0)
    abort ();
  if (oci_config_parse (out, strlen (out), &c2, &err) < 0 || oci_config_to_json (c2, &out2, &err) < 0)
    abort ();
  if (strcmp (out, out2) != 0)
    abort ();
}

static void
check_state (const char *json, size_t size)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_state_ struct oci_state *s = NULL;
  _cleanup_free_ char *out = NULL;

  if (oci_state_parse (json, size, &s, &err) == 0 && oci_state_to_json (s, 0, &out, &err) < 0)
    abort ();
}

static void
check_features (const char *json, size_t size)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_features_ struct oci_features *f = NULL;
  _cleanup_free_ char *out = NULL;

  if (oci_features_parse (json, size, &f, &err) == 0 && oci_features_to_json (f, &out, &err) < 0)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *json = (const char *) data;

  check_config (json, size);
  check_state (json, size);
  check_features (json, size);
  return 0;
}
