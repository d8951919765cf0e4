/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgroup-internal.h"

/* Writes the resources that cgroup2 handles on this host (everything on a
   pure v2 host; on a hybrid one, what no v1 hierarchy has) plus
   linux.resources.unified to the cgroup `dirfd`; `rules` become an eBPF
   device program when cgroup2 handles devices. */
int cgroup_v2_apply (const struct cgroup_layout *l, int dirfd, const char *path,
                     const struct oci_resources *res, const struct cgroup_dev_rule *rules, size_t n_rules,
                     bool update, struct ocirt_error **err);

/* Enables, in `parentfd`'s cgroup.subtree_control, the controllers cgroup2
   handles; a parent that refuses (it holds processes) only costs a debug
   log, the writes to the child then fail with a clear error. */
void cgroup_v2_enable_controllers (const struct cgroup_layout *l, int parentfd, const char *path);

/* The conversions of v1-style OCI values (see docs/cgroups.md). */
uint64_t cgroup_v2_cpu_weight (uint64_t shares);
uint64_t cgroup_v2_io_weight (uint64_t blkio_weight);
/* memory.swap.max from OCI's memory.swap (memory+swap) and memory.limit:
   -1 = "max"; returns -EINVAL when it cannot be expressed. */
int cgroup_v2_swap_max (int64_t limit, int64_t swap, int64_t *ret);
