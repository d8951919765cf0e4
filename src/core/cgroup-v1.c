/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-v1.h"
#include "util/log.h"

/* linux.resources on cgroup v1: each field goes to its controller's file
   with the value as the OCI spec gives it (config-linux.md was written
   against v1), e.g. memory.swap is memory+swap, which is exactly
   memory.memsw.limit_in_bytes. */

struct v1
{
  const struct cgroup_layout *l;
  int fd;
  const char *path;
  struct ocirt_error **err;
};

#define W(file, ...) cgroup_writef (c->l, c->fd, c->path, file, c->err, __VA_ARGS__)

static bool
has_file (const struct v1 *c, const char *file)
{
  return faccessat (c->fd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The kernel checks memory.limit <= memory.memsw.limit at every write, so
   the order of the two writes depends on whether the limits grow or shrink. */
static int
memory_limit_and_swap (struct v1 *c, const struct oci_memory *m)
{
  int64_t limit = m->limit, swap = m->swap;
  /* 0 means "not set", as in runc (a limit of 0 bytes would kill the init
     at once); unlimited is -1. */
  bool set_limit = m->limit_present && limit != 0, set_swap = m->swap_present && swap != 0;
  uint64_t cur_swap = 0;
  int r = 0;

  /* An unlimited memory limit without a word about swap lifts both, as
     runc does; otherwise the old memsw limit would still bind. */
  if (set_limit && limit == -1 && !set_swap && has_file (c, "memory.memsw.limit_in_bytes"))
    {
      set_swap = true;
      swap = -1;
    }
  if (set_swap && !c->l->test_mode && !has_file (c, "memory.memsw.limit_in_bytes"))
    return ocirt_error_setx (c->err, ENOTSUP,
                             "memory.swap: swap accounting is disabled on this host (no memory.memsw.*)");
  if (set_swap && set_limit)
    {
      bool swap_first = swap == -1
                        || (cgroup_read_u64 (c->fd, "memory.memsw.limit_in_bytes", &cur_swap) == 0
                            && (uint64_t) swap > cur_swap);
      if (swap_first)
        r = W ("memory.memsw.limit_in_bytes", "%" PRId64, swap);
      if (r == 0)
        r = W ("memory.limit_in_bytes", "%" PRId64, limit);
      if (r == 0 && !swap_first)
        r = W ("memory.memsw.limit_in_bytes", "%" PRId64, swap);
      return r;
    }
  if (set_limit)
    return W ("memory.limit_in_bytes", "%" PRId64, limit);
  if (set_swap)
    return W ("memory.memsw.limit_in_bytes", "%" PRId64, swap);
  return 0;
}

/* config-linux.md: with checkBeforeUpdate a new limit below the current
   usage MUST be rejected. */
static int
check_before_update (struct v1 *c, const struct oci_memory *m)
{
  uint64_t usage;

  if (!m->check_before_update || !m->limit_present || m->limit <= 0)
    return 0;
  if (cgroup_read_u64 (c->fd, "memory.usage_in_bytes", &usage) == 0 && usage > (uint64_t) m->limit)
    return ocirt_error_setx (c->err, EBUSY,
                             "memory.limit: %" PRId64 " is below the current usage %" PRIu64
                             " (memory.checkBeforeUpdate)",
                             m->limit, usage);
  return 0;
}

/* Kernel memory limits are deprecated (kmem since 5.4 does nothing useful
   and may be gone): a kernel without the file costs a warning only. */
static int
optional_write (struct v1 *c, const char *file, int64_t value)
{
  if (!c->l->test_mode && !has_file (c, file))
    {
      log_warn ("cgroup %s: %s is not supported by this kernel, ignoring", c->path, file);
      return 0;
    }
  return W (file, "%" PRId64, value);
}

static int
apply_memory (struct v1 *c, const struct oci_memory *m, bool update)
{
  int r = 0;

  if (update)
    r = check_before_update (c, m);
  if (r == 0 && m->use_hierarchy_present)
    r = W ("memory.use_hierarchy", "%d", m->use_hierarchy ? 1 : 0);
  if (r == 0)
    r = memory_limit_and_swap (c, m);
  if (r == 0 && m->reservation_present && m->reservation != 0)
    r = W ("memory.soft_limit_in_bytes", "%" PRId64, m->reservation);
  if (r == 0 && m->kernel_present)
    r = optional_write (c, "memory.kmem.limit_in_bytes", m->kernel);
  if (r == 0 && m->kernel_tcp_present)
    r = optional_write (c, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp);
  if (r == 0 && m->swappiness_present)
    r = W ("memory.swappiness", "%" PRIu64, m->swappiness);
  if (r == 0 && m->disable_oom_killer_present)
    r = W ("memory.oom_control", "%d", m->disable_oom_killer ? 1 : 0);
  return r;
}

static int
apply_cpu (struct v1 *c, const struct oci_cpu *p)
{
  int r = 0;

  if (p->shares_present && p->shares)
    r = W ("cpu.shares", "%" PRIu64, p->shares);
  bool quota_done = false;

  /* The period first: the quota is checked against it. 0 means "unset".
     A shorter period can clash with the current quota under a parent's
     limit (the kernel checks their ratio): then the quota goes first, as
     runc does. */
  if (r == 0 && p->period_present && p->period)
    {
      r = W ("cpu.cfs_period_us", "%" PRIu64, p->period);
      if (r == -EINVAL && p->quota_present && p->quota)
        {
          ocirt_error_free (*c->err);
          *c->err = NULL;
          r = W ("cpu.cfs_quota_us", "%" PRId64, p->quota);
          if (r == 0)
            r = W ("cpu.cfs_period_us", "%" PRIu64, p->period);
          quota_done = true;
        }
    }
  if (r == 0 && p->quota_present && p->quota && !quota_done)
    r = W ("cpu.cfs_quota_us", "%" PRId64, p->quota);
  if (r == 0 && p->burst_present)
    r = W ("cpu.cfs_burst_us", "%" PRIu64, p->burst);
  if (r == 0 && p->realtime_period_present && p->realtime_period)
    r = W ("cpu.rt_period_us", "%" PRIu64, p->realtime_period);
  if (r == 0 && p->realtime_runtime_present && p->realtime_runtime)
    r = W ("cpu.rt_runtime_us", "%" PRId64, p->realtime_runtime);
  if (r == 0 && p->idle_present)
    r = W ("cpu.idle", "%" PRId64, p->idle);
  return r;
}

static int
apply_cpuset (struct v1 *c, const struct oci_cpu *p)
{
  int r = 0;

  if (p->cpus && *p->cpus)
    r = W ("cpuset.cpus", "%s", p->cpus);
  if (r == 0 && p->mems && *p->mems)
    r = W ("cpuset.mems", "%s", p->mems);
  return r;
}

static int
throttle (struct v1 *c, const char *file, const struct oci_block_io_device_throttle *t, size_t n)
{
  int r = 0;

  for (size_t i = 0; i < n && r == 0; i++)
    r = W (file, CGROUP_DEV_FMT " %" PRIu64, t[i].major, t[i].minor, t[i].rate);
  return r;
}

/* CFQ had blkio.weight; with BFQ the file is blkio.bfq.weight. */
static const char *
weight_file (struct v1 *c, const char *cfq, const char *bfq)
{
  if (has_file (c, cfq) || c->l->test_mode)
    return cfq;
  return bfq;
}

static int
apply_blkio (struct v1 *c, const struct oci_block_io *b)
{
  const char *wd = weight_file (c, "blkio.weight_device", "blkio.bfq.weight_device");
  int r = 0;

  if (b->weight_present && b->weight)
    r = W (weight_file (c, "blkio.weight", "blkio.bfq.weight"), "%u", b->weight);
  if (r == 0 && b->leaf_weight_present && b->leaf_weight)
    r = W ("blkio.leaf_weight", "%u", b->leaf_weight);
  for (size_t i = 0; i < b->weight_device_len && r == 0; i++)
    {
      const struct oci_block_io_device_weight *w = &b->weight_device[i];
      if (w->weight_present)
        r = W (wd, CGROUP_DEV_FMT " %u", w->major, w->minor, w->weight);
      if (r == 0 && w->leaf_weight_present)
        r = W ("blkio.leaf_weight_device", CGROUP_DEV_FMT " %u", w->major, w->minor, w->leaf_weight);
    }
  if (r == 0)
    r = throttle (c, "blkio.throttle.read_bps_device", b->throttle_read_bps_device,
                  b->throttle_read_bps_device_len);
  if (r == 0)
    r = throttle (c, "blkio.throttle.write_bps_device", b->throttle_write_bps_device,
                  b->throttle_write_bps_device_len);
  if (r == 0)
    r = throttle (c, "blkio.throttle.read_iops_device", b->throttle_read_iops_device,
                  b->throttle_read_iops_device_len);
  if (r == 0)
    r = throttle (c, "blkio.throttle.write_iops_device", b->throttle_write_iops_device,
                  b->throttle_write_iops_device_len);
  return r;
}

static int
apply_hugetlb (struct v1 *c, const struct oci_resources *res)
{
  int r = 0;

  for (size_t i = 0; i < res->hugepage_limits_len && r == 0; i++)
    {
      char file[64];
      snprintf (file, sizeof file, "hugetlb.%s.limit_in_bytes", res->hugepage_limits[i].page_size);
      r = W (file, "%" PRIu64, res->hugepage_limits[i].limit);
    }
  return r;
}

static int
apply_rdma (struct v1 *c, const struct oci_rdma *rdma)
{
  int r = 0;

  for (size_t i = 0; i < rdma->len && r == 0; i++)
    {
      const struct oci_rdma_limit *v = &rdma->values[i];
      char handles[32] = "", objects[32] = "";
      if (v->hca_handles_present)
        snprintf (handles, sizeof handles, " hca_handle=%u", v->hca_handles);
      if (v->hca_objects_present)
        snprintf (objects, sizeof objects, " hca_object=%u", v->hca_objects);
      r = cgroup_writef (c->l, c->fd, c->path, "rdma.max", c->err, "%s%s%s", rdma->keys[i], handles, objects);
    }
  return r;
}

static void
format_number (char *buf, size_t size, int64_t n)
{
  if (n < 0)
    snprintf (buf, size, "*");
  else
    snprintf (buf, size, "%" PRId64, n);
}

/* Deny everything first, then each rule in order: the kernel's list then
   ends as "last matching rule wins", the semantics of the spec's list. One
   open file each for deny and allow: the kernel takes each write as one
   rule. */
static int
apply_devices (struct v1 *c, const struct cgroup_dev_rule *rules, size_t n)
{
  struct cgroup_file deny = { "devices.deny", -1 }, allow = { "devices.allow", -1 };
  int r = cgroup_write_kept (c->l, c->fd, &deny, c->path, "a", c->err);

  for (size_t i = 0; i < n && r == 0; i++)
    {
      struct cgroup_file *f = rules[i].allow ? &allow : &deny;
      char rule[80], maj[24], min[24];
      if (rules[i].type == 'a')
        snprintf (rule, sizeof rule, "a");
      else
        {
          format_number (maj, sizeof maj, rules[i].major);
          format_number (min, sizeof min, rules[i].minor);
          snprintf (rule, sizeof rule, "%c %s:%s %s", rules[i].type, maj, min, rules[i].access);
        }
      r = cgroup_write_kept (c->l, c->fd, f, c->path, rule, c->err);
    }
  cleanup_closep (&deny.fd);
  cleanup_closep (&allow.fd);
  return r;
}

static int
apply_network (struct v1 *c, const struct oci_network *n, bool cls, bool prio)
{
  int r = 0;

  if (cls && n->class_id_present)
    r = W ("net_cls.classid", "%u", n->class_id);
  for (size_t i = 0; prio && i < n->priorities_len && r == 0; i++)
    r = W ("net_prio.ifpriomap", "%s %u", n->priorities[i].name, n->priorities[i].priority);
  return r;
}

int
cgroup_v1_apply (const struct cgroup_layout *l, size_t idx, int dirfd, const char *path,
                 const struct oci_resources *res, const struct cgroup_dev_rule *rules, size_t n_rules,
                 bool update, struct ocirt_error **err)
{
  struct v1 ctx = { .l = l, .fd = dirfd, .path = path, .err = err }, *c = &ctx;
  int here = (int) idx, r = 0;

#define HERE(name) (cgroup_layout_v1_index (l, name) == here)
  if (rules && HERE ("devices"))
    r = apply_devices (c, rules, n_rules);
  if (res == NULL || r < 0)
    return r;
  if (res->memory && HERE ("memory"))
    r = apply_memory (c, res->memory, update);
  if (r == 0 && res->cpu && HERE ("cpu"))
    r = apply_cpu (c, res->cpu);
  if (r == 0 && res->cpu && HERE ("cpuset"))
    r = apply_cpuset (c, res->cpu);
  if (r == 0 && res->block_io && HERE ("blkio"))
    r = apply_blkio (c, res->block_io);
  if (r == 0 && res->pids && HERE ("pids"))
    r = cgroup_write_pids_limit (c->l, c->fd, c->path, res->pids->limit, c->err);
  if (r == 0 && res->hugepage_limits_len && HERE ("hugetlb"))
    r = apply_hugetlb (c, res);
  if (r == 0 && res->rdma && HERE ("rdma"))
    r = apply_rdma (c, res->rdma);
  if (r == 0 && res->network && (HERE ("net_cls") || HERE ("net_prio")))
    r = apply_network (c, res->network, HERE ("net_cls"), HERE ("net_prio"));
#undef HERE
  return r;
}

static int
inherit_one (const struct cgroup_layout *l, int parentfd, int dirfd, const char *path, const char *file,
             struct ocirt_error **err)
{
  _cleanup_free_ char *mine = NULL, *parent = NULL;

  if (cgroup_read (dirfd, file, &mine) == 0 && *mine)
    return 0;
  if (cgroup_read (parentfd, file, &parent) < 0 || *parent == '\0')
    return 0; /* nothing to copy; joining will say what is wrong */
  return cgroup_write (l, dirfd, path, file, parent, err);
}

int
cgroup_v1_cpuset_inherit (const struct cgroup_layout *l, int parentfd, int dirfd, const char *path,
                          struct ocirt_error **err)
{
  int r = inherit_one (l, parentfd, dirfd, path, "cpuset.cpus", err);

  return r < 0 ? r : inherit_one (l, parentfd, dirfd, path, "cpuset.mems", err);
}
