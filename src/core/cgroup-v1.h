/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "cgroup-internal.h"

/* Writes the resources of the controllers that v1 hierarchy `idx` holds to
   the cgroup `dirfd` (`path` names it in errors). `rules` (device rules) are
   applied when non-NULL; `update` enables memory.checkBeforeUpdate. */
int cgroup_v1_apply (const struct cgroup_layout *l, size_t idx, int dirfd, const char *path,
                     const struct oci_resources *res, const struct cgroup_dev_rule *rules, size_t n_rules,
                     bool update, struct ocirt_error **err);

/* A new cpuset cgroup starts with no CPUs and no memory nodes, and no
   process can join it: copy them from the parent when empty. */
int cgroup_v1_cpuset_inherit (const struct cgroup_layout *l, int parentfd, int dirfd, const char *path,
                              struct ocirt_error **err);
