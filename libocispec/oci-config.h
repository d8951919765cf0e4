/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The OCI runtime-spec v1.3.0 data model (config.json, state.json and the
   features document), Linux-relevant parts. Conventions, kept everywhere so
   the generic walker in ocispec-json.c can parse, print and free any of it:
     - strings are `char *`, NULL when absent;
     - objects are pointers, NULL when absent;
     - arrays are `T *name` + `size_t name_len`; name is non-NULL when the
       array was present, even if empty (absent differs from [] for some
       fields, such as capability sets);
     - string maps are `struct oci_map`;
     - a scalar has a `name_present` flag only where absent differs from 0. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Kept in step with the spec text in ../shared/spec. */
#define OCI_VERSION "1.3.0"

struct oci_map
{
  char **keys;
  char **values;
  size_t len;
};

/* --- config.json: generic part ----------------------------------------- */

struct oci_id_mapping
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct oci_mount
{
  char *destination;
  char *source;
  char *type;
  char **options;
  size_t options_len;
  struct oci_id_mapping *uid_mappings;
  size_t uid_mappings_len;
  struct oci_id_mapping *gid_mappings;
  size_t gid_mappings_len;
};

struct oci_root
{
  char *path;
  bool readonly;
};

struct oci_hook
{
  char *path;
  char **args;
  size_t args_len;
  char **env;
  size_t env_len;
  int64_t timeout; /* seconds; >= 1 when present */
  bool timeout_present;
};

struct oci_hooks
{
  struct oci_hook *prestart;
  size_t prestart_len;
  struct oci_hook *create_runtime;
  size_t create_runtime_len;
  struct oci_hook *create_container;
  size_t create_container_len;
  struct oci_hook *start_container;
  size_t start_container_len;
  struct oci_hook *poststart;
  size_t poststart_len;
  struct oci_hook *poststop;
  size_t poststop_len;
};

struct oci_console_size
{
  uint64_t height;
  uint64_t width;
};

struct oci_user
{
  uint32_t uid;
  uint32_t gid;
  uint32_t umask;
  bool umask_present;
  uint32_t *additional_gids;
  size_t additional_gids_len;
  char *username;
};

struct oci_capabilities
{
  char **bounding;
  size_t bounding_len;
  char **effective;
  size_t effective_len;
  char **inheritable;
  size_t inheritable_len;
  char **permitted;
  size_t permitted_len;
  char **ambient;
  size_t ambient_len;
};

struct oci_rlimit
{
  char *type;
  uint64_t soft;
  uint64_t hard;
};

struct oci_io_priority
{
  char *class_; /* IOPRIO_CLASS_RT | IOPRIO_CLASS_BE | IOPRIO_CLASS_IDLE */
  int32_t priority;
};

struct oci_scheduler
{
  char *policy;
  int32_t nice;
  int32_t priority;
  char **flags;
  size_t flags_len;
  uint64_t runtime;
  uint64_t deadline;
  uint64_t period;
};

struct oci_exec_cpu_affinity
{
  char *initial;
  char *final;
};

struct oci_process
{
  bool terminal;
  struct oci_console_size *console_size;
  struct oci_user *user;
  char **args;
  size_t args_len;
  char *command_line; /* Windows only; parsed, never used */
  char **env;
  size_t env_len;
  char *cwd;
  struct oci_capabilities *capabilities;
  struct oci_rlimit *rlimits;
  size_t rlimits_len;
  bool no_new_privileges;
  char *apparmor_profile;
  int32_t oom_score_adj;
  bool oom_score_adj_present;
  struct oci_scheduler *scheduler;
  char *selinux_label;
  struct oci_io_priority *io_priority;
  struct oci_exec_cpu_affinity *exec_cpu_affinity;
};

/* --- config.json: linux ------------------------------------------------- */

struct oci_namespace
{
  char *type; /* mount pid network uts ipc user cgroup time */
  char *path;
};

struct oci_time_offset
{
  int64_t secs;
  uint32_t nanosecs;
};

struct oci_time_offsets
{
  struct oci_time_offset *boottime;
  struct oci_time_offset *monotonic;
};

