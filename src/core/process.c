/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/process-names.h"
#include "core/process.h"
#include "util/log.h"

int
process_set_rlimits (const struct oci_process *p, struct ocirt_error **err)
{
  if (p == NULL)
    return 0;
  for (size_t i = 0; i < p->rlimits_len; i++)
    {
      const struct oci_rlimit *r = &p->rlimits[i];
      int resource = process_rlimit_from_name (r->type);
      struct rlimit rl;

      if (resource < 0)
        return ocirt_error_setx (err, EINVAL, "process.rlimits[%zu].type: unknown resource limit \"%s\"", i,
                                 r->type ? r->type : "");
      if (r->soft > r->hard)
        return ocirt_error_setx (
            err, EINVAL, "process.rlimits[%zu] (%s): soft limit %" PRIu64 " is above hard limit %" PRIu64, i,
            r->type, r->soft, r->hard);
      rl.rlim_cur = (rlim_t) r->soft;
      rl.rlim_max = (rlim_t) r->hard;
      if (prlimit (0, resource, &rl, NULL) < 0)
        {
          int e = errno;
          /* The usual cause, worth saying: only CAP_SYS_RESOURCE may raise a
             hard limit, and some hosts withhold it even from root. */
          return ocirt_error_set (
              err, e, "process.rlimits[%zu]: setrlimit %s (soft %" PRIu64 ", hard %" PRIu64 ")%s", i, r->type,
              r->soft, r->hard, e == EPERM ? " (raising a hard limit needs CAP_SYS_RESOURCE)" : "");
        }
    }
  return 0;
}

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

static int
check_procfs (int fd, const char *what, struct ocirt_error **err)
{
  struct statfs sfs;

  if (fstatfs (fd, &sfs) < 0)
    return ocirt_error_set (err, errno, "fstatfs `%s`", what);
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return ocirt_error_setx (err, EXDEV, "`%s` is not on procfs", what);
  return 0;
}

/* Opens /proc/<rel> so that nothing mounted over a procfs file (a bind mount
   planted by a hostile image, CVE-2025-52881) can be written instead: the
   walk may not cross a mount nor follow a magic link, and both ends are
   checked to be procfs. */
static int
open_proc_file (const char *rel, int flags, struct ocirt_error **err)
{
  _cleanup_close_ int procfd = -1;
  struct open_how how = { 0 };
  int fd;

  procfd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0)
    return ocirt_error_set (err, errno, "open `/proc`");
  if (check_procfs (procfd, "/proc", err) < 0)
    return -EXDEV;
  how.flags = (uint64_t) (flags | O_CLOEXEC | O_NOFOLLOW);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS;
  fd = (int) syscall (SYS_openat2, procfd, rel, &how, sizeof how);
  if (fd < 0 && errno == ENOSYS)
    fd = openat (procfd, rel, flags | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return ocirt_error_set (err, errno, "open `/proc/%s`", rel);
  if (check_procfs (fd, rel, err) < 0)
    {
      close (fd);
      return -EXDEV;
    }
  return fd;
}

int
process_set_oom_score_adj (const struct oci_process *p, struct ocirt_error **err)
{
  _cleanup_close_ int fd = -1;
  char buf[16];
  int len;

  /* Spec: when oomScoreAdj is absent the value must not be touched. */
  if (p == NULL || !p->oom_score_adj_present)
    return 0;
  fd = open_proc_file ("self/oom_score_adj", O_WRONLY, err);
  if (fd < 0)
    return ocirt_error_prefix (err, "process.oomScoreAdj");
  len = snprintf (buf, sizeof buf, "%d", (int) p->oom_score_adj);
  if (write (fd, buf, (size_t) len) != len)
    return ocirt_error_set (err, errno ? errno : EIO,
                            "process.oomScoreAdj: write %d to /proc/self/oom_score_adj",
                            (int) p->oom_score_adj);
  return 0;
}

/* struct sched_attr, SCHED_ATTR_SIZE_VER0: glibc has no wrapper. */
struct process_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

int
process_set_scheduler (const struct oci_process *p, struct ocirt_error **err)
{
  const struct oci_scheduler *s = p ? p->scheduler : NULL;
  struct process_sched_attr attr = { .size = sizeof attr };
  int policy;

  if (s == NULL)
    return 0;
  policy = process_sched_policy_from_name (s->policy);
  if (policy < 0)
    return ocirt_error_setx (err, EINVAL, "process.scheduler.policy: unknown policy \"%s\"",
                             s->policy ? s->policy : "");
  for (size_t i = 0; i < s->flags_len; i++)
    {
      int64_t flag = process_sched_flag_from_name (s->flags[i]);
      if (flag < 0)
        return ocirt_error_setx (err, EINVAL, "process.scheduler.flags[%zu]: unknown flag \"%s\"", i,
                                 s->flags[i]);
      attr.sched_flags |= (uint64_t) flag;
    }
  attr.sched_policy = (uint32_t) policy;
  attr.sched_nice = s->nice;
  attr.sched_priority = (uint32_t) s->priority;
  attr.sched_runtime = s->runtime;
  attr.sched_deadline = s->deadline;
  attr.sched_period = s->period;
  if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
    return ocirt_error_set (err, errno, "process.scheduler: sched_setattr (%s)", s->policy);
  return 0;
}

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

