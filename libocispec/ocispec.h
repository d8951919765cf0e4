/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Parsing and printing of the OCI documents. Every parse error names the JSON
   path and what was expected ("process.user.uid: expected an unsigned 32-bit
   integer, got string"); unknown properties are ignored, as the spec's
   "Extensibility" section requires. */

#include <stddef.h>

#include "../src/util/error.h"
#include "oci-config.h"

/* Parses a config.json document of `len` bytes. On success *ret is owned by
   the caller (oci_config_free). Checks JSON types, ranges and required
   properties only; semantic checks live in src/core/spec.c. Errors name the
   property ("process.cwd: ...") but not the document: the caller adds that. */
int oci_config_parse (const char *json, size_t len, struct oci_config **ret, struct ocirt_error **err);
/* Reads and parses the file at `path` (relative to `dirfd`, AT_FDCWD allowed);
   every error starts with `path` ("config.json: process.cwd: ..."). */
int oci_config_parse_file (int dirfd, const char *path, struct oci_config **ret, struct ocirt_error **err);
/* Prints `config` as indented JSON; *ret (NUL-terminated) is the caller's. */
int oci_config_to_json (const struct oci_config *config, char **ret, struct ocirt_error **err);
void oci_config_free (struct oci_config *config);

/* A single process object, as `exec --process FILE` takes it. */
int oci_process_parse (const char *json, size_t len, struct oci_process **ret, struct ocirt_error **err);
void oci_process_free (struct oci_process *process);

/* linux.resources alone, as `update --resources FILE` takes it. */
int oci_resources_parse (const char *json, size_t len, struct oci_resources **ret, struct ocirt_error **err);
int oci_resources_to_json (const struct oci_resources *resources, char **ret, struct ocirt_error **err);
void oci_resources_free (struct oci_resources *resources);

int oci_state_parse (const char *json, size_t len, struct oci_state **ret, struct ocirt_error **err);
/* Compact (single-line) JSON unless `pretty`: hooks read it on stdin. */
int oci_state_to_json (const struct oci_state *state, int pretty, char **ret, struct ocirt_error **err);
void oci_state_free (struct oci_state *state);

int oci_features_parse (const char *json, size_t len, struct oci_features **ret, struct ocirt_error **err);
int oci_features_to_json (const struct oci_features *features, char **ret, struct ocirt_error **err);
void oci_features_free (struct oci_features *features);

DEFINE_CLEANUP_FUNC (struct oci_config, oci_config_free)
DEFINE_CLEANUP_FUNC (struct oci_process, oci_process_free)
DEFINE_CLEANUP_FUNC (struct oci_resources, oci_resources_free)
DEFINE_CLEANUP_FUNC (struct oci_state, oci_state_free)
DEFINE_CLEANUP_FUNC (struct oci_features, oci_features_free)
#define _cleanup_config_ _cleanup_ (oci_config_freep)
#define _cleanup_process_ _cleanup_ (oci_process_freep)
#define _cleanup_resources_ _cleanup_ (oci_resources_freep)
#define _cleanup_state_ _cleanup_ (oci_state_freep)
#define _cleanup_features_ _cleanup_ (oci_features_freep)

/* Introspection for the schema-coverage test: whether the dotted property
   `path` ("linux.resources.memory.limit"; array elements are transparent, a
   map's values are "*": "linux.netDevices.*.name") of document `doc`
   ("config", "process", "resources", "state", "features") has a table row
   (1), lies under a property deliberately ignored (0, e.g. "windows"), or is
   unknown (-ENOENT); -EINVAL for an unknown `doc`. */
int ocispec_lookup_path (const char *doc, const char *path);
