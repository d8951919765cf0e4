/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEMPORARY: placeholders until the real command files land. */
#include "config.h"
#include <errno.h>
#include "cmd.h"
#define STUB(n) int cmd_##n (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err) \
  { return ocirt_error_setx (err, ENOSYS, #n ": not implemented yet"); }
STUB (create)
STUB (start)
STUB (run)
STUB (state)
STUB (kill)
STUB (delete)
STUB (list)
STUB (spec)
STUB (features)
int cmd_get_id (int argc, char **argv, int o, const char **r, struct ocirt_error **err) { return -ENOSYS; }
