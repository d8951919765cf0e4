/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "core/lsm.h"
#include "core/mountopt.h"

enum opt_kind
{
  OPT_FLAG,        /* sets `value` in flags */
  OPT_CLEAR,       /* clears `value` from flags and records it as cleared */
  OPT_PROPAGATION, /* a propagation change applied after the mount */
  OPT_REC_SET,     /* mount_setattr attr_set, recursive */
  OPT_REC_CLEAR,   /* mount_setattr attr_clr, recursive */
  OPT_REC_ATIME,   /* mount_setattr atime mode (one of MOUNT_ATTR__ATIME's values) */
  OPT_IDMAP,
  OPT_RIDMAP,
  OPT_TMPCOPYUP,
};

struct opt
{
  const char *name;
  enum opt_kind kind;
  unsigned long value;
};

/* mount(8)'s filesystem-independent options plus the spec's table
   (config.md "Linux mount options"). */
static const struct opt option_table[] = {
  { "defaults", OPT_FLAG, 0 },
  { "ro", OPT_FLAG, MS_RDONLY },
  { "rw", OPT_CLEAR, MS_RDONLY },
  { "nosuid", OPT_FLAG, MS_NOSUID },
  { "suid", OPT_CLEAR, MS_NOSUID },
  { "nodev", OPT_FLAG, MS_NODEV },
  { "dev", OPT_CLEAR, MS_NODEV },
  { "noexec", OPT_FLAG, MS_NOEXEC },
  { "exec", OPT_CLEAR, MS_NOEXEC },
  { "sync", OPT_FLAG, MS_SYNCHRONOUS },
  { "async", OPT_CLEAR, MS_SYNCHRONOUS },
  { "dirsync", OPT_FLAG, MS_DIRSYNC },
  { "remount", OPT_FLAG, MS_REMOUNT },
  { "mand", OPT_FLAG, MS_MANDLOCK },
  { "nomand", OPT_CLEAR, MS_MANDLOCK },
  { "noatime", OPT_FLAG, MS_NOATIME },
  { "atime", OPT_CLEAR, MS_NOATIME },
  { "nodiratime", OPT_FLAG, MS_NODIRATIME },
  { "diratime", OPT_CLEAR, MS_NODIRATIME },
  { "relatime", OPT_FLAG, MS_RELATIME },
  { "norelatime", OPT_CLEAR, MS_RELATIME },
  { "strictatime", OPT_FLAG, MS_STRICTATIME },
  { "nostrictatime", OPT_CLEAR, MS_STRICTATIME },
  { "lazytime", OPT_FLAG, MS_LAZYTIME },
  { "nolazytime", OPT_CLEAR, MS_LAZYTIME },
  { "silent", OPT_FLAG, MS_SILENT },
  { "loud", OPT_CLEAR, MS_SILENT },
  { "iversion", OPT_FLAG, MS_I_VERSION },
  { "noiversion", OPT_CLEAR, MS_I_VERSION },
  { "nosymfollow", OPT_FLAG, MS_NOSYMFOLLOW },
  { "symfollow", OPT_CLEAR, MS_NOSYMFOLLOW },
  { "bind", OPT_FLAG, MS_BIND },
  { "rbind", OPT_FLAG, MS_BIND | MS_REC },
  { "private", OPT_PROPAGATION, MS_PRIVATE },
  { "rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC },
  { "shared", OPT_PROPAGATION, MS_SHARED },
  { "rshared", OPT_PROPAGATION, MS_SHARED | MS_REC },
  { "slave", OPT_PROPAGATION, MS_SLAVE },
  { "rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC },
  { "unbindable", OPT_PROPAGATION, MS_UNBINDABLE },
  { "runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC },
  { "rro", OPT_REC_SET, MOUNT_ATTR_RDONLY },
  { "rrw", OPT_REC_CLEAR, MOUNT_ATTR_RDONLY },
  { "rnosuid", OPT_REC_SET, MOUNT_ATTR_NOSUID },
  { "rsuid", OPT_REC_CLEAR, MOUNT_ATTR_NOSUID },
  { "rnodev", OPT_REC_SET, MOUNT_ATTR_NODEV },
  { "rdev", OPT_REC_CLEAR, MOUNT_ATTR_NODEV },
  { "rnoexec", OPT_REC_SET, MOUNT_ATTR_NOEXEC },
  { "rexec", OPT_REC_CLEAR, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", OPT_REC_SET, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", OPT_REC_CLEAR, MOUNT_ATTR_NODIRATIME },
  { "rnosymfollow", OPT_REC_SET, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", OPT_REC_CLEAR, MOUNT_ATTR_NOSYMFOLLOW },
  /* The atime modes are mutually exclusive values of one field: turning one
     "off" means the kernel default (relatime), except that "norelatime"
     means strictatime, as mount(8) documents. */
  { "rrelatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME },
  { "rnorelatime", OPT_REC_ATIME, MOUNT_ATTR_STRICTATIME },
  { "rnoatime", OPT_REC_ATIME, MOUNT_ATTR_NOATIME },
  { "ratime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME },
  { "rstrictatime", OPT_REC_ATIME, MOUNT_ATTR_STRICTATIME },
  { "rnostrictatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME },
  { "idmap", OPT_IDMAP, 0 },
  { "ridmap", OPT_RIDMAP, 0 },
  { "tmpcopyup", OPT_TMPCOPYUP, 0 },
};

static const struct opt *
find_opt (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (option_table); i++)
    if (strcmp (option_table[i].name, name) == 0)
      return &option_table[i];
  return NULL;
}

static int
append_data (char **data, const char *option)
{
  size_t old = *data ? strlen (*data) : 0;
  char *n = realloc (*data, old + strlen (option) + 2);
  if (n == NULL)
    return -ENOMEM;
  if (old)
    n[old++] = ',';
  strcpy (n + old, option);
  *data = n;
  return 0;
}

static int
apply_opt (const struct opt *o, struct mount_options *r)
{
  switch (o->kind)
    {
    case OPT_FLAG:
      r->flags |= o->value;
      r->clear_flags &= ~o->value;
      break;
    case OPT_CLEAR:
      r->flags &= ~o->value;
      r->clear_flags |= o->value;
      break;
    case OPT_PROPAGATION:
      if (r->propagation_len >= ARRAY_SIZE (r->propagation))
        return -E2BIG;
      r->propagation[r->propagation_len++] = o->value;
      break;
    case OPT_REC_SET:
      r->rec_attr_set |= o->value;
      r->rec_attr_clr &= ~o->value;
      break;
    case OPT_REC_CLEAR:
      r->rec_attr_clr |= o->value;
      r->rec_attr_set &= ~o->value;
      break;
    case OPT_REC_ATIME:
      r->rec_attr_set = (r->rec_attr_set & ~(uint64_t) MOUNT_ATTR__ATIME) | o->value;
      r->rec_attr_clr |= MOUNT_ATTR__ATIME;
      break;
    case OPT_IDMAP:
      r->idmap = true;
      break;
    case OPT_RIDMAP:
      r->idmap = r->idmap_rec = true;
      break;
    case OPT_TMPCOPYUP:
      r->tmpcopyup = true;
      break;
    }
  return 0;
}

int
mountopt_parse (char *const *options, size_t n, struct mount_options *ret, struct ocirt_error **err)
{
  struct mount_options r = { 0 };

  for (size_t i = 0; i < n; i++)
    {
      const struct opt *o = find_opt (options[i]);
      /* SELinux context options without SELinux: the kernel says EINVAL. */
      int rc = o                                       ? apply_opt (o, &r)
               : lsm_mount_option_dropped (options[i]) ? 0
                                                       : append_data (&r.data, options[i]);
      if (rc < 0)
        {
          mountopt_clear (&r);
          return ocirt_error_set (err, -rc, "mount option `%s`", options[i]);
        }
    }
  *ret = r;
  return 0;
}

void
mountopt_clear (struct mount_options *opts)
{
  free (opts->data);
  opts->data = NULL;
}

int
mountopt_propagation_flags (const char *name, unsigned long *ret)
{
  const struct opt *o = find_opt (name);
  if (o == NULL || o->kind != OPT_PROPAGATION)
    return -EINVAL;
  *ret = o->value;
  return 0;
}

bool
mountopt_names_bind (char *const *options, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (options[i], "bind") == 0 || strcmp (options[i], "rbind") == 0)
      return true;
  return false;
}