struct oci_device
{
  char *type; /* c b u p */
  char *path;
  int64_t major;
  int64_t minor;
  uint32_t file_mode;
  bool file_mode_present;
  uint32_t uid;
  bool uid_present;
  uint32_t gid;
  bool gid_present;
};

struct oci_net_device
{
  char *name;
};

/* A map from host interface name to its settings (linux.netDevices). */
struct oci_net_devices
{
  char **keys;
  struct oci_net_device *values;
  size_t len;
};

struct oci_device_cgroup
{
  bool allow;
  char *type;
  int64_t major; /* -1 or absent = all */
  bool major_present;
  int64_t minor;
  bool minor_present;
  char *access;
};

struct oci_memory
{
  int64_t limit;
  bool limit_present;
  int64_t reservation;
  bool reservation_present;
  int64_t swap;
  bool swap_present;
  int64_t kernel;
  bool kernel_present;
  int64_t kernel_tcp;
  bool kernel_tcp_present;
  uint64_t swappiness;
  bool swappiness_present;
  bool disable_oom_killer;
  bool disable_oom_killer_present;
  bool use_hierarchy;
  bool use_hierarchy_present;
  bool check_before_update;
  bool check_before_update_present;
};

struct oci_cpu
{
  uint64_t shares;
  bool shares_present;
  int64_t quota;
  bool quota_present;
  uint64_t burst;
  bool burst_present;
  uint64_t period;
  bool period_present;
  int64_t realtime_runtime;
  bool realtime_runtime_present;
  uint64_t realtime_period;
  bool realtime_period_present;
  char *cpus;
  char *mems;
  int64_t idle;
  bool idle_present;
};

struct oci_block_io_device_weight
{
  int64_t major;
  int64_t minor;
  uint16_t weight;
  bool weight_present;
  uint16_t leaf_weight;
  bool leaf_weight_present;
};

struct oci_block_io_device_throttle
{
  int64_t major;
  int64_t minor;
  uint64_t rate;
};

struct oci_block_io
{
  uint16_t weight;
  bool weight_present;
  uint16_t leaf_weight;
  bool leaf_weight_present;
  struct oci_block_io_device_weight *weight_device;
  size_t weight_device_len;
  struct oci_block_io_device_throttle *throttle_read_bps_device;
  size_t throttle_read_bps_device_len;
  struct oci_block_io_device_throttle *throttle_write_bps_device;
  size_t throttle_write_bps_device_len;
  struct oci_block_io_device_throttle *throttle_read_iops_device;
  size_t throttle_read_iops_device_len;
  struct oci_block_io_device_throttle *throttle_write_iops_device;
  size_t throttle_write_iops_device_len;
};

struct oci_hugepage_limit
{
  char *page_size; /* "2MB", "1GB" */
  uint64_t limit;
};

struct oci_interface_priority
{
  char *name;
  uint32_t priority;
};

struct oci_network
{
  uint32_t class_id;
  bool class_id_present;
  struct oci_interface_priority *priorities;
  size_t priorities_len;
};

struct oci_pids
{
  int64_t limit;
};

struct oci_rdma_limit
{
  uint32_t hca_handles;
  bool hca_handles_present;
  uint32_t hca_objects;
  bool hca_objects_present;
};

/* linux.resources.rdma: device name -> limits. */
struct oci_rdma
{
  char **keys;
  struct oci_rdma_limit *values;
  size_t len;
};

struct oci_resources
{
  struct oci_device_cgroup *devices;
  size_t devices_len;
  struct oci_memory *memory;
  struct oci_cpu *cpu;
  struct oci_pids *pids;
  struct oci_block_io *block_io;
  struct oci_hugepage_limit *hugepage_limits;
  size_t hugepage_limits_len;
  struct oci_network *network;
  struct oci_rdma *rdma;
  struct oci_map *unified;
};

struct oci_syscall_arg
{
  uint32_t index;
  uint64_t value;
  uint64_t value_two;
  char *op;
};

struct oci_syscall
{
  char **names;
  size_t names_len;
  char *action;
  uint32_t errno_ret;
  bool errno_ret_present;
  struct oci_syscall_arg *args;
  size_t args_len;
};

