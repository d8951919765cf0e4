/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-systemd-internal.h"
#include "cgroup-systemd.h"
#include "cgroup.h"
#include "util/fs.h"
#include "util/log.h"

/* The systemd driver's steps, in runc's order: systemd creates the unit
   with the init in it (and the cgroups of the hierarchies it manages), then
   cgroupfs makes the rest and writes every resource; delete stops the unit,
   then cgroupfs removes what is left. */

DEFINE_CLEANUP_FUNC (struct cgroup_sd_bus, cgroup_sd_bus_close)

static const char *
cgroups_path_of (const struct oci_config *config)
{
  return config->linux_ ? config->linux_->cgroups_path : NULL;
}

int
cgroup_systemd_check (const char *id, const char *cgroups_path, char **ret_path, struct ocirt_error **err)
{
  _cleanup_ (cgroup_sd_bus_closep) struct cgroup_sd_bus *b = NULL;
  struct cgroup_sd_unit u;
  int r = cgroup_sd_unit_parse (cgroups_path, id, &u, err);

  if (r < 0)
    return r;
  r = cgroup_sd_bus_open (&b, err);
  if (r == 0)
    *ret_path = TAKE_PTR (u.path);
  cgroup_sd_unit_release (&u);
  return r;
}

int
cgroup_systemd_plan (const char *id, const struct oci_config *config, char **ret_path, char **ret_unit,
                     struct ocirt_error **err)
{
  _cleanup_free_ char *path = NULL;
  struct cgroup_sd_props p = { 0 };
  struct cgroup_sd_unit u;
  int r = cgroup_sd_annotation_properties (config->annotations, &p, err);

  cgroup_sd_props_release (&p);
  if (r < 0)
    return r;
  r = cgroup_plan (id, config->linux_, true, &path, err);
  if (r < 0)
    return r;
  r = cgroup_sd_unit_parse (cgroups_path_of (config), id, &u, err);
  if (r < 0)
    return r;
  *ret_unit = TAKE_PTR (u.name);
  *ret_path = TAKE_PTR (path);
  cgroup_sd_unit_release (&u);
  return 0;
}

/* What the unit is started with: the fixed properties, the resources, the
   device policy, then the annotations (which may override the others). */
static int
unit_properties (const struct cgroup_sd_unit *u, const char *id, const struct oci_config *config, pid_t pid,
                 const struct cgroup_sd_host *h, struct cgroup_sd_props *p, struct ocirt_error **err)
{
  const struct oci_linux *linux_ = config->linux_;
  int r = cgroup_sd_base_properties (u, id, pid, h, p, err);

  if (r == 0)
    r = cgroup_sd_resource_properties (linux_ ? linux_->resources : NULL, h, p, err);
  if (r == 0)
    r = cgroup_sd_device_properties (linux_, h, p, err);
  if (r == 0)
    r = cgroup_sd_annotation_properties (config->annotations, p, err);
  for (size_t i = 0; r == 0 && log_debug_enabled () && i < p->n; i++)
    {
      _cleanup_free_ char *text = cgroup_sd_value_format (&p->v[i].value);
      log_debug ("unit %s: %s=%s", u->name, p->v[i].name, text ? text : "?");
    }
  return r;
}

static void
host_of (struct cgroup_sd_bus *b, struct cgroup_sd_host *h, char **proc_devices)
{
  *proc_devices = NULL;
  /* Only names majors for DeviceAllow ("char-pts"): without it, those rules
     stay with the devices cgroup alone. */
  if (fs_read_all (AT_FDCWD, "/proc/devices", proc_devices, NULL) < 0)
    *proc_devices = NULL;
  *h = (struct cgroup_sd_host){
    .v2 = cgroup_mode () == CGROUP_MODE_UNIFIED,
    .version = cgroup_sd_bus_version (b),
    .proc_devices = *proc_devices,
  };
}

int
cgroup_systemd_start (const char *id, const struct oci_config *config, pid_t pid, struct ocirt_error **err)
{
  _cleanup_ (cgroup_sd_bus_closep) struct cgroup_sd_bus *b = NULL;
  _cleanup_free_ char *proc_devices = NULL;
  struct cgroup_sd_props p = { 0 };
  struct cgroup_sd_host h;
  struct cgroup_sd_unit u;
  int r = cgroup_sd_unit_parse (cgroups_path_of (config), id, &u, err);

  if (r < 0)
    return r;
  r = cgroup_sd_bus_open (&b, err);
  if (r == 0)
    {
      host_of (b, &h, &proc_devices);
      r = unit_properties (&u, id, config, pid, &h, &p, err);
    }
  if (r == 0)
    r = cgroup_sd_bus_start (b, u.name, &p, err);
  cgroup_sd_props_release (&p);
  /* systemd made the cgroup in the hierarchies it manages and moved the
     init there; cgroupfs does the others and every resource file. */
  if (r == 0)
    r = cgroup_create (u.path, config->linux_, CGROUP_ANY, NULL, err);
  if (r >= 0)
    r = cgroup_enter (u.path, pid, err);
  cgroup_sd_unit_release (&u);
  return r;
}

int
cgroup_systemd_stop (const char *unit, struct ocirt_error **err)
{
  _cleanup_ (cgroup_sd_bus_closep) struct cgroup_sd_bus *b = NULL;
  _cleanup_error_ struct ocirt_error *bus_err = NULL;

  if (cgroup_sd_bus_open (&b, &bus_err) < 0)
    {
      /* Nothing can stop the unit; delete must still be able to finish. */
      log_warn ("%s; removing the cgroup of unit %s without systemd", bus_err->msg, unit);
      return 0;
    }
  return cgroup_sd_bus_stop (b, unit, err);
}

int
cgroup_systemd_update (const char *unit, const struct oci_resources *res, struct ocirt_error **err)
{
  _cleanup_ (cgroup_sd_bus_closep) struct cgroup_sd_bus *b = NULL;
  _cleanup_free_ char *proc_devices = NULL;
  struct cgroup_sd_props p = { 0 };
  struct cgroup_sd_host h;
  int r = cgroup_sd_bus_open (&b, err);

  if (r < 0)
    return r;
  host_of (b, &h, &proc_devices);
  r = cgroup_sd_resource_properties (res, &h, &p, err);
  if (r == 0 && p.n > 0)
    r = cgroup_sd_bus_set_properties (b, unit, &p, err);
  cgroup_sd_props_release (&p);
  return r;
}
