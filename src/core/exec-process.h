/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "container.h"
#include "oci-config.h"
#include "util/error.h"

/* The process `exec` runs: the --process file as given, or a copy of the
   container's own process (`base`, may be NULL) with exec's flags applied
   on top (args, env, cwd, user, groups, caps, no_new_privs, labels, tty),
   as runc does. *ret is the caller's (oci_process_free). */
int exec_process_build (const struct exec_options *opts, const struct oci_process *base,
                        struct oci_process **ret, struct ocirt_error **err);
