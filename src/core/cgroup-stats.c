/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup.h"

/* Usage figures for `events`, from whichever hierarchy holds each
   controller, in the units runc reports (nanoseconds, bytes); and the OOM
   notification. */

struct ctrl
{
  int fd; /* -1: the host has no such controller for this container */
  bool v2;
};

static struct ctrl
open_ctrl (const struct cgroup_layout *l, char **paths, const char *v1_name)
{
  _cleanup_error_ struct ocirt_error *ignored = NULL;
  int i = cgroup_layout_v1_index (l, v1_name);
  struct ctrl c = { .fd = -1 };

  if (i < 0 && cgroup_v2_handles (l, v1_name))
    i = l->v2;
  if (i >= 0 && paths[i])
    {
      c.fd = cgroup_hier_open (l, (size_t) i, paths[i], 0, &ignored);
      c.v2 = l->h[i].v2;
    }
  return c;
}

static uint64_t
u64 (int fd, const char *file)
{
  uint64_t v = 0;

  if (cgroup_read_u64 (fd, file, &v) < 0 || v == UINT64_MAX)
    return 0;
  return v;
}

static uint64_t
keyed (int fd, const char *file, const char *key)
{
  uint64_t v = 0;

  (void) cgroup_read_keyed (fd, file, key, &v);
  return v;
}

static void
cpu_stats (struct ctrl acct, struct ctrl cpu, struct cgroup_stats *s)
{
  if (cpu.fd >= 0 && cpu.v2)
    {
      s->cpu_total = keyed (cpu.fd, "cpu.stat", "usage_usec") * 1000;
      s->cpu_user = keyed (cpu.fd, "cpu.stat", "user_usec") * 1000;
      s->cpu_kernel = keyed (cpu.fd, "cpu.stat", "system_usec") * 1000;
      s->throttled_time = keyed (cpu.fd, "cpu.stat", "throttled_usec") * 1000;
    }
  else if (cpu.fd >= 0)
    s->throttled_time = keyed (cpu.fd, "cpu.stat", "throttled_time");
  if (cpu.fd >= 0)
    {
      s->throttling_periods = keyed (cpu.fd, "cpu.stat", "nr_periods");
      s->throttled_periods = keyed (cpu.fd, "cpu.stat", "nr_throttled");
    }
  if (acct.fd >= 0 && !acct.v2)
    {
      _cleanup_free_ char *percpu = NULL;
      long hz = sysconf (_SC_CLK_TCK);
      s->cpu_total = u64 (acct.fd, "cpuacct.usage");
      /* cpuacct.stat counts USER_HZ ticks. */
      s->cpu_user
          = keyed (acct.fd, "cpuacct.stat", "user") * (1000000000ULL / (uint64_t) (hz > 0 ? hz : 100));
      s->cpu_kernel
          = keyed (acct.fd, "cpuacct.stat", "system") * (1000000000ULL / (uint64_t) (hz > 0 ? hz : 100));
      if (cgroup_read (acct.fd, "cpuacct.usage_percpu", &percpu) == 0)
        for (char *p = percpu, *end; *p; p = end)
          {
            uint64_t v = strtoull (p, &end, 10), *grown;
            if (end == p
                || (grown = realloc (s->cpu_percpu, (s->cpu_percpu_len + 1) * sizeof *grown)) == NULL)
              break;
            s->cpu_percpu = grown;
            s->cpu_percpu[s->cpu_percpu_len++] = v;
          }
    }
}

static void
memory_raw (int fd, struct cgroup_stats *s)
{
  _cleanup_free_ char *text = NULL;
  char *save = NULL;

  if (cgroup_read (fd, "memory.stat", &text) < 0)
    return;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *sp = strchr (line, ' ');
      char **keys;
      uint64_t *values;
      if (sp == NULL)
        continue;
      keys = realloc (s->memory_raw_keys, (s->memory_raw_len + 1) * sizeof *keys);
      if (keys)
        s->memory_raw_keys = keys;
      values = realloc (s->memory_raw_values, (s->memory_raw_len + 1) * sizeof *values);
      if (values)
        s->memory_raw_values = values;
      if (keys == NULL || values == NULL
          || (keys[s->memory_raw_len] = strndup (line, (size_t) (sp - line))) == NULL)
        return;
      values[s->memory_raw_len++] = strtoull (sp + 1, NULL, 10);
    }
}

