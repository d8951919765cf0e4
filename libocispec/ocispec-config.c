/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ocispec-docs.h"
#include "ocispec-table.h"
#include "ocispec.h"

/* config.json (config.md, config-linux.md): one row per property, in the
   order runc prints them. Required rows follow config-schema.json and the
   files it references; semantic checks are src/core/spec.c's business. */

#define T struct oci_id_mapping
static const struct field id_mapping_fields[] = {
  U32_REQ (T, "containerID", container_id),
  U32_REQ (T, "hostID", host_id),
  U32_REQ (T, "size", size),
  END,
};
#undef T
DESC (oci_id_mapping, id_mapping_fields);

#define T struct oci_mount
static const struct field mount_fields[] = {
  STR_REQ (T, "destination", destination),
  STR (T, "type", type),
  STR (T, "source", source),
  ARR_STR (T, "options", options),
  ARR_OBJ (T, "uidMappings", uid_mappings, oci_id_mapping),
  ARR_OBJ (T, "gidMappings", gid_mappings, oci_id_mapping),
  END,
};
#undef T
DESC (oci_mount, mount_fields);

#define T struct oci_root
static const struct field root_fields[] = {
  STR_REQ (T, "path", path),
  BOOL (T, "readonly", readonly),
  END,
};
#undef T
DESC (oci_root, root_fields);

#define T struct oci_hook
static const struct field hook_fields[] = {
  STR_REQ (T, "path", path),
  ARR_STR (T, "args", args),
  ARR_STR (T, "env", env),
  TIMEOUT_P (T, "timeout", timeout),
  END,
};
#undef T
DESC (oci_hook, hook_fields);

#define T struct oci_hooks
static const struct field hooks_fields[] = {
  ARR_OBJ (T, "prestart", prestart, oci_hook),
  ARR_OBJ (T, "createRuntime", create_runtime, oci_hook),
  ARR_OBJ (T, "createContainer", create_container, oci_hook),
  ARR_OBJ (T, "startContainer", start_container, oci_hook),
  ARR_OBJ (T, "poststart", poststart, oci_hook),
  ARR_OBJ (T, "poststop", poststop, oci_hook),
  END,
};
#undef T
DESC (oci_hooks, hooks_fields);

#define T struct oci_console_size
static const struct field console_size_fields[] = {
  U64_REQ (T, "height", height),
  U64_REQ (T, "width", width),
  END,
};
#undef T
DESC (oci_console_size, console_size_fields);

/* uid and gid are optional in the schema but always printed, like runc. */
#define T struct oci_user
static const struct field user_fields[] = {
  U32_EMIT (T, "uid", uid),      U32_EMIT (T, "gid", gid),
  U32_P (T, "umask", umask),     ARR_U32 (T, "additionalGids", additional_gids),
  STR (T, "username", username), END,
};
#undef T
DESC (oci_user, user_fields);

#define T struct oci_capabilities
static const struct field capabilities_fields[] = {
  ARR_STR (T, "bounding", bounding),       ARR_STR (T, "effective", effective),
  ARR_STR (T, "inheritable", inheritable), ARR_STR (T, "permitted", permitted),
  ARR_STR (T, "ambient", ambient),         END,
};
#undef T
DESC (oci_capabilities, capabilities_fields);

#define T struct oci_rlimit
static const struct field rlimit_fields[] = {
  STR_REQ (T, "type", type),
  U64_REQ (T, "hard", hard),
  U64_REQ (T, "soft", soft),
  END,
};
#undef T
DESC (oci_rlimit, rlimit_fields);

#define T struct oci_io_priority
static const struct field io_priority_fields[] = {
  STR_REQ (T, "class", class_),
  I32 (T, "priority", priority),
  END,
};
#undef T
DESC (oci_io_priority, io_priority_fields);

#define T struct oci_scheduler
static const struct field scheduler_fields[] = {
  STR_REQ (T, "policy", policy), I32 (T, "nice", nice),
  I32 (T, "priority", priority), ARR_STR (T, "flags", flags),
  U64 (T, "runtime", runtime),   U64 (T, "deadline", deadline),
  U64 (T, "period", period),     END,
};
#undef T
DESC (oci_scheduler, scheduler_fields);

