/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "ocispec.h"
#include "util/error.h"

/* Per-process attributes the init applies to itself before execve (also used
   by `exec`). Each reads its part of the config, does nothing when that part
   is absent, and names the config field in its errors. The identity, the
   executable lookup, the cwd and fd hygiene are in process-exec.h. */

/* setrlimit (prlimit) for each process.rlimits[i]. An unknown type or soft >
   hard is an error naming process.rlimits[i]; so is EPERM from raising a hard
   limit without CAP_SYS_RESOURCE (runc fails the same way). */
int process_set_rlimits (const struct oci_process *p, struct ocirt_error **err);

/* Writes process.oomScoreAdj, only when present, to /proc/self/oom_score_adj
   opened through a procfs-verified fd (never a file bind-mounted over it). */
int process_set_oom_score_adj (const struct oci_process *p, struct ocirt_error **err);

/* sched_setattr(2) from process.scheduler (policy, nice, priority, flags,
   runtime/deadline/period; absent numbers are 0 as the spec says). */
int process_set_scheduler (const struct oci_process *p, struct ocirt_error **err);

/* ioprio_set(2) for the calling process from process.ioPriority. */
int process_set_io_priority (const struct oci_process *p, struct ocirt_error **err);

/* personality(2) from linux.personality (LINUX / LINUX32); flags are not
   defined by the spec yet: they are warned about and ignored, as runc does. */
int process_set_personality (const struct oci_personality *pers, struct ocirt_error **err);

/* sched_setaffinity(2) to a list such as "0-3,5" (execCPUAffinity.initial
   or .final); NULL or "" changes nothing, as the spec says for `final`. */
int process_set_cpu_affinity (const char *cpus, struct ocirt_error **err);

/* set_mempolicy(2) from linux.memoryPolicy, by syscall (no libnuma). */
int process_set_memory_policy (const struct oci_memory_policy *mp, struct ocirt_error **err);
