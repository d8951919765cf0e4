/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "core/container-resources.h"
#include "ocispec.h"
#include "util/fs.h"

/* `update [--resources FILE|-] [runc's flags] ID`. With --resources (a
   LinuxResources JSON document), the other flags are ignored, as in runc. */

enum
{
  OPT_MEMORY = 256,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_CPU_PERIOD,
  OPT_CPU_QUOTA,
  OPT_CPU_BURST,
  OPT_CPU_SHARE,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_CPU_IDLE,
  OPT_BLKIO_WEIGHT,
  OPT_PIDS_LIMIT,
  OPT_RDT_SCHEMA,
};

/* The resources the flags build; pointers in `res` lead to the members. */
struct flags
{
  struct oci_resources res;
  struct oci_memory memory;
  struct oci_cpu cpu;
  struct oci_block_io block_io;
  struct oci_pids pids;
  const char *resources_file;
};

/* A size as runc takes it: bytes, or a number with a binary unit suffix
   k, m, g, t, p (any case, optionally followed by "b" or "ib"); "-1" is
   unlimited. */
static int
parse_size (const char *s, int64_t *ret)
{
  static const char units[] = "kmgtp";
  char *end;
  double v;
  const char *u;

  if (strcmp (s, "-1") == 0)
    {
      *ret = -1;
      return 0;
    }
  if (!isdigit ((unsigned char) s[0]))
    return -EINVAL;
  errno = 0;
  v = strtod (s, &end);
  if (errno || end == s)
    return -EINVAL;
  end += *end == ' ';
  if (*end && (u = strchr (units, tolower ((unsigned char) *end))) != NULL)
    {
      for (const char *k = units; k <= u; k++)
        v *= 1024;
      end++;
      if (tolower ((unsigned char) *end) == 'i')
        end++;
    }
  if (tolower ((unsigned char) *end) == 'b')
    end++;
  if (*end || v >= 9.2e18)
    return -EINVAL;
  *ret = (int64_t) v;
  return 0;
}

static int
parse_int (const char *opt, const char *s, int64_t min, int64_t max, int64_t *ret, struct ocirt_error **err)
{
  char *end;
  long long v;

  errno = 0;
  v = strtoll (s, &end, 10);
  if (errno || end == s || *end || v < min || v > max)
    return ocirt_error_setx (err, EINVAL, "update: --%s: invalid value `%s`", opt, s);
  *ret = v;
  return 0;
}

static int
memory_flag (struct flags *f, int opt, const char *name, const char *s, struct ocirt_error **err)
{
  int64_t v;

  if (parse_size (s, &v) < 0)
    return ocirt_error_setx (err, EINVAL, "update: --%s: invalid size `%s`", name, s);
  f->res.memory = &f->memory;
  switch (opt)
    {
    case OPT_MEMORY:
      f->memory.limit = v, f->memory.limit_present = true;
      break;
    case OPT_MEMORY_RESERVATION:
      f->memory.reservation = v, f->memory.reservation_present = true;
      break;
    case OPT_MEMORY_SWAP:
      f->memory.swap = v, f->memory.swap_present = true;
      break;
    case OPT_KERNEL_MEMORY:
      f->memory.kernel = v, f->memory.kernel_present = true;
      break;
    default:
      f->memory.kernel_tcp = v, f->memory.kernel_tcp_present = true;
    }
  return 0;
}

static int
cpu_flag (struct flags *f, int opt, const char *name, const char *s, struct ocirt_error **err)
{
  bool is_signed = opt == OPT_CPU_QUOTA || opt == OPT_CPU_RT_RUNTIME || opt == OPT_CPU_IDLE;
  int64_t v = 0;
  int r = 0;

  f->res.cpu = &f->cpu;
  if (opt == OPT_CPUSET_CPUS || opt == OPT_CPUSET_MEMS)
    *(opt == OPT_CPUSET_CPUS ? &f->cpu.cpus : &f->cpu.mems) = (char *) s;
  else
    r = parse_int (name, s, is_signed ? INT64_MIN : 0, INT64_MAX, &v, err);
  if (r < 0)
    return r;
  switch (opt)
    {
    case OPT_CPU_PERIOD:
      f->cpu.period = (uint64_t) v, f->cpu.period_present = true;
      break;
    case OPT_CPU_QUOTA:
      f->cpu.quota = v, f->cpu.quota_present = true;
      break;
    case OPT_CPU_BURST:
      f->cpu.burst = (uint64_t) v, f->cpu.burst_present = true;
      break;
    case OPT_CPU_SHARE:
      f->cpu.shares = (uint64_t) v, f->cpu.shares_present = true;
      break;
    case OPT_CPU_RT_PERIOD:
      f->cpu.realtime_period = (uint64_t) v, f->cpu.realtime_period_present = true;
      break;
    case OPT_CPU_RT_RUNTIME:
      f->cpu.realtime_runtime = v, f->cpu.realtime_runtime_present = true;
      break;
    case OPT_CPU_IDLE:
      f->cpu.idle = v, f->cpu.idle_present = true;
      break;
    }
  return 0;
}

