/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The state store: one directory per container under the runtime root,
   <root>/<id>/ holding state.json, config.json (the config it was created
   from, for poststop hooks and later commands) and exec.fifo until start.

   Crash safety: an entry is born complete. `create` builds it in a private
   temporary directory, takes an flock on it and renames it into place with
   RENAME_NOREPLACE, so of concurrent creators of one id exactly one wins and
   a loser never touches the winner's entry. Every later change of state.json
   is write-temp + rename. Entries go away by being renamed to a temporary
   name first, so a reader sees a whole entry or none. Temporary directories
   left by a killed process are recognised by their free lock and removed. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-config.h"
#include "util/error.h"

struct container_state
{
  char *id;
  char *bundle;  /* absolute */
  char *rootfs;  /* absolute */
  char *created; /* RFC 3339 */
  char *owner;
  struct oci_map *annotations;
  pid_t creator_pid; /* the `create` that made the entry */
  uint64_t creator_start;
  pid_t init_pid; /* 0 until the init exists */
  uint64_t init_start;
  bool committed;      /* `create` finished */
  bool own_pid_ns;     /* the init is pid 1 of a new pid namespace */
  char *cgroup_path;   /* the cgroup the init lives in, when the runtime made one */
  char *systemd_unit;  /* its systemd unit (--systemd-cgroup), NULL with cgroupfs */
  char *notify_socket; /* the caller's NOTIFY_SOCKET, relayed to by `start` */
};

void container_state_free (struct container_state *st);
DEFINE_CLEANUP_FUNC (struct container_state, container_state_free)
#define _cleanup_container_state_ _cleanup_ (container_state_freep)

/* Opens (creating with mode 0700 when `create`) the runtime root directory. */
int state_root_open (const char *root, bool create, int *ret_fd, struct ocirt_error **err);

/* Adds the entry for st->id with state.json and `config_json`, atomically,
   and returns its directory fd, locked (LOCK_EX) for the caller. Fails with
   "container with id exists: ID" (runc's wording) if the id is taken. */
int state_create_entry (int rootfd, const struct container_state *st, const char *config_json,
                        size_t config_len, int *ret_dirfd, struct ocirt_error **err);

/* Opens the entry of `id` and reads its state. `lock` is LOCK_EX, LOCK_SH or
   0 (no lock: readers rely on atomic replacement). Fails with "container
   `ID` does not exist" when there is none. */
int state_open (int rootfd, const char *id, int lock, int *ret_dirfd, struct container_state **ret,
                struct ocirt_error **err);

/* Replaces state.json of the entry `dirfd` atomically. */
int state_save (int dirfd, const struct container_state *st, struct ocirt_error **err);

/* Makes the entry of `id` disappear at once (rename), then removes it. */
int state_remove (int rootfd, const char *id, struct ocirt_error **err);

/* Sorted list of the ids in the root (NULL-terminated; free with
   cleanup_strvp). Removes temporary directories nobody holds any more. */
int state_list_ids (int rootfd, char ***ret, struct ocirt_error **err);

/* Serialisation, exposed for unit tests. */
int state_to_json (const struct container_state *st, char **ret, struct ocirt_error **err);
int state_from_json (const char *json, struct container_state **ret, struct ocirt_error **err);
