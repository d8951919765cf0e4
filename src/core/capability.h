/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "ocispec.h"
#include "util/error.h"

/* Capabilities of the container process. The rule (runc's): an absent
   process.capabilities, or an absent set inside it, means that set is empty;
   so a config without capabilities runs with none at all. Names that the
   runtime or kernel does not know, and capabilities the runtime itself does
   not hold, are logged as warnings and skipped (spec 1.3: "SHOULD NOT fail"). */

/* The capability number of an exact "CAP_…" name (case-sensitive, like
   runc), or -1. Knows names up to CAP_CHECKPOINT_RESTORE, whatever the kernel. */
int capability_from_name (const char *name);

/* The "CAP_…" name of a capability number, or NULL. */
const char *capability_to_name (int cap);

/* The names known to this build and to the running kernel, in number order,
   for `features`: *ret_names (each string and the array) is the caller's. */
int capability_list_known (char ***ret_names, size_t *ret_len, struct ocirt_error **err);

/* Drops from the bounding set every capability not in caps->bounding (all
   of them when caps is NULL); *ret_bounding gets the bounding set left, as
   a mask. Needs CAP_SETPCAP: call before the uid change. */
int capability_drop_bounding (const struct oci_capabilities *caps, uint64_t *ret_bounding,
                              struct ocirt_error **err);

/* After process_change_user: sets effective, permitted and inheritable to
   exactly the configured sets (minus what cannot be granted: inheritable
   ones beyond `bounding`, the set capability_drop_bounding left, among
   them), raises the ambient set, and clears PR_SET_KEEPCAPS. */
int capability_apply (const struct oci_capabilities *caps, uint64_t bounding, struct ocirt_error **err);
