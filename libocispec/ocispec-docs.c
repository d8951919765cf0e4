/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "ocispec-docs.h"
#include "ocispec-table.h"
#include "ocispec.h"

/* state.json (runtime.md "State", plus runc's rootfs/created/owner) and the
   features document (features.md, features-linux.md). */

#define T struct oci_state
static const struct field state_fields[] = {
  STR_REQ (T, "ociVersion", oci_version),
  STR_REQ (T, "id", id),
  /* runc's order: its callers' tests match the printed text. */
  PID_P (T, "pid", pid),
  STR_REQ (T, "status", status),
  STR_REQ (T, "bundle", bundle),
  STR (T, "rootfs", rootfs),
  STR (T, "created", created),
  STR (T, "owner", owner),
  MAP_STR (T, "annotations", annotations),
  END,
};
#undef T
DESC (oci_state, state_fields);

#define T struct oci_features_bool
static const struct field features_bool_fields[] = {
  BOOL_P (T, "enabled", enabled),
  END,
};
#undef T
DESC (oci_features_bool, features_bool_fields);

#define T struct oci_features_cgroup
static const struct field features_cgroup_fields[] = {
  BOOL_P (T, "v1", v1),           BOOL_P (T, "v2", v2),
  BOOL_P (T, "systemd", systemd), BOOL_P (T, "systemdUser", systemd_user),
  BOOL_P (T, "rdma", rdma),       END,
};
#undef T
DESC (oci_features_cgroup, features_cgroup_fields);

#define T struct oci_features_seccomp
static const struct field features_seccomp_fields[] = {
  BOOL_P (T, "enabled", enabled),
  ARR_STR (T, "actions", actions),
  ARR_STR (T, "operators", operators),
  ARR_STR (T, "archs", archs),
  ARR_STR (T, "knownFlags", known_flags),
  ARR_STR (T, "supportedFlags", supported_flags),
  END,
};
#undef T
DESC (oci_features_seccomp, features_seccomp_fields);

#define T struct oci_features_mount_extensions
static const struct field features_mount_extensions_fields[] = {
  OBJ (T, "idmap", idmap, oci_features_bool),
  END,
};
#undef T
DESC (oci_features_mount_extensions, features_mount_extensions_fields);

#define T struct oci_features_linux
static const struct field features_linux_fields[] = {
  ARR_STR (T, "namespaces", namespaces),
  ARR_STR (T, "capabilities", capabilities),
  OBJ (T, "cgroup", cgroup, oci_features_cgroup),
  OBJ (T, "seccomp", seccomp, oci_features_seccomp),
  OBJ (T, "apparmor", apparmor, oci_features_bool),
  OBJ (T, "selinux", selinux, oci_features_bool),
  OBJ (T, "intelRdt", intel_rdt, oci_features_bool),
  OBJ (T, "mountExtensions", mount_extensions, oci_features_mount_extensions),
  OBJ (T, "netDevices", net_devices, oci_features_bool),
  END,
};
#undef T
DESC (oci_features_linux, features_linux_fields);

#define T struct oci_features
static const struct field features_fields[] = {
  STR_REQ (T, "ociVersionMin", oci_version_min),
  STR_REQ (T, "ociVersionMax", oci_version_max),
  ARR_STR (T, "hooks", hooks),
  ARR_STR (T, "mountOptions", mount_options),
  OBJ (T, "linux", linux_, oci_features_linux),
  MAP_STR (T, "annotations", annotations),
  ARR_STR (T, "potentiallyUnsafeConfigAnnotations", potentially_unsafe_config_annotations),
  END,
};
#undef T
DESC (oci_features, features_fields);

int
oci_state_parse (const char *json, size_t len, struct oci_state **ret, struct ocirt_error **err)
{
  return ocispec_parse (&oci_state_desc, "state.json", false, json, len, (void **) ret, err);
}

int
oci_state_to_json (const struct oci_state *state, int pretty, char **ret, struct ocirt_error **err)
{
  return ocispec_print (&oci_state_desc, state, pretty, ret, err);
}

void
oci_state_free (struct oci_state *state)
{
  ocispec_free (&oci_state_desc, state);
}

int
oci_features_parse (const char *json, size_t len, struct oci_features **ret, struct ocirt_error **err)
{
  return ocispec_parse (&oci_features_desc, "features.json", false, json, len, (void **) ret, err);
}

int
oci_features_to_json (const struct oci_features *features, char **ret, struct ocirt_error **err)
{
  return ocispec_print (&oci_features_desc, features, true, ret, err);
}

void
oci_features_free (struct oci_features *features)
{
  ocispec_free (&oci_features_desc, features);
}

int
ocispec_lookup_path (const char *doc, const char *path)
{
  const struct desc *d = NULL;

  if (doc == NULL || path == NULL)
    return -EINVAL;
  if (strcmp (doc, "config") == 0)
    d = ocispec_config_desc;
  else if (strcmp (doc, "process") == 0)
    d = ocispec_process_desc;
  else if (strcmp (doc, "resources") == 0)
    d = ocispec_resources_desc;
  else if (strcmp (doc, "state") == 0)
    d = &oci_state_desc;
  else if (strcmp (doc, "features") == 0)
    d = &oci_features_desc;
  else
    return -EINVAL;
  return ocispec_lookup (d, path);
}