static int
other_flag (struct flags *f, int opt, const char *name, const char *s, struct ocirt_error **err)
{
  int64_t v;
  int r = parse_int (name, s, opt == OPT_PIDS_LIMIT ? -1 : 0, opt == OPT_PIDS_LIMIT ? INT64_MAX : 1000, &v,
                     err);

  if (r < 0)
    return r;
  if (opt == OPT_PIDS_LIMIT)
    {
      f->pids.limit = v;
      f->res.pids = &f->pids;
      return 0;
    }
  f->block_io.weight = (uint16_t) v;
  f->block_io.weight_present = true;
  f->res.block_io = &f->block_io;
  return 0;
}

static const struct option long_opts[] = {
  { "resources", required_argument, NULL, 'r' },
  { "memory", required_argument, NULL, OPT_MEMORY },
  { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
  { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
  { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
  { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
  { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
  { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
  { "cpu-burst", required_argument, NULL, OPT_CPU_BURST },
  { "cpu-share", required_argument, NULL, OPT_CPU_SHARE },
  { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
  { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
  { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
  { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
  { "cpu-idle", required_argument, NULL, OPT_CPU_IDLE },
  { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
  { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
  { "l3-cache-schema", required_argument, NULL, OPT_RDT_SCHEMA },
  { "mem-bw-schema", required_argument, NULL, OPT_RDT_SCHEMA },
  { "help", no_argument, NULL, 'h' },
  {},
};

static void
usage (void)
{
  puts ("Usage: ocirt update [options] ID\n\n"
        "Changes the resource limits of a container.\n\n"
        "  -r, --resources FILE       a LinuxResources JSON document ('-': standard input);\n"
        "                             the other options are then ignored\n"
        "  --memory SIZE              memory limit (bytes, or with k, m, g suffix; -1: none)\n"
        "  --memory-reservation SIZE  soft limit\n"
        "  --memory-swap SIZE         memory + swap limit (-1: unlimited swap)\n"
        "  --kernel-memory SIZE, --kernel-memory-tcp SIZE\n"
        "  --cpu-period N, --cpu-quota N, --cpu-burst N (microseconds)\n"
        "  --cpu-share N, --cpu-rt-period N, --cpu-rt-runtime N, --cpu-idle 0|1\n"
        "  --cpuset-cpus LIST, --cpuset-mems LIST\n"
        "  --blkio-weight N (10..1000), --pids-limit N\n"
        "  --l3-cache-schema S, --mem-bw-schema S  refused: Intel RDT is not supported");
}

static int
parse_flags (int argc, char **argv, struct flags *f, struct ocirt_error **err)
{
  int c, idx, r = 0;

  opterr = 0;
  while (r == 0 && (c = getopt_long (argc, argv, ":r:h", long_opts, &idx)) != -1)
    {
      const char *name = c >= 256 ? long_opts[idx].name : "";
      if (c == 'r')
        f->resources_file = optarg;
      else if (c == 'h')
        {
          usage ();
          exit (EXIT_SUCCESS);
        }
      else if (c >= OPT_MEMORY && c <= OPT_KERNEL_MEMORY_TCP)
        r = memory_flag (f, c, name, optarg, err);
      else if (c >= OPT_CPU_PERIOD && c <= OPT_CPU_IDLE)
        r = cpu_flag (f, c, name, optarg, err);
      else if (c == OPT_BLKIO_WEIGHT || c == OPT_PIDS_LIMIT)
        r = other_flag (f, c, name, optarg, err);
      else if (c == OPT_RDT_SCHEMA)
        r = ocirt_error_setx (err, ENOTSUP, "update: --%s: Intel RDT (resctrl) is not supported by ocirt",
                              name);
      else
        r = cmd_bad_option (argv, c, err);
    }
  return r;
}

static int
read_resources (const char *file, struct oci_resources **ret, struct ocirt_error **err)
{
  _cleanup_free_ char *json = NULL;
  size_t len = 0;
  int r;

  if (strcmp (file, "-") == 0)
    r = fs_read_fd (STDIN_FILENO, &json, &len);
  else
    r = fs_read_all (AT_FDCWD, file, &json, &len);
  if (r < 0)
    return ocirt_error_set (err, -r, "update: read `%s`", file);
  r = oci_resources_parse (json, len, ret, err);
  return r < 0 ? ocirt_error_prefix (err, "update: %s", file) : r;
}

int
cmd_update (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  _cleanup_resources_ struct oci_resources *parsed = NULL;
  struct flags f = { 0 };
  const char *id;
  int r = parse_flags (argc, argv, &f, err);

  if (r == 0)
    r = cmd_get_id (argc, argv, optind, &id, err);
  if (r == 0 && f.resources_file)
    r = read_resources (f.resources_file, &parsed, err);
  if (r == 0)
    r = container_update (g->root, id, parsed ? parsed : &f.res, err);
  return r < 0 ? r : 0;
}
