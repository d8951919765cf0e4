/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "oci-config.h"
#include "util/error.h"

/* The CLONE_NEW* flag of a spec namespace type ("network" → CLONE_NEWNET),
   or 0 if unknown. */
int namespace_flag (const char *type);

/* The namespaces a config asks for: `new_flags` those to create,
   `join` those with a `path` (indexes into linux.namespaces). */
struct namespace_plan
{
  int new_flags;
  const struct oci_namespace *join[8];
  size_t n_join;
  const struct oci_namespace *join_pid; /* a pid namespace joined by path, if any */
};

void namespace_plan_make (const struct oci_linux *linux_, struct namespace_plan *plan);

/* Joins the namespace at `path` after checking it is of type `flag`
   (NS_GET_NSTYPE): a path to a namespace of another type is an error. */
int namespace_join (const char *path, int flag, struct ocirt_error **err);

/* Joins the linux.namespaces entry `ns` (one with a path), its errors
   prefixed with the entry. */
int namespace_join_entry (const struct oci_namespace *ns, struct ocirt_error **err);

/* Opens `path` and checks it is a namespace of type `flag`; returns the fd. */
int namespace_open (const char *path, int flag, struct ocirt_error **err);

/* Parent side: writes the uid/gid maps of the user namespace of `pid`. */
int namespace_write_id_maps (pid_t pid, const struct oci_linux *linux_, struct ocirt_error **err);

/* Brings up `lo` in the current (new) network namespace, as runc does. */
int namespace_loopback_up (struct ocirt_error **err);

/* The same with system calls only (no allocation, no lock: safe on a thread
   running while the process clones); returns 0 or -errno. */
int namespace_loopback_up_raw (void);

/* In a process that just unshared CLONE_NEWTIME: writes the offsets and
   moves the process itself into the new time namespace. */
int namespace_enter_time (const struct oci_time_offsets *offsets, struct ocirt_error **err);
