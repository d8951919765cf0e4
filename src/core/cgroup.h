/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <linux/sched.h>

/* Control groups of containers, driver-neutral: v1, v2 and hybrid hosts.

   A container's cgroup is named by an identifier string, made by
   cgroup_plan and stored in state.json, that later commands hand back:
   - "/a/b" when the container's cgroup has that path in every hierarchy
     (an absolute linux.cgroupsPath, or a relative one on a host where the
     runtime sits in the same cgroup everywhere);
   - otherwise one "KEY:PATH" line per hierarchy, KEY being the hierarchy's
     controllers as /proc/self/cgroup names them ("cpu,cpuacct",
     "name=systemd", "" for cgroup2), e.g. "memory:/user/1/c1\n:/c1".
   The identifier is opaque to the callers. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-config.h"
#include "util/error.h"

enum cgroup_mode
{
  CGROUP_MODE_NONE,    /* no cgroup file system mounted */
  CGROUP_MODE_LEGACY,  /* v1 controllers only */
  CGROUP_MODE_HYBRID,  /* v1 controllers plus a cgroup2 mount */
  CGROUP_MODE_UNIFIED, /* cgroup2 only */
};

/* How this host mounts its cgroups (detected once per process). */
enum cgroup_mode cgroup_mode (void);

/* One host mount of a cgroup hierarchy, as detected once per process (and
   kept for its life): where it is mounted, which cgroup the mount shows
   there ("/" normally), and its controllers as /proc/self/cgroup names them
   ("cpu,cpuacct", "name=systemd"; "" for cgroup2). */
struct cgroup_host_mount
{
  const char *mountpoint, *mount_root, *controllers;
};

/* The v1 hierarchies, or the cgroup2 one (at most one entry); *ret is the
   caller's to free (not the strings). */
int cgroup_host_mounts (bool v2, struct cgroup_host_mount **ret, size_t *ret_n, struct ocirt_error **err);

/* Decides where the cgroup of container `id` goes and checks, before
   anything exists, that linux.resources can be applied on this host.
   linux.cgroupsPath absolute: that path under each hierarchy's root;
   relative or absent (then the id, as runc): below the runtime's own cgroup
   in each v1 hierarchy, below the parent of its own cgroup on cgroup2.
   `systemd` (--systemd-cgroup): linux.cgroupsPath is "slice:prefix:name"
   and the identifier the unit's path (cgroup-systemd.h); fails when systemd
   does not answer on the system bus. *ret_path (the identifier, the caller's)
   is NULL when the host has no cgroups and nothing asks for them. */
int cgroup_plan (const char *id, const struct oci_linux *linux_, bool systemd, char **ret_path,
                 struct ocirt_error **err);

/* For `exec --cgroup`: the identifier of the sub-cgroups the specs name
   below the container's cgroup `ident`. A spec is PATH (every hierarchy) or
   CONTROLLER[,CONTROLLER...]:PATH, PATH relative and without ".." ("/" is
   the container's cgroup itself); a controller-specific spec wins over a
   general one. *ret is the caller's. Identifiers are opaque: never append to
   one directly. */
int cgroup_sub_ident (const char *ident, char *const *specs, size_t n_specs, char **ret,
                      struct ocirt_error **err);

struct cgroup_join;

/* Which hierarchies a call is about. */
enum cgroup_kind
{
  CGROUP_V1 = 1,
  CGROUP_V2 = 2,
  CGROUP_ANY = CGROUP_V1 | CGROUP_V2,
};

/* Creates the cgroup in every hierarchy of `kinds` (v1 controllers,
   cgroup2) and applies linux.resources (`linux_` may be NULL), with the
   device rules that linux.devices and the standard devices need.
   Idempotent. With `ret_join`, also what the init needs to join it
   (cgroup_join_prepare's result for those hierarchies, from the
   directories already open here); untouched on failure. Returns 1 when
   the cgroup was there already in some of them (it may hold processes), 0
   when it was made in every one. */
int cgroup_create (const char *path, const struct oci_linux *linux_, enum cgroup_kind kinds,
                   struct cgroup_join *ret_join, struct ocirt_error **err);

/* Moves `pid` into the container's cgroup in every hierarchy. */
int cgroup_enter (const char *path, pid_t pid, struct ocirt_error **err);

/* The init's way into its cgroup, without the cost of a move by pid: a
   move through cgroup.procs takes the kernel's global threadgroup lock, and
   every taking of it waits for an RCU grace period (milliseconds, the
   largest single cost of `create` on a v1 host). Instead the init is cloned
   straight into its cgroup2 cgroup (clone3 CLONE_INTO_CGROUP with v2_fd)
   and moves itself in each v1 hierarchy by writing "0" to `tasks`, which
   for a single-threaded process skips that lock (Linux 6.5+; older kernels
   take it, no harm done). The files are opened here by the runtime, and v1
   checks the opener's credentials: the init may already be in a new user
   namespace when it writes. */
struct cgroup_join_file
{
  int fd;      /* the v1 `tasks` file, write-only */
  size_t hier; /* which hierarchy, for messages */
};
struct cgroup_join
{
  struct cgroup_join_file *v1;
  size_t n_v1;
  int v2_fd; /* the cgroup2 directory (O_PATH), or -1 */
};

/* Opens what cgroup_join_self and clone3 need for the cgroup `ident`;
   release with cgroup_join_release. */
