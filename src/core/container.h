/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-config.h"
#include "status.h"
#include "util/error.h"

struct create_options
{
  const char *id;
  const char *bundle;         /* NULL: the current directory */
  const char *pid_file;       /* relative to the caller's cwd */
  const char *console_socket; /* required with process.terminal unless foreground */
  const char *pidfd_socket;   /* where a pidfd of the init goes, once it is set up */
  int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  bool foreground;     /* `run` without --detach: the caller keeps the init as its child */
  bool start;          /* `run`: start it once created, as `start` would, with what create holds */
  bool systemd_cgroup; /* --systemd-cgroup */
};

/* What a foreground `run` needs to drive the container it created. */
struct created_container
{
  pid_t pid;
  int pidfd;
  int pty_master;            /* -1 without a terminal */
  struct oci_config *config; /* what it was made from (oci_config_free) */
};

/* Creates the container: validated config, state entry, namespaces, rootfs,
   init waiting on exec.fifo. On failure nothing is left behind. `ret` may be
   NULL (only `run` uses it; its fds are then the caller's). */
int container_create (const char *root, const struct create_options *opts, struct created_container *ret,
                      struct ocirt_error **err);

/* Lets the init of a `created` container exec the user process; runs the
   poststart hooks. */
int container_start (const char *root, const char *id, struct ocirt_error **err);

/* Sends `sig` to the init, or with `all` to every process of the container. */
int container_kill (const char *root, const char *id, int sig, bool all, struct ocirt_error **err);

/* Deletes a stopped (or, with `force`, any) container: kills what is left,
   removes what it holds, runs the poststop hooks. */
int container_delete (const char *root, const char *id, bool force, struct ocirt_error **err);

/* `run`'s removal of the container it made, whose init was `init_pid`,
   with the config it was made from: forced, and nothing when the entry is
   gone or is another container's by now. */
int container_delete_own (const char *root, const char *id, pid_t init_pid, const struct oci_config *config,
                          struct ocirt_error **err);

/* The state as runc prints it (ociVersion, id, pid, status, bundle, rootfs,
   created, owner, annotations); *ret is the caller's (oci_state_free). */
struct oci_state;
int container_state (const char *root, const char *id, struct oci_state **ret, struct ocirt_error **err);

/* Every container's state, sorted by id; a container that vanishes while we
   read is skipped. Free with container_state_list_free. */
int container_state_list (const char *root, struct oci_state ***ret, size_t *ret_len,
                          struct ocirt_error **err);
void container_state_list_free (struct oci_state **list, size_t len);

/* Foreground run: create, start, wait (forwarding signals and the terminal),
   delete unless `keep`. *ret_status is the exit status (128+N for signal N). */
int container_run (const char *root, const struct create_options *opts, bool keep, int *ret_status,
                   struct ocirt_error **err);

struct exec_options
{
  const char *id;
  const char *process_file; /* --process: a `process` JSON; else the container's process with the overrides */
  char **args;              /* COMMAND [ARGS...] */
  size_t args_len;
  bool tty;
  const char *console_socket;
  bool detach;
  const char *pid_file;
  const char *cwd;
  char **env; /* KEY=VALUE, added to the process's */
  size_t env_len;
  const char *user; /* UID[:GID] */
  uint32_t *additional_gids;
  size_t additional_gids_len;
  char **caps; /* added to the bounding, effective and permitted sets */
  size_t caps_len;
  bool no_new_privs;
  const char *apparmor;
  const char *process_label;
  int preserve_fds;
  char **cgroups; /* --cgroup specs: sub-cgroups to join (see cgroup_sub_ident) */
  size_t cgroups_len;
  bool ignore_paused;
  const char *pidfd_socket; /* where a pidfd of the process goes, once it runs */
};

/* Runs a new process in a running container: its namespaces, cgroup,
   capabilities, seccomp filter and LSM label. Foreground: waits and sets
   *ret_status (128+N for signal N); detached: returns once it is exec'd. */
int container_exec (const char *root, const struct exec_options *opts, int *ret_status,
                    struct ocirt_error **err);
