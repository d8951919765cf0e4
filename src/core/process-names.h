/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* Pure translations of the names config.json uses for per-process attributes
   into kernel values: no system calls, so they are unit-tested directly and
   usable by the semantic checks as well as by the init. Each returns the
   value (>= 0) or -1 for an unknown name. */

/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE (getrlimit(2) names, case-sensitive). */
int process_rlimit_from_name (const char *name);
/* "SCHED_OTHER" .. "SCHED_DEADLINE" -> policy number (SCHED_ISO = 4, which
   mainline kernels reject at sched_setattr time). */
int process_sched_policy_from_name (const char *name);
/* "SCHED_FLAG_RESET_ON_FORK" .. -> the sched_attr.sched_flags bit. */
int64_t process_sched_flag_from_name (const char *name);
/* "IOPRIO_CLASS_RT" | "IOPRIO_CLASS_BE" | "IOPRIO_CLASS_IDLE" -> class number. */
int process_ioprio_class_from_name (const char *name);
/* "LINUX" -> PER_LINUX, "LINUX32" -> PER_LINUX32. */
int64_t process_personality_from_domain (const char *domain);
/* "MPOL_DEFAULT" .. "MPOL_WEIGHTED_INTERLEAVE" -> set_mempolicy(2) mode. */
int process_mempolicy_mode_from_name (const char *name);
/* "MPOL_F_STATIC_NODES" | "MPOL_F_RELATIVE_NODES" | "MPOL_F_NUMA_BALANCING" -> mode flag. */
int process_mempolicy_flag_from_name (const char *name);

/* Largest id accepted in a CPU or node list: keeps the bitmap small even for a
   hostile "0-4294967295". The kernel's own limits (NR_CPUS 8192, 1024 nodes)
   are below it. */
#define PROCESS_ID_LIST_MAX 65535

/* Parses a kernel "list format" string such as "0-3,7" (ids and inclusive
   ranges, comma-separated; blanks and a trailing newline tolerated) into a
   bitmap of 64-bit words. *ret_bits (caller frees) has *ret_nwords words;
   an empty list gives NULL / 0. `what` names the field in errors. */
int process_parse_id_list (const char *list, const char *what, uint64_t **ret_bits, size_t *ret_nwords,
                           struct ocirt_error **err);