static void
v1_entry (int fd, const char *prefix, struct cgroup_memory_entry *e)
{
  char file[64];

  snprintf (file, sizeof file, "%s.usage_in_bytes", prefix);
  e->usage = u64 (fd, file);
  snprintf (file, sizeof file, "%s.max_usage_in_bytes", prefix);
  e->max = u64 (fd, file);
  snprintf (file, sizeof file, "%s.limit_in_bytes", prefix);
  e->limit = u64 (fd, file);
  snprintf (file, sizeof file, "%s.failcnt", prefix);
  e->failcnt = u64 (fd, file);
}

static void
memory_stats (struct ctrl m, struct cgroup_stats *s)
{
  if (m.fd < 0)
    return;
  memory_raw (m.fd, s);
  if (m.v2)
    {
      s->memory_cache = keyed (m.fd, "memory.stat", "file");
      s->memory_usage.usage = u64 (m.fd, "memory.current");
      s->memory_usage.max = u64 (m.fd, "memory.peak");
      s->memory_usage.limit = u64 (m.fd, "memory.max");
      s->memory_usage.failcnt = keyed (m.fd, "memory.events", "max");
      s->memory_swap.usage = u64 (m.fd, "memory.swap.current");
      s->memory_swap.limit = u64 (m.fd, "memory.swap.max");
      return;
    }
  s->memory_cache = keyed (m.fd, "memory.stat", "cache");
  v1_entry (m.fd, "memory", &s->memory_usage);
  v1_entry (m.fd, "memory.memsw", &s->memory_swap);
  v1_entry (m.fd, "memory.kmem", &s->memory_kernel);
  v1_entry (m.fd, "memory.kmem.tcp", &s->memory_kernel_tcp);
}

static int
add_io (struct cgroup_blkio_entry **list, size_t *len, uint64_t major, uint64_t minor, const char *op,
        uint64_t value)
{
  struct cgroup_blkio_entry *grown = realloc (*list, (*len + 1) * sizeof *grown);

  if (grown == NULL)
    return -ENOMEM;
  *list = grown;
  grown[*len] = (struct cgroup_blkio_entry){ .major = major, .minor = minor, .value = value };
  snprintf (grown[*len].op, sizeof grown[*len].op, "%s", op);
  (*len)++;
  return 0;
}

/* v1: "8:0 Read 4096" lines; v2 io.stat: "8:0 rbytes=N wbytes=N rios=N wios=N ...". */
static void
io_file (int fd, const char *file, bool v2, struct cgroup_stats *s, struct cgroup_blkio_entry **list,
         size_t *len)
{
  _cleanup_free_ char *text = NULL;
  char *save = NULL;

  if (cgroup_read (fd, file, &text) < 0)
    return;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      unsigned long long maj, min, v;
      char op[16];
      if (!v2 && sscanf (line, "%llu:%llu %15s %llu", &maj, &min, op, &v) == 4)
        (void) add_io (list, len, maj, min, op, v);
      else if (v2 && sscanf (line, "%llu:%llu", &maj, &min) == 2)
        {
          char *p;
          if ((p = strstr (line, "rbytes=")))
            (void) add_io (&s->io_bytes, &s->io_bytes_len, maj, min, "Read", strtoull (p + 7, NULL, 10));
          if ((p = strstr (line, "wbytes=")))
            (void) add_io (&s->io_bytes, &s->io_bytes_len, maj, min, "Write", strtoull (p + 7, NULL, 10));
          if ((p = strstr (line, "rios=")))
            (void) add_io (&s->io_ops, &s->io_ops_len, maj, min, "Read", strtoull (p + 5, NULL, 10));
          if ((p = strstr (line, "wios=")))
            (void) add_io (&s->io_ops, &s->io_ops_len, maj, min, "Write", strtoull (p + 5, NULL, 10));
        }
    }
}