#define T struct oci_exec_cpu_affinity
static const struct field exec_cpu_affinity_fields[] = {
  STR (T, "initial", initial),
  STR (T, "final", final),
  END,
};
#undef T
DESC (oci_exec_cpu_affinity, exec_cpu_affinity_fields);

#define T struct oci_process
static const struct field process_fields[] = {
  BOOL (T, "terminal", terminal),
  OBJ (T, "consoleSize", console_size, oci_console_size),
  OBJ (T, "user", user, oci_user),
  ARR_STR (T, "args", args),
  STR (T, "commandLine", command_line),
  ARR_STR (T, "env", env),
  STR_REQ (T, "cwd", cwd),
  OBJ (T, "capabilities", capabilities, oci_capabilities),
  ARR_OBJ (T, "rlimits", rlimits, oci_rlimit),
  BOOL (T, "noNewPrivileges", no_new_privileges),
  STR (T, "apparmorProfile", apparmor_profile),
  I32_P (T, "oomScoreAdj", oom_score_adj),
  OBJ (T, "scheduler", scheduler, oci_scheduler),
  STR (T, "selinuxLabel", selinux_label),
  OBJ (T, "ioPriority", io_priority, oci_io_priority),
  OBJ (T, "execCPUAffinity", exec_cpu_affinity, oci_exec_cpu_affinity),
  END,
};
#undef T
DESC (oci_process, process_fields);

/* --- linux ---------------------------------------------------------------- */

#define T struct oci_namespace
static const struct field namespace_fields[] = {
  STR_REQ (T, "type", type),
  STR (T, "path", path),
  END,
};
#undef T
DESC (oci_namespace, namespace_fields);

#define T struct oci_time_offset
static const struct field time_offset_fields[] = {
  I64 (T, "secs", secs),
  U32 (T, "nanosecs", nanosecs),
  END,
};
#undef T
DESC (oci_time_offset, time_offset_fields);

#define T struct oci_time_offsets
static const struct field time_offsets_fields[] = {
  OBJ (T, "boottime", boottime, oci_time_offset),
  OBJ (T, "monotonic", monotonic, oci_time_offset),
  END,
};
#undef T
DESC (oci_time_offsets, time_offsets_fields);

/* major and minor are printed even when 0, as runc does. */
#define T struct oci_device
static const struct field device_fields[] = {
  STR_REQ (T, "path", path),
  STR_REQ (T, "type", type),
  INT_ (T, "major", major, INT_I64, int64_t, FIELD_EMIT),
  INT_ (T, "minor", minor, INT_I64, int64_t, FIELD_EMIT),
  MODE_P (T, "fileMode", file_mode),
  U32_P (T, "uid", uid),
  U32_P (T, "gid", gid),
  END,
};
#undef T
DESC (oci_device, device_fields);

#define T struct oci_net_device
static const struct field net_device_fields[] = {
  STR (T, "name", name),
  END,
};
#undef T
DESC (oci_net_device, net_device_fields);

#define T struct oci_device_cgroup
static const struct field device_cgroup_fields[] = {
  BOOL_REQ (T, "allow", allow), STR (T, "type", type),     I64_P (T, "major", major),
  I64_P (T, "minor", minor),    STR (T, "access", access), END,
};
#undef T
DESC (oci_device_cgroup, device_cgroup_fields);

#define T struct oci_memory
static const struct field memory_fields[] = {
  I64_P (T, "limit", limit),
  I64_P (T, "reservation", reservation),
  I64_P (T, "swap", swap),
  I64_P (T, "kernel", kernel),
  I64_P (T, "kernelTCP", kernel_tcp),
  U64_P (T, "swappiness", swappiness),
  BOOL_P (T, "disableOOMKiller", disable_oom_killer),
  BOOL_P (T, "useHierarchy", use_hierarchy),
  BOOL_P (T, "checkBeforeUpdate", check_before_update),
  END,
};
#undef T
DESC (oci_memory, memory_fields);