struct oci_seccomp
{
  char *default_action;
  uint32_t default_errno_ret;
  bool default_errno_ret_present;
  char **architectures;
  size_t architectures_len;
  char **flags;
  size_t flags_len;
  char *listener_path;
  char *listener_metadata;
  struct oci_syscall *syscalls;
  size_t syscalls_len;
};

struct oci_intel_rdt
{
  char *clos_id;
  char **schemata;
  size_t schemata_len;
  char *l3_cache_schema;
  char *mem_bw_schema;
  bool enable_monitoring;
};

struct oci_personality
{
  char *domain; /* LINUX | LINUX32 */
  char **flags;
  size_t flags_len;
};

struct oci_memory_policy
{
  char *mode;
  char *nodes;
  char **flags;
  size_t flags_len;
};

struct oci_linux
{
  struct oci_namespace *namespaces;
  size_t namespaces_len;
  struct oci_id_mapping *uid_mappings;
  size_t uid_mappings_len;
  struct oci_id_mapping *gid_mappings;
  size_t gid_mappings_len;
  struct oci_time_offsets *time_offsets;
  struct oci_device *devices;
  size_t devices_len;
  struct oci_net_devices *net_devices;
  char *cgroups_path;
  struct oci_resources *resources;
  char *rootfs_propagation;
  struct oci_seccomp *seccomp;
  struct oci_map *sysctl;
  char **masked_paths;
  size_t masked_paths_len;
  char **readonly_paths;
  size_t readonly_paths_len;
  char *mount_label;
  struct oci_intel_rdt *intel_rdt;
  struct oci_personality *personality;
  struct oci_memory_policy *memory_policy;
};

struct oci_config
{
  char *oci_version;
  struct oci_root *root;
  struct oci_mount *mounts;
  size_t mounts_len;
  struct oci_process *process;
  char *hostname;
  char *domainname;
  struct oci_hooks *hooks;
  struct oci_map *annotations;
  struct oci_linux *linux_; /* `linux` is a predefined macro under GNU C */
};

/* --- state.json (the spec's state, plus what runc prints) --------------- */

struct oci_state
{
  char *oci_version;
  char *id;
  char *status; /* creating created running stopped (paused: runc's addition) */
  int64_t pid;
  bool pid_present;
  char *bundle;
  struct oci_map *annotations;
  /* runc's extensions, read by its callers */
  char *rootfs;
  char *created; /* RFC 3339 */
  char *owner;
};

/* --- features document (features.md) ----------------------------------- */

struct oci_features_bool
{
  bool enabled;
  bool enabled_present;
};

struct oci_features_cgroup
{
  bool v1, v1_present;
  bool v2, v2_present;
  bool systemd, systemd_present;
  bool systemd_user, systemd_user_present;
  bool rdma, rdma_present;
};

struct oci_features_seccomp
{
  bool enabled;
  bool enabled_present;
  char **actions;
  size_t actions_len;
  char **operators;
  size_t operators_len;
  char **archs;
  size_t archs_len;
  char **known_flags;
  size_t known_flags_len;
  char **supported_flags;
  size_t supported_flags_len;
};

struct oci_features_mount_extensions
{
  struct oci_features_bool *idmap;
};

struct oci_features_linux
{
  char **namespaces;
  size_t namespaces_len;
  char **capabilities;
  size_t capabilities_len;
  struct oci_features_cgroup *cgroup;
  struct oci_features_seccomp *seccomp;
  struct oci_features_bool *apparmor;
  struct oci_features_bool *selinux;
  struct oci_features_bool *intel_rdt;
  struct oci_features_mount_extensions *mount_extensions;
  struct oci_features_bool *net_devices;
};

struct oci_features
{
  char *oci_version_min;
  char *oci_version_max;
  char **hooks;
  size_t hooks_len;
  char **mount_options;
  size_t mount_options_len;
  struct oci_map *annotations;
  char **potentially_unsafe_config_annotations;
  size_t potentially_unsafe_config_annotations_len;
  struct oci_features_linux *linux_;
};
