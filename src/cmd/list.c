/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/container.h"
#include "ocispec.h"

static void
print_table (struct oci_state **list, size_t n)
{
  printf ("%-12s %-10s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
  for (size_t i = 0; i < n; i++)
    printf ("%-12s %-10" PRId64 " %-10s %-40s %-30s %s\n", list[i]->id, list[i]->pid, list[i]->status,
            list[i]->bundle, list[i]->created ? list[i]->created : "", list[i]->owner ? list[i]->owner : "");
}

static int
print_json (struct oci_state **list, size_t n, struct ocirt_error **err)
{
  fputc ('[', stdout);
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *json = NULL;
      int r = oci_state_to_json (list[i], 0, &json, err);
      if (r < 0)
        return r;
      printf ("%s%s", i ? "," : "", json);
    }
  puts ("]");
  return 0;
}

int
cmd_list (struct ocirt_global *g, int argc, char **argv, struct ocirt_error **err)
{
  static const struct option long_opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    {},
  };
  struct oci_state **list = NULL;
  const char *format = "table";
  bool quiet = false;
  size_t n = 0;
  int c, r;

  opterr = 0;
  while ((c = getopt_long (argc, argv, ":f:qh", long_opts, NULL)) != -1)
    switch (c)
      {
      case 'f':
        format = optarg;
        break;
      case 'q':
        quiet = true;
        break;
      case 'h':
        puts ("Usage: ocirt list [--format table|json] [--quiet]\n\nLists the containers.");
        exit (EXIT_SUCCESS);
      default:
        return cmd_bad_option (argv, c, err);
      }
  if (optind < argc)
    return ocirt_error_setx (err, EINVAL, "list: unexpected argument `%s`", argv[optind]);
  if (strcmp (format, "table") && strcmp (format, "json"))
    return ocirt_error_setx (err, EINVAL, "list: unknown format `%s` (table or json)", format);
  r = container_state_list (g->root, &list, &n, err);
  if (r < 0)
    return r;
  if (quiet)
    for (size_t i = 0; i < n; i++)
      puts (list[i]->id);
  else if (strcmp (format, "json") == 0)
    r = print_json (list, n, err);
  else
    print_table (list, n);
  container_state_list_free (list, n);
  return r < 0 ? r : 0;
}
