/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cmd.h"
#include "core/container-resources.h"

/* `events ID [--stats] [--interval D]`: one JSON object per line, in runc's
   shape: {"type":"stats","id":ID,"data":{"cpu":...,"memory":...,"pids":...,
   "blkio":...,"hugetlb":...}} and {"type":"oom","id":ID}. Zero values of
   the fields runc marks omitempty are left out, as it does. */

static void
str (yajl_gen g, const char *s)
{
  (void) yajl_gen_string (g, (const unsigned char *) s, strlen (s));
}

static void
num (yajl_gen g, const char *key, uint64_t v, bool omit_zero)
{
  char buf[32];

  if (omit_zero && v == 0)
    return;
  str (g, key);
  snprintf (buf, sizeof buf, "%" PRIu64, v);
  (void) yajl_gen_number (g, buf, strlen (buf));
}

static void
cpu (yajl_gen g, const struct cgroup_stats *s)
{
  str (g, "cpu");
  yajl_gen_map_open (g);
  str (g, "usage");
  yajl_gen_map_open (g);
  num (g, "total", s->cpu_total, true);
  if (s->cpu_percpu_len)
    {
      str (g, "percpu");
      yajl_gen_array_open (g);
      for (size_t i = 0; i < s->cpu_percpu_len; i++)
        {
          char buf[32];
          snprintf (buf, sizeof buf, "%" PRIu64, s->cpu_percpu[i]);
          yajl_gen_number (g, buf, strlen (buf));
        }
      yajl_gen_array_close (g);
    }
  num (g, "kernel", s->cpu_kernel, false);
  num (g, "user", s->cpu_user, false);
  yajl_gen_map_close (g);
  str (g, "throttling");
  yajl_gen_map_open (g);
  num (g, "periods", s->throttling_periods, true);
  num (g, "throttledPeriods", s->throttled_periods, true);
  num (g, "throttledTime", s->throttled_time, true);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

static void
memory_entry (yajl_gen g, const char *key, const struct cgroup_memory_entry *e)
{
  str (g, key);
  yajl_gen_map_open (g);
  num (g, "limit", e->limit, false);
  num (g, "usage", e->usage, true);
  num (g, "max", e->max, true);
  num (g, "failcnt", e->failcnt, false);
  yajl_gen_map_close (g);
}

static void
memory (yajl_gen g, const struct cgroup_stats *s)
{
  str (g, "memory");
  yajl_gen_map_open (g);
  num (g, "cache", s->memory_cache, true);
  memory_entry (g, "usage", &s->memory_usage);
  memory_entry (g, "swap", &s->memory_swap);
  memory_entry (g, "kernel", &s->memory_kernel);
  memory_entry (g, "kernelTCP", &s->memory_kernel_tcp);
  if (s->memory_raw_len)
    {
      str (g, "raw");
      yajl_gen_map_open (g);
      for (size_t i = 0; i < s->memory_raw_len; i++)
        num (g, s->memory_raw_keys[i], s->memory_raw_values[i], false);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

static void
blkio_list (yajl_gen g, const char *key, const struct cgroup_blkio_entry *e, size_t n)
{
  if (n == 0)
    return;
  str (g, key);
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      yajl_gen_map_open (g);
      num (g, "major", e[i].major, true);
      num (g, "minor", e[i].minor, true);
      if (e[i].op[0])
        {
          str (g, "op");
          str (g, e[i].op);
        }
      num (g, "value", e[i].value, true);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

static void
stats_data (yajl_gen g, const struct cgroup_stats *s)
{
  str (g, "data");
  yajl_gen_map_open (g);
  cpu (g, s);
  memory (g, s);
  str (g, "pids");
  yajl_gen_map_open (g);
  num (g, "current", s->pids_current, true);
  num (g, "limit", s->pids_limit, true);
  yajl_gen_map_close (g);
  str (g, "blkio");
  yajl_gen_map_open (g);
  blkio_list (g, "ioServiceBytesRecursive", s->io_bytes, s->io_bytes_len);
  blkio_list (g, "ioServicedRecursive", s->io_ops, s->io_ops_len);
  yajl_gen_map_close (g);
  str (g, "hugetlb");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < s->hugetlb_len; i++)
    {
      str (g, s->hugetlb[i].page_size);
      yajl_gen_map_open (g);
      num (g, "usage", s->hugetlb[i].usage, true);
      num (g, "max", s->hugetlb[i].max, true);
      num (g, "failcnt", s->hugetlb[i].failcnt, false);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

static int
print_event (void *data, const char *id, const char *type, const struct cgroup_stats *s)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;

  (void) data;
  if (g == NULL)
    return -ENOMEM;
  yajl_gen_map_open (g);
  str (g, "type");
  str (g, type);
  str (g, "id");
  str (g, id);
  if (s)
    stats_data (g, s);
  yajl_gen_map_close (g);
  yajl_gen_get_buf (g, &buf, &len);
  fwrite (buf, 1, len, stdout);
  putchar ('\n');
  fflush (stdout);
  yajl_gen_free (g);
  return 0;
}

/* A Go-style duration ("5s", "500ms", "1m", "1.5s") or plain seconds. */
static int
parse_interval (const char *s, int *ret_ms)
{
  char *end;
  double v = strtod (s, &end), scale;

  if (end == s || v < 0)
    return -EINVAL;
  if (strcmp (end, "ms") == 0)
    scale = 1;
  else if (*end == '\0' || strcmp (end, "s") == 0)
    scale = 1000;
  else if (strcmp (end, "m") == 0)
    scale = 60000;
  else if (strcmp (end, "h") == 0)
    scale = 3600000;
  else
    return -EINVAL;
  v *= scale;
  if (v < 1 || v > 86400000)
    return -EINVAL;
  *ret_ms = (int) v;
  return 0;
}

int
cmd_events (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  static const struct option long_opts[] = {
    { "stats", no_argument, NULL, 's' },
    { "interval", required_argument, NULL, 'i' },
    { "help", no_argument, NULL, 'h' },
    {},
  };
  bool once = false;
  int c, r, interval_ms = 5000;
  const char *id;

  opterr = 0;
  while ((c = getopt_long (argc, argv, ":h", long_opts, NULL)) != -1)
    switch (c)
      {
      case 's':
        once = true;
        break;
      case 'i':
        if (parse_interval (optarg, &interval_ms) < 0)
          return ocirt_error_setx (err, EINVAL, "events: --interval: invalid duration `%s`", optarg);
        break;
      case 'h':
        puts ("Usage: ocirt events [--stats] [--interval DURATION] ID\n\n"
              "Prints the container's resource usage every DURATION (default 5s) and its OOM\n"
              "events, as JSON lines, until it stops; with --stats, the usage once.");
        exit (EXIT_SUCCESS);
      default:
        return cmd_bad_option (argv, c, err);
      }
  r = cmd_get_id (argc, argv, optind, &id, err);
  if (r == 0)
    r = container_events (g->root, id, once, interval_ms, print_event, NULL, err);
  return r < 0 ? r : 0;
}
