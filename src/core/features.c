/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "core/features.h"
#include "core/seccomp.h"
#include "ocispec.h"

static const char *const hooks[]
    = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL };

/* The option strings the mount option parser (mountopt.c) knows, which are
   config.md's table plus the recursive ones of mount_setattr(2); "idmap",
   "ridmap" and "tmpcopyup" are parsed there but not applied yet, so they are
   not claimed. Keep in step with mountopt.c. */
static const char *const mount_options[] = {
  "async",
  "atime",
  "bind",
  "defaults",
  "dev",
  "diratime",
  "dirsync",
  "exec",
  "iversion",
  "lazytime",
  "loud",
  "mand",
  "noatime",
  "nodev",
  "nodiratime",
  "noexec",
  "noiversion",
  "nolazytime",
  "nomand",
  "norelatime",
  "nostrictatime",
  "nosuid",
  "nosymfollow",
  "private",
  "ratime",
  "rbind",
  "rdev",
  "rdiratime",
  "relatime",
  "remount",
  "rexec",
  "rnoatime",
  "rnodev",
  "rnodiratime",
  "rnoexec",
  "rnorelatime",
  "rnostrictatime",
  "rnosuid",
  "rnosymfollow",
  "ro",
  "rprivate",
  "rrelatime",
  "rro",
  "rrw",
  "rshared",
  "rslave",
  "rstrictatime",
  "rsuid",
  "rsymfollow",
  "runbindable",
  "rw",
  "shared",
  "silent",
  "slave",
  "strictatime",
  "suid",
  "symfollow",
  "sync",
  "unbindable",
  NULL,
};

static const char *const namespaces[]
    = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL };

static int
strv_copy (const char *const *list, char ***ret, size_t *ret_len)
{
  size_t n = 0;

  while (list[n])
    n++;
  if ((*ret = calloc (n + 1, sizeof **ret)) == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < n; i++)
    {
      if (((*ret)[i] = strdup (list[i])) == NULL)
        return -ENOMEM;
      *ret_len = i + 1;
    }
  return 0;
}

/* Every capability the running kernel knows (libcap asks it), as CAP_*
   names; numbers libcap has no name for are left out. */
static int
build_capabilities (struct oci_features_linux *l)
{
  int max = cap_max_bits ();

  if ((l->capabilities = calloc (max > 0 ? max : 1, sizeof *l->capabilities)) == NULL)
    return -ENOMEM;
  for (int i = 0; i < max; i++)
    {
      char *name = cap_to_name (i);
      char *upper;

      if (name == NULL)
        return -ENOMEM;
      upper = strncmp (name, "cap_", 4) == 0 ? strdup (name) : NULL;
      (void) cap_free (name);
      if (upper == NULL)
        continue;
      for (char *p = upper; *p; p++)
        *p = toupper ((unsigned char) *p);
      l->capabilities[l->capabilities_len++] = upper;
    }
  return 0;
}

/* An { "enabled": value } object. */
static struct oci_features_bool *
feature_bool (bool value)
{
  struct oci_features_bool *b = calloc (1, sizeof *b);

  if (b)
    {
      b->enabled = value;
      b->enabled_present = true;
    }
  return b;
}

static int
build_cgroup (struct oci_features_linux *l)
{
  struct oci_features_cgroup *cg = l->cgroup = calloc (1, sizeof *cg);

  if (cg == NULL)
    return -ENOMEM;
  /* cgroupfs drivers for both hierarchies (rdma included); no systemd driver. */
  cg->v1 = cg->v2 = cg->rdma = true;
  cg->v1_present = cg->v2_present = cg->systemd_present = cg->systemd_user_present = cg->rdma_present = true;
  return 0;
}

/* The seccomp vocabulary this build translates, and the filter flags the
   running kernel accepts. */
