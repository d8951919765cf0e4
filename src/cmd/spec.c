/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "core/defaults.h"
#include "ocispec.h"

static void
spec_usage (void)
{
  fputs ("Usage: ocirt spec [--bundle DIR] [--rootless]\n\n"
         "Write a default config.json into the bundle directory (default: the current one).\n"
         "An existing config.json is never overwritten.\n\n"
         "  -b, --bundle DIR   write DIR/config.json\n"
         "      --rootless    a configuration for an unprivileged user (user namespace, no cgroup limits)\n",
         stdout);
}

/* Writes `text` into a new DIR/config.json; a partly written file is removed
   so that the next attempt can succeed. */
static int
write_new_config (const char *bundle, const char *text, struct ocirt_error **err)
{
  _cleanup_close_ int dirfd = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int fd = -1;
  size_t len = strlen (text);

  if (dirfd < 0)
    return ocirt_error_set (err, errno, "open bundle directory `%s`", bundle);
  /* O_EXCL: never replace a config someone wrote, even if it appears
     between a check and the open. */
  fd = openat (dirfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0 && errno == EEXIST)
    return ocirt_error_setx (err, EEXIST, "config.json already exists in %s", bundle);
  if (fd < 0)
    return ocirt_error_set (err, errno, "create `%s/config.json`", bundle);
  while (len > 0)
    {
      ssize_t n = write (fd, text, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          (void) unlinkat (dirfd, "config.json", 0);
          return ocirt_error_set (err, saved, "write `%s/config.json`", bundle);
        }
      text += n;
      len -= n;
    }
  return 0;
}

int
cmd_spec (struct ocirt_global *global, int argc, char **argv, struct ocirt_error **err)
{
  enum
  {
    OPT_ROOTLESS = 256,
  };
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "rootless", no_argument, NULL, OPT_ROOTLESS },
    { "help", no_argument, NULL, 'h' },
    {},
  };
  _cleanup_config_ struct oci_config *config = NULL;
  _cleanup_free_ char *json = NULL;
  _cleanup_free_ char *text = NULL;
  const char *bundle = ".";
  bool rootless = false;
  size_t len;
  int c;

  (void) global;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "+b:h", opts, NULL)) != -1)
    switch (c)
      {
      case 'b':
        bundle = optarg;
        break;
      case OPT_ROOTLESS:
        rootless = true;
        break;
      case 'h':
        spec_usage ();
        return 0;
      default:
        return ocirt_error_setx (err, EINVAL, "spec: unknown option or missing argument `%s`",
                                 argv[optind - 1]);
      }
  if (optind < argc)
    return ocirt_error_setx (err, EINVAL, "spec: unexpected argument `%s`", argv[optind]);
  if (defaults_config (rootless, &config, err) < 0 || oci_config_to_json (config, &json, err) < 0)
    return -(*err)->code;
  len = strlen (json);
  if (asprintf (&text, "%s%s", json, len && json[len - 1] == '\n' ? "" : "\n") < 0)
    return ocirt_error_set (err, ENOMEM, "spec");
  return write_new_config (bundle, text, err);
}