#define T struct oci_cpu
static const struct field cpu_fields[] = {
  U64_P (T, "shares", shares),
  I64_P (T, "quota", quota),
  U64_P (T, "burst", burst),
  U64_P (T, "period", period),
  I64_P (T, "realtimeRuntime", realtime_runtime),
  U64_P (T, "realtimePeriod", realtime_period),
  STR (T, "cpus", cpus),
  STR (T, "mems", mems),
  I64_P (T, "idle", idle),
  END,
};
#undef T
DESC (oci_cpu, cpu_fields);

#define T struct oci_block_io_device_weight
static const struct field weight_device_fields[] = {
  I64_REQ (T, "major", major),
  I64_REQ (T, "minor", minor),
  U16_P (T, "weight", weight),
  U16_P (T, "leafWeight", leaf_weight),
  END,
};
#undef T
DESC (oci_block_io_device_weight, weight_device_fields);

#define T struct oci_block_io_device_throttle
static const struct field throttle_device_fields[] = {
  I64_REQ (T, "major", major),
  I64_REQ (T, "minor", minor),
  U64 (T, "rate", rate),
  END,
};
#undef T
DESC (oci_block_io_device_throttle, throttle_device_fields);

#define T struct oci_block_io
static const struct field block_io_fields[] = {
  U16_P (T, "weight", weight),
  U16_P (T, "leafWeight", leaf_weight),
  ARR_OBJ (T, "weightDevice", weight_device, oci_block_io_device_weight),
  ARR_OBJ (T, "throttleReadBpsDevice", throttle_read_bps_device, oci_block_io_device_throttle),
  ARR_OBJ (T, "throttleWriteBpsDevice", throttle_write_bps_device, oci_block_io_device_throttle),
  ARR_OBJ (T, "throttleReadIOPSDevice", throttle_read_iops_device, oci_block_io_device_throttle),
  ARR_OBJ (T, "throttleWriteIOPSDevice", throttle_write_iops_device, oci_block_io_device_throttle),
  END,
};
#undef T
DESC (oci_block_io, block_io_fields);

/* config-linux.json: pageSize must match ^[1-9][0-9]*[KMG]B$. Checked here,
   unlike other patterns, because the schema's own bad fixture
   (linux-hugepage.json, "64kB") is exactly this and the kernel file name
   hugetlb.<size>.max is built from it. */
static const char *
check_page_size (const char *s)
{
  size_t digits = strspn (s, "0123456789");

  if (digits == 0 || s[0] == '0' || strchr ("KMG", s[digits]) == NULL || s[digits] == '\0'
      || strcmp (s + digits + 1, "B") != 0)
    return "does not match ^[1-9][0-9]*[KMG]B$";
  return NULL;
}

#define T struct oci_hugepage_limit
static const struct field hugepage_limit_fields[] = {
  STR_CHECK (T, "pageSize", page_size, FIELD_REQUIRED, check_page_size),
  U64_REQ (T, "limit", limit),
  END,
};
#undef T
DESC (oci_hugepage_limit, hugepage_limit_fields);

#define T struct oci_interface_priority
static const struct field interface_priority_fields[] = {
  STR_REQ (T, "name", name),
  U32_REQ (T, "priority", priority),
  END,
};
#undef T
DESC (oci_interface_priority, interface_priority_fields);

#define T struct oci_network
static const struct field network_fields[] = {
  U32_P (T, "classID", class_id),
  ARR_OBJ (T, "priorities", priorities, oci_interface_priority),
  END,
};
#undef T
DESC (oci_network, network_fields);

#define T struct oci_pids
static const struct field pids_fields[] = {
  I64_REQ (T, "limit", limit),
  END,
};
#undef T
DESC (oci_pids, pids_fields);

#define T struct oci_rdma_limit
static const struct field rdma_limit_fields[] = {
  U32_P (T, "hcaHandles", hca_handles),
  U32_P (T, "hcaObjects", hca_objects),
  END,
};
#undef T
DESC (oci_rdma_limit, rdma_limit_fields);