static int
build_seccomp (struct oci_features_seccomp *sc)
{
  static const struct
  {
    enum seccomp_name_kind kind;
    size_t list_offset, len_offset;
  } lists[] = {
    { SECCOMP_NAMES_ACTIONS, offsetof (struct oci_features_seccomp, actions),
      offsetof (struct oci_features_seccomp, actions_len) },
    { SECCOMP_NAMES_OPERATORS, offsetof (struct oci_features_seccomp, operators),
      offsetof (struct oci_features_seccomp, operators_len) },
    { SECCOMP_NAMES_ARCHS, offsetof (struct oci_features_seccomp, archs),
      offsetof (struct oci_features_seccomp, archs_len) },
    { SECCOMP_NAMES_FLAGS, offsetof (struct oci_features_seccomp, known_flags),
      offsetof (struct oci_features_seccomp, known_flags_len) },
  };
  _cleanup_free_ const char **flags = seccomp_feature_names (SECCOMP_NAMES_FLAGS);
  const char *supported[8] = { 0 };
  size_t n = 0;

  sc->enabled = sc->enabled_present = true;
  for (size_t i = 0; i < ARRAY_SIZE (lists); i++)
    {
      _cleanup_free_ const char **names = seccomp_feature_names (lists[i].kind);
      if (names == NULL
          || strv_copy (names, (char ***) ((char *) sc + lists[i].list_offset),
                        (size_t *) ((char *) sc + lists[i].len_offset))
                 < 0)
        return -ENOMEM;
    }
  for (size_t i = 0; flags && flags[i] && n + 1 < ARRAY_SIZE (supported); i++)
    if (seccomp_feature_flag_supported (flags[i]))
      supported[n++] = flags[i];
  return strv_copy (supported, &sc->supported_flags, &sc->supported_flags_len);
}

/* Only what is enforced is claimed: Intel RDT, idmapped mounts and
   netDevices are not applied, so each says enabled=false. */
static int
build_linux (struct oci_features_linux *l)
{
  l->seccomp = calloc (1, sizeof *l->seccomp);
  l->mount_extensions = calloc (1, sizeof *l->mount_extensions);
  if (l->seccomp == NULL || l->mount_extensions == NULL || build_seccomp (l->seccomp) < 0)
    return -ENOMEM;
#ifdef HAVE_APPARMOR
  l->apparmor = feature_bool (true);
#else
  l->apparmor = feature_bool (false);
#endif
#ifdef HAVE_SELINUX
  l->selinux = feature_bool (true);
#else
  l->selinux = feature_bool (false);
#endif
  l->intel_rdt = feature_bool (false);
  l->net_devices = feature_bool (false);
  l->mount_extensions->idmap = feature_bool (false);
  if (l->apparmor == NULL || l->selinux == NULL || l->intel_rdt == NULL || l->net_devices == NULL
      || l->mount_extensions->idmap == NULL)
    return -ENOMEM;
  if (strv_copy (namespaces, &l->namespaces, &l->namespaces_len) < 0 || build_capabilities (l) < 0
      || build_cgroup (l) < 0)
    return -ENOMEM;
  return 0;
}

static int
build_annotations (struct oci_features *f)
{
  struct oci_map *a = f->annotations = calloc (1, sizeof *a);

  if (a == NULL || (a->keys = calloc (1, sizeof *a->keys)) == NULL
      || (a->values = calloc (1, sizeof *a->values)) == NULL)
    return -ENOMEM;
  a->len = 1;
  a->keys[0] = strdup ("io.github.ocirt.version");
  a->values[0] = strdup (PACKAGE_VERSION);
  return a->keys[0] && a->values[0] ? 0 : -ENOMEM;
}

int
features_build (struct oci_features **ret, struct ocirt_error **err)
{
  _cleanup_features_ struct oci_features *f = calloc (1, sizeof *f);

  if (f == NULL || (f->linux_ = calloc (1, sizeof *f->linux_)) == NULL)
    return ocirt_error_set (err, ENOMEM, "features");
  f->oci_version_min = strdup ("1.0.0");
  f->oci_version_max = strdup (OCI_VERSION);
  if (f->oci_version_min == NULL || f->oci_version_max == NULL
      || strv_copy (hooks, &f->hooks, &f->hooks_len) < 0
      || strv_copy (mount_options, &f->mount_options, &f->mount_options_len) < 0 || build_annotations (f) < 0
      || build_linux (f->linux_) < 0)
    return ocirt_error_set (err, ENOMEM, "features");
  *ret = TAKE_PTR (f);
  return 0;
}
