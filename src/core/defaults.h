/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "oci-config.h"
#include "util/error.h"

/* The one place for the default configuration that `ocirt spec` writes: the
   equivalent of runc 1.1's `runc spec` (with `rootless`, of `runc spec
   --rootless`, mapping root in the container to the caller's euid/egid).
   Only the bounding, effective and permitted capability sets are given.
   *ret is the caller's (oci_config_free). */
int defaults_config (bool rootless, struct oci_config **ret, struct ocirt_error **err);