#define T struct oci_resources
static const struct field resources_fields[] = {
  ARR_OBJ (T, "devices", devices, oci_device_cgroup),
  OBJ (T, "memory", memory, oci_memory),
  OBJ (T, "cpu", cpu, oci_cpu),
  OBJ (T, "pids", pids, oci_pids),
  OBJ (T, "blockIO", block_io, oci_block_io),
  ARR_OBJ (T, "hugepageLimits", hugepage_limits, oci_hugepage_limit),
  OBJ (T, "network", network, oci_network),
  MAP_OBJ (T, "rdma", rdma, oci_rdma, oci_rdma_limit),
  MAP_STR (T, "unified", unified),
  END,
};
#undef T
DESC (oci_resources, resources_fields);

#define T struct oci_syscall_arg
static const struct field syscall_arg_fields[] = {
  U32_REQ (T, "index", index),
  U64_REQ (T, "value", value),
  U64 (T, "valueTwo", value_two),
  STR_REQ (T, "op", op),
  END,
};
#undef T
DESC (oci_syscall_arg, syscall_arg_fields);

#define T struct oci_syscall
static const struct field syscall_fields[] = {
  ARR_STR_REQ (T, "names", names),
  STR_REQ (T, "action", action),
  U32_P (T, "errnoRet", errno_ret),
  ARR_OBJ (T, "args", args, oci_syscall_arg),
  END,
};
#undef T
DESC (oci_syscall, syscall_fields);

#define T struct oci_seccomp
static const struct field seccomp_fields[] = {
  STR_REQ (T, "defaultAction", default_action),   U32_P (T, "defaultErrnoRet", default_errno_ret),
  ARR_STR (T, "architectures", architectures),    ARR_STR (T, "flags", flags),
  STR (T, "listenerPath", listener_path),         STR (T, "listenerMetadata", listener_metadata),
  ARR_OBJ (T, "syscalls", syscalls, oci_syscall), END,
};
#undef T
DESC (oci_seccomp, seccomp_fields);

#define T struct oci_intel_rdt
static const struct field intel_rdt_fields[] = {
  STR (T, "closID", clos_id),
  ARR_STR (T, "schemata", schemata),
  STR (T, "l3CacheSchema", l3_cache_schema),
  STR (T, "memBwSchema", mem_bw_schema),
  BOOL (T, "enableMonitoring", enable_monitoring),
  END,
};
#undef T
DESC (oci_intel_rdt, intel_rdt_fields);

#define T struct oci_personality
static const struct field personality_fields[] = {
  STR (T, "domain", domain),
  ARR_STR (T, "flags", flags),
  END,
};
#undef T
DESC (oci_personality, personality_fields);

#define T struct oci_memory_policy
static const struct field memory_policy_fields[] = {
  STR (T, "mode", mode),
  STR (T, "nodes", nodes),
  ARR_STR (T, "flags", flags),
  END,
};
#undef T
DESC (oci_memory_policy, memory_policy_fields);

#define T struct oci_linux
static const struct field linux_fields[] = {
  ARR_OBJ (T, "uidMappings", uid_mappings, oci_id_mapping),
  ARR_OBJ (T, "gidMappings", gid_mappings, oci_id_mapping),
  MAP_STR (T, "sysctl", sysctl),
  OBJ (T, "resources", resources, oci_resources),
  STR (T, "cgroupsPath", cgroups_path),
  ARR_OBJ (T, "namespaces", namespaces, oci_namespace),
  ARR_OBJ (T, "devices", devices, oci_device),
  OBJ (T, "seccomp", seccomp, oci_seccomp),
  STR (T, "rootfsPropagation", rootfs_propagation),
  ARR_STR (T, "maskedPaths", masked_paths),
  ARR_STR (T, "readonlyPaths", readonly_paths),
  STR (T, "mountLabel", mount_label),
  OBJ (T, "intelRdt", intel_rdt, oci_intel_rdt),
  OBJ (T, "memoryPolicy", memory_policy, oci_memory_policy),
  OBJ (T, "personality", personality, oci_personality),
  OBJ (T, "timeOffsets", time_offsets, oci_time_offsets),
  MAP_OBJ (T, "netDevices", net_devices, oci_net_devices, oci_net_device),
  END,
};
#undef T
DESC (oci_linux, linux_fields);

