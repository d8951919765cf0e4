/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The systemd cgroup driver (--systemd-cgroup), as runc's: the container's
   cgroup is a transient unit that systemd makes over D-Bus with the init in
   it; cgroupfs then writes what systemd has no property for and joins the
   hierarchies systemd does not manage. Its cgroup identifier (cgroup.h) is
   the unit's path, the same in every hierarchy, so every other cgroup call
   works on it unchanged. */

#include <sys/types.h>

#include "oci-config.h"
#include "util/error.h"

/* cgroup_plan for --systemd-cgroup: checks the org.systemd.property.*
   annotations, linux.cgroupsPath ("slice:prefix:name") and linux.resources,
   and that systemd answers on the system bus, before anything exists.
   *ret_path (the identifier) and *ret_unit (the unit's name) are the
   caller's. */
int cgroup_systemd_plan (const char *id, const struct oci_config *config, char **ret_path, char **ret_unit,
                         struct ocirt_error **err);

/* The part of cgroup_plan that is the driver's: the identifier for
   linux.cgroupsPath, once systemd is known to answer. */
int cgroup_systemd_check (const char *id, const char *cgroups_path, char **ret_path,
                          struct ocirt_error **err);

/* Starts the unit of container `id` with `pid` in it, waits for systemd to
   finish, then creates the cgroup in every other hierarchy, applies
   linux.resources through cgroupfs and moves `pid` into all of it. */
int cgroup_systemd_start (const char *id, const struct oci_config *config, pid_t pid,
                          struct ocirt_error **err);

/* Stops the unit and waits for it (a unit systemd does not know is fine).
   When the system bus cannot be reached it warns and succeeds: what is
   left of the cgroup is still removed by cgroup_destroy. */
int cgroup_systemd_stop (const char *unit, struct ocirt_error **err);

/* `update`: the unit properties for `res`, before cgroupfs writes them. */
int cgroup_systemd_update (const char *unit, const struct oci_resources *res, struct ocirt_error **err);
