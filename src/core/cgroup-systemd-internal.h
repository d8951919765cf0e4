/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the cgroup-systemd*.c files (and their unit test) only: where a
   unit goes, the unit properties as values, and the D-Bus client. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-config.h"
#include "util/error.h"

/* --- the unit and its place (cgroup-systemd-path.c) ---------------------- */

struct cgroup_sd_unit
{
  char *slice; /* the slice it belongs to ("system.slice") */
  char *name;  /* "PREFIX-NAME.scope", or NAME itself when it ends in ".slice" */
  char *path;  /* its cgroup below each hierarchy's root ("/system.slice/ocirt-c1.scope") */
  bool is_slice;
};

void cgroup_sd_unit_release (struct cgroup_sd_unit *u);

/* Reads linux.cgroupsPath as "slice:prefix:name" (runc's systemd form; an
   empty slice is system.slice, an empty prefix gives "NAME.scope"); NULL or
   "" means "system.slice:ocirt:<id>". Fills *ret (release it). */
int cgroup_sd_unit_parse (const char *cgroups_path, const char *id, struct cgroup_sd_unit *ret,
                          struct ocirt_error **err);

/* The cgroup path of a slice: "a-b.slice" -> "/a.slice/a-b.slice",
   "-.slice" (the root slice) -> "/". *ret is the caller's. */
int cgroup_sd_expand_slice (const char *slice, char **ret, struct ocirt_error **err);

/* --- property values (cgroup-systemd-props.c) --------------------------- */

/* One D-Bus value: a basic one, an array or a struct. */
struct cgroup_sd_value
{
  char *sig; /* its D-Bus type: "t", "s", "as", "a(ss)", "ay"... */
  union
  {
    bool b;     /* "b" */
    int64_t i;  /* "n", "i", "x" */
    uint64_t u; /* "y", "q", "u", "t", "h" */
    double d;   /* "d" */
    char *s;    /* "s", "o", "g" */
  };
  struct cgroup_sd_value *items; /* array elements, struct members */
  size_t n_items;
};

struct cgroup_sd_prop
{
  char *name;
  struct cgroup_sd_value value;
};

/* A unit's properties, in the order they are sent. */
struct cgroup_sd_props
{
  struct cgroup_sd_prop *v;
  size_t n;
};

void cgroup_sd_value_release (struct cgroup_sd_value *v);
void cgroup_sd_props_release (struct cgroup_sd_props *p);

/* Appends NAME=value (taking the value over; released on failure). */
int cgroup_sd_props_add (struct cgroup_sd_props *p, const char *name, struct cgroup_sd_value *value);

/* The value as text, for logs and tests: "uint64 5", "true", "'x'",
   "[('/dev/null', 'rwm')]", "@as []". NULL when out of memory. */
char *cgroup_sd_value_format (const struct cgroup_sd_value *v);

/* What the host's systemd can take. */
struct cgroup_sd_host
{
  bool v2;                  /* cgroup2-only host: systemd's v2 properties */
  int version;              /* systemd's version, 0 if unknown */
  const char *proc_devices; /* /proc/devices, for device names ("char-pts") */
};

/* Description, Slice (Wants for a slice unit), Delegate, PIDs, accounting,
   DefaultDependencies: what every unit is started with. */
int cgroup_sd_base_properties (const struct cgroup_sd_unit *u, const char *id, pid_t pid,
                               const struct cgroup_sd_host *h, struct cgroup_sd_props *p,
                               struct ocirt_error **err);

/* linux.resources as unit properties, as runc maps them (docs/cgroups.md);
   device rules not included. */
int cgroup_sd_resource_properties (const struct oci_resources *res, const struct cgroup_sd_host *h,
                                   struct cgroup_sd_props *p, struct ocirt_error **err);

/* DevicePolicy and DeviceAllow for the container's device rules. */
int cgroup_sd_device_properties (const struct oci_linux *linux_, const struct cgroup_sd_host *h,
                                 struct cgroup_sd_props *p, struct ocirt_error **err);

/* Every "org.systemd.property.NAME" annotation, its value parsed as a
   GVariant text; NAMEs ending in a lower-case letter + "Sec" become "USec"
   with the number converted to microseconds (runc's rule). */
int cgroup_sd_annotation_properties (const struct oci_map *annotations, struct cgroup_sd_props *p,
                                     struct ocirt_error **err);

/* --- GVariant text values (cgroup-systemd-variant.c) --------------------- */

/* Parses `text` (e.g. "uint64 123", "'inactive-or-failed'", "true",
   "[1, 2]", "@as []") into *ret; the error says what is wrong where. */
int cgroup_sd_variant_parse (const char *text, struct cgroup_sd_value *ret, struct ocirt_error **err);

/* --- D-Bus (cgroup-systemd-dbus.c) -------------------------------------- */

struct cgroup_sd_bus;

/* Loads libsystemd, connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS, if
   set) and checks that org.freedesktop.systemd1 has an owner; otherwise
   fails with "systemd is not running: ...". */
int cgroup_sd_bus_open (struct cgroup_sd_bus **ret, struct ocirt_error **err);
void cgroup_sd_bus_close (struct cgroup_sd_bus *b);

/* systemd's version (the Manager's Version property), 0 if unknown. */
int cgroup_sd_bus_version (struct cgroup_sd_bus *b);

/* StartTransientUnit(unit, "replace", props) and waits for its job; a unit
   of that name left over (UnitExists) is reset and the start tried again
   once, as runc does. */
int cgroup_sd_bus_start (struct cgroup_sd_bus *b, const char *unit, const struct cgroup_sd_props *props,
                         struct ocirt_error **err);

/* StopUnit(unit, "replace") and waits for its job; a unit systemd does not
   know is already stopped. */
int cgroup_sd_bus_stop (struct cgroup_sd_bus *b, const char *unit, struct ocirt_error **err);

/* SetUnitProperties(unit, runtime, props). */
int cgroup_sd_bus_set_properties (struct cgroup_sd_bus *b, const char *unit,
                                  const struct cgroup_sd_props *props, struct ocirt_error **err);
