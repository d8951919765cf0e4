/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* One mounts[].options array, sorted into what each kernel interface takes. */
struct mount_options
{
  unsigned long flags;       /* MS_* to pass to mount(2), MS_BIND and MS_REC included */
  unsigned long clear_flags; /* MS_* the options explicitly turn off ("rw", "suid", "atime"...) */
  /* Propagation changes (MS_SHARED, MS_SLAVE|MS_REC, ...), in the order given:
     each is a separate mount(2) call after the mount itself. */
  unsigned long propagation[8];
  size_t propagation_len;
  /* Recursive attributes for mount_setattr(AT_RECURSIVE); `rec_attr_clr`
     includes MOUNT_ATTR__ATIME whenever an atime attribute is set, as the
     kernel requires. */
  uint64_t rec_attr_set;
  uint64_t rec_attr_clr;
  bool idmap;     /* "idmap" or "ridmap" */
  bool idmap_rec; /* "ridmap" */
  bool tmpcopyup;
  char *data; /* unknown options, comma-joined in order, or NULL: filesystem data */
};

/* Parses `options` (n strings) into *ret (zeroed first); unknown options go to
   ret->data. Fails only on memory exhaustion or too many propagation options.
   Free with mountopt_clear(). */
int mountopt_parse (char *const *options, size_t n, struct mount_options *ret, struct ocirt_error **err);

/* Frees what mountopt_parse allocated in `opts`; `opts` itself is the caller's. */
void mountopt_clear (struct mount_options *opts);

/* Whether the options make a bind mount ("bind" or "rbind"), without
   parsing the rest. */
bool mountopt_names_bind (char *const *options, size_t n);

/* Maps a linux.rootfsPropagation value ("private", "rslave", ...) to MS_* flags;
   returns -EINVAL for an unknown value. */
int mountopt_propagation_flags (const char *name, unsigned long *ret);
