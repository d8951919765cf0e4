/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the cgroup-*.c files only: the host's cgroup layout, the
   per-hierarchy paths of one container's cgroup, and file helpers. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-config.h"
#include "util/error.h"

/* One mounted cgroup hierarchy. */
struct cgroup_hier
{
  char *mount;      /* its mount point (under the test root, if one is set) */
  char *mount_root; /* the cgroup its mount shows at the mount point ("/" normally) */
  char *key;        /* v1: the mount's controller options ("cpu,cpuacct", "name=systemd"); v2: "" */
  char *own;        /* the cgroup of this process in it (/proc/self/cgroup) */
  bool v2;
};

struct cgroup_layout
{
  struct cgroup_hier *h;
  size_t n;
  int v2;                /* index of the cgroup2 hierarchy, or -1 */
  char **v2_controllers; /* the v2 root's cgroup.controllers (NULL-terminated) */
  bool test_mode;        /* a fake tree: writes append lines, no filesystem checks */
};

/* The host's layout, detected once per process (or in the test tree). */
int cgroup_layout_get (const struct cgroup_layout **ret, struct ocirt_error **err);

/* Index of the v1 hierarchy that has `controller`, or -1. */
int cgroup_layout_v1_index (const struct cgroup_layout *l, const char *controller);

/* Is `controller` available on the v2 hierarchy? */
bool cgroup_layout_v2_has (const struct cgroup_layout *l, const char *controller);

/* Does the host have `controller` anywhere (v1 hierarchy or v2)? */
bool cgroup_layout_has (const struct cgroup_layout *l, const char *controller);

/* Splits a cgroup identifier (see cgroup.h) into one path per hierarchy
   (NULL where the container has none); *ret has l->n entries, free with
   cgroup_paths_free. */
int cgroup_paths_parse (const struct cgroup_layout *l, const char *ident, char ***ret,
                        struct ocirt_error **err);
void cgroup_paths_free (char **paths, size_t n);

/* `path` relative to the mount point of `h` ("." for its top). */
const char *cgroup_hier_relpath (const struct cgroup_hier *h, const char *path);

/* Opens the directory of cgroup `path` in hierarchy `i` (O_DIRECTORY, or
   O_PATH with `flags`); never follows a symlink nor leaves the mount. */
int cgroup_hier_open (const struct cgroup_layout *l, size_t i, const char *path, int flags,
                      struct ocirt_error **err);

/* Writes `value` to `file` of the cgroup directory `dirfd`; `path` only
   names it in errors. In test mode appends value + "\n" instead. */
int cgroup_write (const struct cgroup_layout *l, int dirfd, const char *path, const char *file,
                  const char *value, struct ocirt_error **err);
int cgroup_writef (const struct cgroup_layout *l, int dirfd, const char *path, const char *file,
                   struct ocirt_error **err, const char *fmt, ...) __attribute__ ((format (printf, 6, 7)));

/* A cgroup file written several times through one open file (each
   write(2) is one value to the kernel, e.g. one device rule); fd is -1
   until the first write, and the caller's to close. */
struct cgroup_file
{
  const char *name;
  int fd;
};
int cgroup_write_kept (const struct cgroup_layout *l, int dirfd, struct cgroup_file *f, const char *path,
                       const char *value, struct ocirt_error **err);

/* pids.max from linux.resources.pids.limit: below 0 is "max", and 0 is "not
   set" (nothing written), as in runc. */
int cgroup_write_pids_limit (const struct cgroup_layout *l, int dirfd, const char *path, int64_t limit,
                             struct ocirt_error **err);

struct cgroup_join;
/* Adds what hierarchy `i` needs for a join (cgroup.h) of the cgroup open as
   `dirfd`: its `tasks` file on v1, a copy of `dirfd` on cgroup2. */
int cgroup_join_add (struct cgroup_join *j, const struct cgroup_layout *l, size_t i, int dirfd,
                     const char *path, struct ocirt_error **err);

/* Reads `file` of `dirfd` (trailing newline removed); *ret is the caller's. */
int cgroup_read (int dirfd, const char *file, char **ret);

/* Reads a file holding one number ("max" reads as UINT64_MAX). */
int cgroup_read_u64 (int dirfd, const char *file, uint64_t *ret);

/* Looks `key` up in a flat-keyed file ("key value" lines: memory.stat,
   cgroup.events, memory.events...). */
int cgroup_read_keyed (int dirfd, const char *file, const char *key, uint64_t *ret);

/* Collects the pids of cgroup.procs of `dirfd` and every cgroup below it. */
int cgroup_collect_pids (int dirfd, pid_t **pids, size_t *len);

/* A blkio / io "major:minor" device of a rule. */
#define CGROUP_DEV_FMT "%" PRId64 ":%" PRId64

/* One device cgroup rule, as applied in order (the last match wins). */
struct cgroup_dev_rule
{
  bool allow;
  char type;     /* 'a', 'c' or 'b' */
  int64_t major; /* -1: any */
  int64_t minor;
  char access[4]; /* subset of "rwm" */
};

/* The rules a container gets: linux.resources.devices, then an allow rule
   for each of linux.devices, then the devices every container may use. */
int cgroup_device_rules (const struct oci_linux *linux_, struct cgroup_dev_rule **ret, size_t *ret_len);

/* Which hierarchy handles a controller: on a hybrid host, v1 when a v1
   hierarchy has it, else cgroup2 (hugetlb on some hosts). `v1_name` is the
   v1 name ("blkio"); v2 names differ only for blkio ("io"). */
bool cgroup_v2_handles (const struct cgroup_layout *l, const char *v1_name);
