/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-devices-bpf.h"
#include "cgroup-v2.h"
#include "util/log.h"

/* linux.resources on cgroup v2. The spec's fields are v1 values; they are
   converted as runc converts them, so a config means the same under both
   runtimes:
   - cpu.shares (2..262144)      -> cpu.weight = 1 + (shares - 2) * 9999 / 262142  (1..10000)
   - cpu.quota + cpu.period      -> cpu.max "QUOTA PERIOD" ("max" for a quota <= 0;
                                    the period alone keeps the old quota: "max PERIOD")
   - cpu.burst                   -> cpu.max.burst
   - memory.limit                -> memory.max (-1 = "max")
   - memory.reservation          -> memory.low
   - memory.swap (memory + swap) -> memory.swap.max = swap - limit (-1 = "max"; an
                                    unlimited memory.limit without swap lifts swap too)
   - blockIO.weight (10..1000)   -> io.bfq.weight as is when the kernel has it, else
                                    io.weight = 1 + (weight - 10) * 9999 / 990
   - blockIO.throttle*           -> io.max "MAJ:MIN rbps=|wbps=|riops=|wiops=N"
   - hugepageLimits              -> hugetlb.SIZE.max
   - devices                     -> an eBPF program (cgroup-devices-bpf.c)
   No v2 equivalent, so warned about and ignored: memory.kernel, kernelTCP,
   swappiness, disableOOMKiller, useHierarchy, blockIO.leafWeight. Realtime
   CPU limits and net_cls/net_prio are refused (cgroup_plan says so). */

struct v2
{
  const struct cgroup_layout *l;
  int fd;
  const char *path;
  struct ocirt_error **err;
};

#define W(file, ...) cgroup_writef (c->l, c->fd, c->path, file, c->err, __VA_ARGS__)

