/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The top-level tables, for ocispec_lookup_path (). */

#include "ocispec-table.h"

extern const struct desc *const ocispec_config_desc;
extern const struct desc *const ocispec_process_desc;
extern const struct desc *const ocispec_resources_desc;