int cgroup_join_prepare (const char *ident, struct cgroup_join *ret, struct ocirt_error **err);

/* In the (single-threaded) process to move: joins every v1 hierarchy, then
   releases `j`. */
int cgroup_join_self (struct cgroup_join *j, struct ocirt_error **err);

/* Sends the v1 files of `j` over the unix socket `sock` (one datagram),
   for a process made before they were opened. */
int cgroup_join_send (int sock, const struct cgroup_join *j, struct ocirt_error **err);

/* Receives what cgroup_join_send sent: *ret holds the files (no cgroup2
   directory); release with cgroup_join_release. */
int cgroup_join_receive (int sock, struct cgroup_join *ret, struct ocirt_error **err);

/* clone3(2) with `args`, into the cgroup2 cgroup of `j` when it has one.
   Where the kernel lacks CLONE_INTO_CGROUP it clones without it and clears
   *joins_itself first (the child sees that too): the caller then moves the
   child by pid (cgroup_enter). Returns as clone3 does: 0 in the child. */
pid_t cgroup_clone3 (struct clone_args *args, const struct cgroup_join *j, bool *joins_itself);

/* What /proc/PID/cgroup will say, for the v1 hierarchies, of a child of
   ours that joined the cgroup `ident` where it has one (cgroup_join_self)
   and stayed in ours elsewhere: "N:KEY:PATH" lines; *ret is the caller's. */
int cgroup_member_text (const char *ident, char **ret, struct ocirt_error **err);

/* Closes the fds of `j`; safe on a zeroed join with v2_fd -1. */
void cgroup_join_release (struct cgroup_join *j);

/* Sends `sig` to every process of the cgroup and its sub-cgroups: cgroup.kill
   for SIGKILL on v2; otherwise frozen, signalled one by one, thawed, so no
   process can fork away meanwhile. */
int cgroup_kill_all (const char *path, int sig, struct ocirt_error **err);

/* Removes the cgroup and every sub-cgroup below it in every hierarchy,
   waiting a bounded time (about 2 s) for exiting processes to leave.
   Missing directories are fine. */
int cgroup_destroy (const char *path, struct ocirt_error **err);

/* Freezes or thaws the cgroup and waits until the kernel says it is done. */
int cgroup_freeze (const char *path, bool frozen, struct ocirt_error **err);

/* Is the cgroup frozen (false when it cannot be read)? */
bool cgroup_is_frozen (const char *path);

/* Every pid in the cgroup and below it; *ret is the caller's (free). */
int cgroup_pids (const char *path, pid_t **ret, size_t *ret_len, struct ocirt_error **err);

/* Applies `res` to an existing cgroup (`update`). */
int cgroup_update (const char *path, const struct oci_resources *res, struct ocirt_error **err);

/* Usage figures, as runc's `events` reports them; a value the host does not
   provide stays 0. */
struct cgroup_blkio_entry
{
  uint64_t major, minor;
  char op[16]; /* Read Write Sync Async Discard Total */
  uint64_t value;
};

struct cgroup_hugetlb_stats
{
  char page_size[16]; /* "2MB" */
  uint64_t usage, max, failcnt;
};

struct cgroup_memory_entry
{
  uint64_t limit, usage, max, failcnt;
};

struct cgroup_stats
{
  uint64_t cpu_total, cpu_kernel, cpu_user; /* nanoseconds */
  uint64_t *cpu_percpu;
  size_t cpu_percpu_len;
  uint64_t throttling_periods, throttled_periods, throttled_time;
  uint64_t memory_cache;
  struct cgroup_memory_entry memory_usage, memory_swap, memory_kernel, memory_kernel_tcp;
  char **memory_raw_keys; /* memory.stat, key by key */
  uint64_t *memory_raw_values;
  size_t memory_raw_len;
  uint64_t pids_current, pids_limit; /* limit 0: unlimited */
  struct cgroup_blkio_entry *io_bytes, *io_ops;
  size_t io_bytes_len, io_ops_len;
  struct cgroup_hugetlb_stats *hugetlb;
  size_t hugetlb_len;
};

/* Fills *ret (zeroed first; free its arrays with cgroup_stats_release). */
int cgroup_stats (const char *path, struct cgroup_stats *ret, struct ocirt_error **err);
void cgroup_stats_release (struct cgroup_stats *stats);

/* Out-of-memory notification: an fd that polls readable when the kernel's
   OOM killer acted in the cgroup (v1: an eventfd on memory.oom_control; v2:
   inotify on memory.events). */
struct cgroup_oom_watch;
int cgroup_oom_watch_open (const char *path, struct cgroup_oom_watch **ret, struct ocirt_error **err);
int cgroup_oom_watch_fd (const struct cgroup_oom_watch *w);
/* After the fd polled readable: the number of new OOM events (may be 0). */
int cgroup_oom_watch_read (struct cgroup_oom_watch *w, uint64_t *ret_count);
void cgroup_oom_watch_free (struct cgroup_oom_watch *w);

/* For unit tests: treat `root` as "/" for the cgroup mounts, and read
   `root`/mountinfo and `root`/cgroup instead of /proc/self's (NULL: the
   real host). Writes then append "value\n" to the files, so a test sees
   every write in order. */
void cgroup_set_root_for_tests (const char *root);
const char *cgroup_test_root (void);