int
process_set_io_priority (const struct oci_process *p, struct ocirt_error **err)
{
  const struct oci_io_priority *io = p ? p->io_priority : NULL;
  int cls;

  if (io == NULL)
    return 0;
  cls = process_ioprio_class_from_name (io->class_);
  if (cls < 0)
    return ocirt_error_setx (err, EINVAL, "process.ioPriority.class: unknown class \"%s\"",
                             io->class_ ? io->class_ : "");
  if (io->priority < 0 || io->priority > 7)
    return ocirt_error_setx (err, EINVAL, "process.ioPriority.priority: %d is outside 0..7",
                             (int) io->priority);
  /* runc and crun set it for the calling process; children inherit it. */
  if (syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, (cls << IOPRIO_CLASS_SHIFT) | io->priority) < 0)
    return ocirt_error_set (err, errno, "process.ioPriority: ioprio_set (%s, %d)", io->class_,
                            (int) io->priority);
  return 0;
}

int
process_set_personality (const struct oci_personality *pers, struct ocirt_error **err)
{
  int64_t domain;

  if (pers == NULL)
    return 0;
  domain = process_personality_from_domain (pers->domain);
  if (domain < 0)
    return ocirt_error_setx (err, EINVAL, "linux.personality.domain: unknown domain \"%s\"",
                             pers->domain ? pers->domain : "");
  for (size_t i = 0; i < pers->flags_len; i++)
    log_warn ("linux.personality.flags[%zu]: unsupported personality flag \"%s\", ignoring", i,
              pers->flags[i]);
  if (personality ((unsigned long) domain) < 0)
    return ocirt_error_set (err, errno, "linux.personality: personality (%s)", pers->domain);
  return 0;
}

int
process_set_cpu_affinity (const char *cpus, struct ocirt_error **err)
{
  _cleanup_free_ uint64_t *bits = NULL;
  size_t nwords = 0, size;
  cpu_set_t *set;
  int r;

  if (cpus == NULL)
    return 0;
  r = process_parse_id_list (cpus, "CPU affinity", &bits, &nwords, err);
  if (r < 0)
    return r;
  if (nwords == 0)
    return 0;
  set = CPU_ALLOC (nwords * 64);
  if (set == NULL)
    return ocirt_error_set (err, ENOMEM, "CPU affinity");
  size = CPU_ALLOC_SIZE (nwords * 64);
  CPU_ZERO_S (size, set);
  for (size_t i = 0; i < nwords * 64; i++)
    if (bits[i / 64] & (UINT64_C (1) << (i % 64)))
      CPU_SET_S (i, size, set);
  r = sched_setaffinity (0, size, set);
  CPU_FREE (set);
  if (r < 0)
    return ocirt_error_set (err, errno, "set CPU affinity to \"%s\"", cpus);
  return 0;
}

enum
{
  MPOL_MODE_DEFAULT = 0,
  MPOL_MODE_PREFERRED = 1,
  MPOL_MODE_LOCAL = 4,
};

int
process_set_memory_policy (const struct oci_memory_policy *mp, struct ocirt_error **err)
{
  _cleanup_free_ uint64_t *bits = NULL;
  _cleanup_free_ unsigned long *mask = NULL;
  const size_t ulbits = sizeof (unsigned long) * 8;
  size_t nwords = 0, nbits;
  int mode, flags = 0;

  if (mp == NULL)
    return 0;
  mode = process_mempolicy_mode_from_name (mp->mode);
  if (mode < 0)
    return ocirt_error_setx (err, EINVAL, "linux.memoryPolicy.mode: unknown mode \"%s\"",
                             mp->mode ? mp->mode : "");
  for (size_t i = 0; i < mp->flags_len; i++)
    {
      int f = process_mempolicy_flag_from_name (mp->flags[i]);
      if (f < 0)
        return ocirt_error_setx (err, EINVAL, "linux.memoryPolicy.flags[%zu]: unknown flag \"%s\"", i,
                                 mp->flags[i]);
      flags |= f;
    }
  if (process_parse_id_list (mp->nodes, "linux.memoryPolicy.nodes", &bits, &nwords, err) < 0)
    return -EINVAL;
  /* set_mempolicy(2): DEFAULT and LOCAL take no nodes, PREFERRED may have
     none (meaning local), every other mode needs at least one. */
  if (nwords > 0 && (mode == MPOL_MODE_DEFAULT || mode == MPOL_MODE_LOCAL))
    return ocirt_error_setx (err, EINVAL, "linux.memoryPolicy.nodes: %s takes no nodes", mp->mode);
  if (nwords == 0 && mode != MPOL_MODE_DEFAULT && mode != MPOL_MODE_LOCAL && mode != MPOL_MODE_PREFERRED)
    return ocirt_error_setx (err, EINVAL, "linux.memoryPolicy.nodes: %s needs at least one node", mp->mode);
  nbits = nwords * 64;
  if (nbits > 0)
    {
      /* The kernel reads an array of unsigned long, not of 64-bit words. */
      mask = calloc ((nbits + ulbits - 1) / ulbits, sizeof (unsigned long));
      if (mask == NULL)
        return ocirt_error_set (err, ENOMEM, "linux.memoryPolicy");
      for (size_t i = 0; i < nbits; i++)
        if (bits[i / 64] & (UINT64_C (1) << (i % 64)))
          mask[i / ulbits] |= 1UL << (i % ulbits);
    }
  /* maxnode is one more than the number of bits: the kernel has always
     subtracted one from it (mm/mempolicy.c, get_nodes). */
  if (syscall (SYS_set_mempolicy, mode | flags, mask, nbits ? nbits + 1 : 0) < 0)
    return ocirt_error_set (err, errno, "linux.memoryPolicy: set_mempolicy (%s)", mp->mode);
  return 0;
}
