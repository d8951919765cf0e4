/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>

#include "cmd.h"

int
cmd_get_id (int argc, char **argv, int first, const char **ret_id, struct ocirt_error **err)
{
  if (first >= argc)
    return ocirt_error_setx (err, EINVAL, "%s: missing container id (usage: ocirt %s [options] ID)", argv[0],
                             argv[0]);
  if (first + 1 < argc)
    return ocirt_error_setx (err, EINVAL, "%s: unexpected argument `%s`", argv[0], argv[first + 1]);
  *ret_id = argv[first];
  return 0;
}

int
cmd_bad_option (char **argv, int opt, struct ocirt_error **err)
{
  extern int optopt, optind;

  /* A short option at the end: glibc leaves optind on the argv's end, musl
     one past it (where argv[argc] is NULL). */
  if (opt == ':' && argv[optind - 1] == NULL)
    return ocirt_error_setx (err, EINVAL, "%s: option `-%c` needs a value", argv[0], optopt);
  if (opt == ':')
    return ocirt_error_setx (err, EINVAL, "%s: option `%s` needs a value", argv[0], argv[optind - 1]);
  if (optopt && optopt < 256)
    return ocirt_error_setx (err, EINVAL, "%s: unknown option `-%c`", argv[0], optopt);
  return ocirt_error_setx (err, EINVAL, "%s: unknown option `%s`", argv[0], argv[optind - 1]);
}