/* One entry per page size the cgroup has files for. */
static void
hugetlb_stats (struct ctrl h, struct cgroup_stats *s)
{
  _cleanup_closedir_ DIR *d = NULL;
  struct dirent *de;
  int fd;

  if (h.fd < 0 || (fd = openat (h.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return;
  if ((d = fdopendir (fd)) == NULL)
    {
      close (fd);
      return;
    }
  while ((de = readdir (d)) != NULL)
    {
      const char *suffix = h.v2 ? ".max" : ".limit_in_bytes";
      size_t n = strlen (de->d_name), sl = strlen (suffix);
      struct cgroup_hugetlb_stats *grown, *e;
      char file[128];
      if (strncmp (de->d_name, "hugetlb.", 8) != 0 || n <= 8 + sl || strcmp (de->d_name + n - sl, suffix) != 0
          || n - 8 - sl >= sizeof e->page_size || strchr (de->d_name + 8, '.') != de->d_name + n - sl)
        continue;
      if ((grown = realloc (s->hugetlb, (s->hugetlb_len + 1) * sizeof *grown)) == NULL)
        return;
      s->hugetlb = grown;
      e = &grown[s->hugetlb_len++];
      *e = (struct cgroup_hugetlb_stats){ 0 };
      memcpy (e->page_size, de->d_name + 8, n - 8 - sl);
      snprintf (file, sizeof file, "hugetlb.%s.%s", e->page_size, h.v2 ? "current" : "usage_in_bytes");
      e->usage = u64 (h.fd, file);
      snprintf (file, sizeof file, "hugetlb.%s.%s", e->page_size, h.v2 ? "max" : "limit_in_bytes");
      e->max = u64 (h.fd, file);
      snprintf (file, sizeof file, "hugetlb.%s.%s", e->page_size, h.v2 ? "events" : "failcnt");
      e->failcnt = h.v2 ? keyed (h.fd, file, "max") : u64 (h.fd, file);
    }
}

int
cgroup_stats (const char *path, struct cgroup_stats *ret, struct ocirt_error **err)
{
  const struct cgroup_layout *l;
  char **paths = NULL;
  int r = cgroup_layout_get (&l, err);
  struct ctrl c[6];

  if (r < 0 || (r = cgroup_paths_parse (l, path, &paths, err)) < 0)
    return r;
  memset (ret, 0, sizeof *ret);
  c[0] = open_ctrl (l, paths, "cpuacct");
  c[1] = open_ctrl (l, paths, "cpu");
  c[2] = open_ctrl (l, paths, "memory");
  c[3] = open_ctrl (l, paths, "pids");
  c[4] = open_ctrl (l, paths, "blkio");
  c[5] = open_ctrl (l, paths, "hugetlb");
  cpu_stats (c[0], c[1], ret);
  memory_stats (c[2], ret);
  if (c[3].fd >= 0)
    {
      ret->pids_current = u64 (c[3].fd, "pids.current");
      ret->pids_limit = u64 (c[3].fd, "pids.max");
    }
  if (c[4].fd >= 0 && c[4].v2)
    io_file (c[4].fd, "io.stat", true, ret, NULL, NULL);
  else if (c[4].fd >= 0)
    {
      io_file (c[4].fd, "blkio.throttle.io_service_bytes_recursive", false, ret, &ret->io_bytes,
               &ret->io_bytes_len);
      io_file (c[4].fd, "blkio.throttle.io_serviced_recursive", false, ret, &ret->io_ops, &ret->io_ops_len);
    }
  hugetlb_stats (c[5], ret);
  for (size_t i = 0; i < ARRAY_SIZE (c); i++)
    cleanup_closep (&c[i].fd);
  cgroup_paths_free (paths, l->n);
  return 0;
}

void
cgroup_stats_release (struct cgroup_stats *s)
{
  for (size_t i = 0; i < s->memory_raw_len; i++)
    free (s->memory_raw_keys[i]);
  free (s->memory_raw_keys);
  free (s->memory_raw_values);
  free (s->cpu_percpu);
  free (s->io_bytes);
  free (s->io_ops);
  free (s->hugetlb);
  memset (s, 0, sizeof *s);
}

/* --- OOM notification ---------------------------------------------------- */

struct cgroup_oom_watch
{
  int fd;    /* eventfd (v1) or inotify (v2) */
  int cg_fd; /* the memory cgroup */
  bool v2;
  uint64_t last; /* v2: oom_kill count seen so far */
};

int
cgroup_oom_watch_open (const char *path, struct cgroup_oom_watch **ret, struct ocirt_error **err)
{
  const struct cgroup_layout *l;
  char **paths = NULL;
  _cleanup_close_ int oom_control = -1;
  struct cgroup_oom_watch *w;
  struct ctrl m;
  char buf[64];
  int r = cgroup_layout_get (&l, err);

  if (r < 0 || (r = cgroup_paths_parse (l, path, &paths, err)) < 0)
    return r;
  m = open_ctrl (l, paths, "memory");
  cgroup_paths_free (paths, l->n);
  if (m.fd < 0)
    return ocirt_error_setx (err, ENOTSUP, "no memory cgroup to watch for OOM events");
  w = calloc (1, sizeof *w);
  if (w == NULL)
    {
      close (m.fd);
      return ocirt_error_set (err, ENOMEM, "oom watch");
    }
  *w = (struct cgroup_oom_watch){ .fd = -1, .cg_fd = m.fd, .v2 = m.v2 };
  if (m.v2)
    {
      w->last = keyed (m.fd, "memory.events", "oom_kill");
      snprintf (buf, sizeof buf, "/proc/self/fd/%d/memory.events", m.fd);
      w->fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
      r = w->fd < 0 || inotify_add_watch (w->fd, buf, IN_MODIFY) < 0 ? -errno : 0;
    }
  else
    {
      /* cgroup-v1/memory.rst: register "<eventfd> <fd of memory.oom_control>". */
      w->fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
      oom_control = openat (m.fd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
      r = w->fd < 0 || oom_control < 0 ? -errno : 0;
      if (r == 0)
        {
          snprintf (buf, sizeof buf, "%d %d", w->fd, oom_control);
          r = cgroup_write (l, m.fd, path, "cgroup.event_control", buf, err);
        }
    }
  if (r < 0)
    {
      cgroup_oom_watch_free (w);
      return *err ? r : ocirt_error_set (err, -r, "watch cgroup `%s` for OOM events", path);
    }
  *ret = w;
  return 0;
}

int
cgroup_oom_watch_fd (const struct cgroup_oom_watch *w)
{
  return w->fd;
}

int
cgroup_oom_watch_read (struct cgroup_oom_watch *w, uint64_t *ret_count)
{
  uint64_t count = 0;
  char buf[4096];

  if (w->v2)
    {
      while (read (w->fd, buf, sizeof buf) > 0)
        ;
      count = keyed (w->cg_fd, "memory.events", "oom_kill");
      *ret_count = count > w->last ? count - w->last : 0;
      w->last = count;
      return 0;
    }
  if (read (w->fd, &count, sizeof count) != (ssize_t) sizeof count)
    count = 0;
  /* The eventfd also fires when the cgroup is removed: that is no OOM. */
  if (faccessat (w->cg_fd, "memory.oom_control", F_OK, 0) < 0)
    count = 0;
  *ret_count = count;
  return 0;
}

void
cgroup_oom_watch_free (struct cgroup_oom_watch *w)
{
  if (w == NULL)
    return;
  cleanup_closep (&w->fd);
  cleanup_closep (&w->cg_fd);
  free (w);
}
