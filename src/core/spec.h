/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Semantic checks of a parsed config.json: what the parser (libocispec) cannot
   see from JSON types alone. Each check stops at the first problem and reports
   it as one line naming the field, e.g.
   `process.cwd: must be an absolute path, got "tmp"`. Nothing is created or
   changed on the host by any of these functions. */

#include <stdbool.h>

#include "oci-config.h"
#include "util/error.h"

/* Longest container id accepted (bytes, without the NUL). */
#define SPEC_ID_MAX 1024

/* Checks that `id` is a valid container id: [A-Za-z0-9_+-][A-Za-z0-9_+.-]*,
   at most SPEC_ID_MAX bytes (so never "", "." or ".."). */
int spec_validate_id (const char *id, struct ocirt_error **err);

/* Checks that `version` is a SemVer 2.0.0 string for a spec version this
   runtime accepts (1.0.0 up to any 1.3.x, pre-releases such as 1.0.2-dev too). */
int spec_validate_version (const char *version, struct ocirt_error **err);

/* Checks every semantic requirement of config.md and config-linux.md that can
   be verified before anything is created (`create`/`run`). Relative mount
   destinations are accepted with a deprecation warning. */
int spec_validate (const struct oci_config *config, struct ocirt_error **err);

/* The same checks for one `process` object. With `for_exec` (the process of
   `exec --process`) `cwd` may be absent: the caller then uses the container's. */
int spec_validate_process (const struct oci_process *process, bool for_exec, struct ocirt_error **err);

/* Helpers for the checks (and for code that acts on a validated config). */

/* Whether `s` is one of the strings of the NULL-terminated `list`. */
bool spec_in_list (const char *s, const char *const *list);
/* The entry of linux.namespaces with this type, or NULL (also when l is NULL). */
const struct oci_namespace *spec_find_namespace (const struct oci_linux *l, const char *type);
/* Whether `s` is a CPU or node list such as "0-3,7" (empty counts as valid). */
bool spec_cpu_list_valid (const char *s);
