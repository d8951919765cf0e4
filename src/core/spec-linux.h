/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "oci-config.h"
#include "util/error.h"

/* The checks of the `linux` object of config.json (config-linux.md), part of
   spec_validate(); linux.resources is checked by spec_validate_resources(). */
int spec_validate_linux (const struct oci_linux *l, struct ocirt_error **err);

/* Checks a uid or gid mapping list (linux.uidMappings, mounts[i].gidMappings…)
   against the kernel's rules; messages name entries under `name`. */
int spec_check_id_mappings (const char *name, const struct oci_id_mapping *m, size_t len,
                            struct ocirt_error **err);

/* Checks linux.resources (also what `update --resources` takes); messages
   name fields under `prefix` ("linux.resources"). */
/* The prefix `update` checks its document with: some rules differ there
   (a swap limit may come without a memory limit, the cgroup has one). */
#define SPEC_UPDATE_PREFIX "resources"
int spec_validate_resources (const struct oci_resources *r, const char *prefix, struct ocirt_error **err);
