/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>

#include "cgroup-internal.h"

/* The device controller of cgroup v2 is an eBPF program of type
   BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. */

/* Compiles `rules` (last match wins, default deny) to a program; *ret is
   the caller's (free). */
int cgroup_devices_bpf_build (const struct cgroup_dev_rule *rules, size_t n, struct bpf_insn **ret,
                              size_t *ret_len);

/* Builds, loads and attaches the program to the cgroup directory `dirfd`
   (an O_RDONLY fd, not O_PATH). In test mode it only builds the program and
   records its size in the file "ocirt.devices-bpf". */
int cgroup_devices_bpf_apply (int dirfd, const struct cgroup_dev_rule *rules, size_t n, bool test_mode,
                              struct ocirt_error **err);