/* Other platforms' objects are valid in a config.json but mean nothing to a
   Linux runtime: recognised, not parsed, not printed. */
#define T struct oci_config
static const struct field config_fields[] = {
  STR_REQ (T, "ociVersion", oci_version),
  OBJ (T, "process", process, oci_process),
  OBJ (T, "root", root, oci_root),
  STR (T, "hostname", hostname),
  STR (T, "domainname", domainname),
  ARR_OBJ (T, "mounts", mounts, oci_mount),
  OBJ (T, "hooks", hooks, oci_hooks),
  MAP_STR (T, "annotations", annotations),
  OBJ (T, "linux", linux_, oci_linux),
  IGNORED ("solaris"),
  IGNORED ("windows"),
  IGNORED ("vm"),
  IGNORED ("zos"),
  IGNORED ("freebsd"),
  END,
};
#undef T
DESC (oci_config, config_fields);

const struct desc *const ocispec_config_desc = &oci_config_desc;
const struct desc *const ocispec_process_desc = &oci_process_desc;
const struct desc *const ocispec_resources_desc = &oci_resources_desc;

int
oci_config_parse (const char *json, size_t len, struct oci_config **ret, struct ocirt_error **err)
{
  return ocispec_parse (&oci_config_desc, "config.json", false, json, len, (void **) ret, err);
}

/* Bigger than any real config (runc's default is ~3 KiB, with a seccomp
   profile ~30 KiB); bounds memory use on a hostile bundle. */
#define MAX_CONFIG_SIZE (64 * 1024 * 1024)

int
oci_config_parse_file (int dirfd, const char *path, struct oci_config **ret, struct ocirt_error **err)
{
  _cleanup_close_ int fd = -1;
  _cleanup_free_ char *buf = NULL;
  size_t len = 0, cap = 0;
  struct stat st;

  fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return ocirt_error_set (err, errno, "open `%s`", path);
  if (fstat (fd, &st) < 0)
    return ocirt_error_set (err, errno, "stat `%s`", path);
  if (!S_ISREG (st.st_mode))
    return ocirt_error_setx (err, EINVAL, "`%s` is not a regular file", path);
  for (;;)
    {
      ssize_t n;

      if (len == cap)
        {
          char *p;
          if (cap >= MAX_CONFIG_SIZE)
            return ocirt_error_setx (err, EFBIG, "`%s` is larger than %d bytes", path, MAX_CONFIG_SIZE);
          cap = cap ? cap * 2 : 16384;
          p = realloc (buf, cap);
          if (p == NULL)
            return ocirt_error_setx (err, ENOMEM, "out of memory");
          buf = p;
        }
      n = read (fd, buf + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return ocirt_error_set (err, errno, "read `%s`", path);
      if (n == 0)
        break;
      len += (size_t) n;
    }
  return ocispec_parse (&oci_config_desc, path, true, buf ? buf : "", len, (void **) ret, err);
}

int
oci_config_to_json (const struct oci_config *config, char **ret, struct ocirt_error **err)
{
  return ocispec_print (&oci_config_desc, config, true, ret, err);
}

void
oci_config_free (struct oci_config *config)
{
  ocispec_free (&oci_config_desc, config);
}

int
oci_process_parse (const char *json, size_t len, struct oci_process **ret, struct ocirt_error **err)
{
  return ocispec_parse (&oci_process_desc, "process.json", false, json, len, (void **) ret, err);
}

void
oci_process_free (struct oci_process *process)
{
  ocispec_free (&oci_process_desc, process);
}

int
oci_resources_parse (const char *json, size_t len, struct oci_resources **ret, struct ocirt_error **err)
{
  return ocispec_parse (&oci_resources_desc, "resources.json", false, json, len, (void **) ret, err);
}

int
oci_resources_to_json (const struct oci_resources *resources, char **ret, struct ocirt_error **err)
{
  return ocispec_print (&oci_resources_desc, resources, true, ret, err);
}

void
oci_resources_free (struct oci_resources *resources)
{
  ocispec_free (&oci_resources_desc, resources);
}
