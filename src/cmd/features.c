/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "core/features.h"
#include "ocispec.h"

int
cmd_features (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err)
{
  _cleanup_features_ struct oci_features *features = NULL;
  _cleanup_free_ char *json = NULL;

  (void) global;
  if (argc > 1 && (strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0))
    {
      puts ("Usage: ocirt features\n\nPrint what this runtime supports, as the JSON document of the OCI "
            "runtime specification (features.md).");
      return 0;
    }
  if (argc > 1)
    return ocirt_error_setx (err, EINVAL, "features: unexpected argument `%s`", argv[1]);
  if (features_build (&features, err) < 0 || oci_features_to_json (features, &json, err) < 0)
    return -(*err)->code;
  /* The printer may or may not end the document with a newline. */
  if (fputs (json, stdout) == EOF || (json[0] && json[strlen (json) - 1] != '\n' && putchar ('\n') == EOF)
      || fflush (stdout) != 0)
    return ocirt_error_set (err, errno ? errno : EIO, "features: write to stdout");
  return 0;
}
