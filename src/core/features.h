/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "oci-config.h"
#include "util/error.h"

/* Builds the features document (features.md) of this build on this kernel.
   It claims only what the runtime really implements. *ret is the caller's
   (oci_features_free). */
int features_build (struct oci_features **ret, struct ocirt_error **err);