uint64_t
cgroup_v2_cpu_weight (uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
cgroup_v2_io_weight (uint64_t w)
{
  if (w == 0)
    return 0;
  if (w < 10)
    w = 10;
  if (w > 1000)
    w = 1000;
  return 1 + ((w - 10) * 9999) / 990;
}

int
cgroup_v2_swap_max (int64_t limit, int64_t swap, int64_t *ret)
{
  if (swap == -1)
    *ret = -1;
  else if (limit <= 0 || swap < limit)
    return -EINVAL;
  else
    *ret = swap - limit;
  return 0;
}

static int
write_limit (struct v2 *c, const char *file, int64_t value)
{
  return value < 0 ? W (file, "max") : W (file, "%" PRId64, value);
}

static void
ignored (struct v2 *c, const char *field)
{
  log_warn ("cgroup %s: linux.resources.%s has no cgroup v2 equivalent, ignoring", c->path, field);
}

static int
memory_swap (struct v2 *c, const struct oci_memory *m)
{
  int64_t limit = m->limit, value;
  uint64_t cur;

  if (!m->swap_present)
    return m->limit_present && m->limit == -1 ? W ("memory.swap.max", "max") : 0;
  /* 0 means "not set" for the limit too: swap is then relative to the
     limit in force. */
  if (m->swap == 0)
    return 0; /* 0: not set, as in runc */
  if ((!m->limit_present || m->limit == 0) && m->swap != -1)
    {
      /* `update` of the swap alone: relative to the limit in force. */
      if (cgroup_read_u64 (c->fd, "memory.max", &cur) < 0 || cur == UINT64_MAX)
        return ocirt_error_setx (c->err, EINVAL, "memory.swap: a swap limit needs a memory limit");
      limit = (int64_t) cur;
    }
  if (cgroup_v2_swap_max (limit, m->swap, &value) < 0)
    return ocirt_error_setx (c->err, EINVAL, "memory.swap: %" PRId64 " is below memory.limit %" PRId64,
                             m->swap, limit);
  return write_limit (c, "memory.swap.max", value);
}

static int
apply_memory (struct v2 *c, const struct oci_memory *m, bool update)
{
  uint64_t usage;
  int r = 0;

  if (update && m->check_before_update && m->limit_present && m->limit > 0
      && cgroup_read_u64 (c->fd, "memory.current", &usage) == 0 && usage > (uint64_t) m->limit)
    return ocirt_error_setx (c->err, EBUSY,
                             "memory.limit: %" PRId64 " is below the current usage %" PRIu64
                             " (memory.checkBeforeUpdate)",
                             m->limit, usage);
  /* 0 means "not set", as in runc (a limit of 0 bytes would kill the init
     at once); unlimited is -1. */
  if (m->limit_present && m->limit != 0)
    r = write_limit (c, "memory.max", m->limit);
  if (r == 0)
    r = memory_swap (c, m);
  if (r == 0 && m->reservation_present && m->reservation != 0)
    r = write_limit (c, "memory.low", m->reservation);
  if (m->kernel_present)
    ignored (c, "memory.kernel");
  if (m->kernel_tcp_present)
    ignored (c, "memory.kernelTCP");
  if (m->swappiness_present)
    ignored (c, "memory.swappiness");
  if (m->disable_oom_killer_present && m->disable_oom_killer)
    ignored (c, "memory.disableOOMKiller");
  return r;
}

static int
apply_cpu (struct v2 *c, const struct oci_cpu *p)
{
  bool quota = p->quota_present && p->quota != 0, period = p->period_present && p->period != 0;
  char max[64];
  int r = 0;

  if ((p->realtime_runtime_present && p->realtime_runtime)
      || (p->realtime_period_present && p->realtime_period))
    return ocirt_error_setx (c->err, ENOTSUP,
                             "cpu.realtimeRuntime/realtimePeriod: not supported on cgroup v2");
  if (p->shares_present && p->shares)
    r = W ("cpu.weight", "%" PRIu64, cgroup_v2_cpu_weight (p->shares));
  if (r == 0 && (quota || period))
    {
      if (quota && p->quota > 0)
        snprintf (max, sizeof max, "%" PRId64, p->quota);
      else
        snprintf (max, sizeof max, "max");
      if (period)
        snprintf (max + strlen (max), sizeof max - strlen (max), " %" PRIu64, p->period);
      r = W ("cpu.max", "%s", max);
    }
  if (r == 0 && p->burst_present)
    r = W ("cpu.max.burst", "%" PRIu64, p->burst);
  if (r == 0 && p->idle_present)
    r = W ("cpu.idle", "%" PRId64, p->idle);
  return r;
}

static int
apply_cpuset (struct v2 *c, const struct oci_cpu *p)
{
  int r = 0;

  if (p->cpus && *p->cpus)
    r = W ("cpuset.cpus", "%s", p->cpus);
  if (r == 0 && p->mems && *p->mems)
    r = W ("cpuset.mems", "%s", p->mems);
  return r;
}

static int
io_max (struct v2 *c, const char *key, const struct oci_block_io_device_throttle *t, size_t n)
{
  int r = 0;

  for (size_t i = 0; i < n && r == 0; i++)
    r = W ("io.max", CGROUP_DEV_FMT " %s=%" PRIu64, t[i].major, t[i].minor, key, t[i].rate);
  return r;
}

static int
apply_io (struct v2 *c, const struct oci_block_io *b)
{
  bool bfq = !c->l->test_mode && faccessat (c->fd, "io.bfq.weight", F_OK, 0) == 0;
  const char *wfile = bfq ? "io.bfq.weight" : "io.weight";
  int r = 0;

  if (b->weight_present && b->weight)
    r = W (wfile, "%" PRIu64, bfq ? b->weight : cgroup_v2_io_weight (b->weight));
  for (size_t i = 0; i < b->weight_device_len && r == 0; i++)
    {
      const struct oci_block_io_device_weight *w = &b->weight_device[i];
      if (w->weight_present)
        r = W (wfile, CGROUP_DEV_FMT " %" PRIu64, w->major, w->minor,
               bfq ? w->weight : cgroup_v2_io_weight (w->weight));
    }
  if (b->leaf_weight_present)
    ignored (c, "blockIO.leafWeight");
  if (r == 0)
    r = io_max (c, "rbps", b->throttle_read_bps_device, b->throttle_read_bps_device_len);
  if (r == 0)
    r = io_max (c, "wbps", b->throttle_write_bps_device, b->throttle_write_bps_device_len);
  if (r == 0)
    r = io_max (c, "riops", b->throttle_read_iops_device, b->throttle_read_iops_device_len);
  if (r == 0)
    r = io_max (c, "wiops", b->throttle_write_iops_device, b->throttle_write_iops_device_len);
  return r;
}

static int
apply_rest (struct v2 *c, const struct oci_resources *res)
{
  int r = 0;

  if (res->pids && cgroup_v2_handles (c->l, "pids"))
    r = cgroup_write_pids_limit (c->l, c->fd, c->path, res->pids->limit, c->err);
  for (size_t i = 0; cgroup_v2_handles (c->l, "hugetlb") && i < res->hugepage_limits_len && r == 0; i++)
    {
      char file[64];
      snprintf (file, sizeof file, "hugetlb.%s.max", res->hugepage_limits[i].page_size);
      r = W (file, "%" PRIu64, res->hugepage_limits[i].limit);
    }
  for (size_t i = 0; res->rdma && cgroup_v2_handles (c->l, "rdma") && i < res->rdma->len && r == 0; i++)
    {
      const struct oci_rdma_limit *v = &res->rdma->values[i];
      char handles[32] = "", objects[32] = "";
      if (v->hca_handles_present)
        snprintf (handles, sizeof handles, " hca_handle=%u", v->hca_handles);
      if (v->hca_objects_present)
        snprintf (objects, sizeof objects, " hca_object=%u", v->hca_objects);
      r = W ("rdma.max", "%s%s%s", res->rdma->keys[i], handles, objects);
    }
  /* unified last: it is the caller's explicit word and overrides the rest. */
  for (size_t i = 0; res->unified && i < res->unified->len && r == 0; i++)
    r = W (res->unified->keys[i], "%s", res->unified->values[i]);
  return r;
}

int
cgroup_v2_apply (const struct cgroup_layout *l, int dirfd, const char *path, const struct oci_resources *res,
                 const struct cgroup_dev_rule *rules, size_t n_rules, bool update, struct ocirt_error **err)
{
  struct v2 ctx = { .l = l, .fd = dirfd, .path = path, .err = err }, *c = &ctx;
  int r = 0;

  if (rules && cgroup_v2_handles (l, "devices"))
    r = cgroup_devices_bpf_apply (dirfd, rules, n_rules, l->test_mode, err);
  if (res == NULL || r < 0)
    return r;
  if (res->memory && cgroup_v2_handles (l, "memory"))
    r = apply_memory (c, res->memory, update);
  if (r == 0 && res->cpu && cgroup_v2_handles (l, "cpu"))
    r = apply_cpu (c, res->cpu);
  if (r == 0 && res->cpu && cgroup_v2_handles (l, "cpuset"))
    r = apply_cpuset (c, res->cpu);
  if (r == 0 && res->block_io && cgroup_v2_handles (l, "blkio"))
    r = apply_io (c, res->block_io);
  if (r == 0)
    r = apply_rest (c, res);
  return r;
}

void
cgroup_v2_enable_controllers (const struct cgroup_layout *l, int parentfd, const char *path)
{
  static const char *const v1_names[]
      = { "cpu", "cpuset", "memory", "blkio", "pids", "hugetlb", "rdma", NULL };
  _cleanup_error_ struct ocirt_error *err = NULL;

  for (size_t i = 0; v1_names[i]; i++)
    {
      const char *name = strcmp (v1_names[i], "blkio") == 0 ? "io" : v1_names[i];
      if (!cgroup_v2_handles (l, v1_names[i]) || !cgroup_layout_v2_has (l, name))
        continue;
      if (cgroup_writef (l, parentfd, path, "cgroup.subtree_control", &err, "+%s", name) < 0)
        {
          log_debug ("%s, ignoring", err->msg);
          ocirt_error_free (err);
          err = NULL;
        }
    }
}
