/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Scope-bound ownership: a variable declared with one of these attributes is
   released when it goes out of scope; TAKE_PTR/TAKE_FD hand it on instead. */

static inline void
cleanup_freep (void *p)
{
  free (*(void **) p);
}

/* Also usable by hand: it resets *fd, so a later cleanup of the same
   variable cannot close a recycled fd number. */
static inline void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      (void) close (*fd);
      *fd = -1;
      errno = saved;
    }
}

static inline void
cleanup_fclosep (FILE **f)
{
  if (*f)
    (void) fclose (*f);
}

static inline void
cleanup_closedirp (DIR **d)
{
  if (*d)
    (void) closedir (*d);
}

/* Frees a NULL-terminated array of strings. */
static inline void
cleanup_strvp (char ***v)
{
  if (*v == NULL)
    return;
  for (char **i = *v; *i; i++)
    free (*i);
  free (*v);
}

#define _cleanup_(f) __attribute__ ((cleanup (f)))
#define _cleanup_free_ _cleanup_ (cleanup_freep)
#define _cleanup_close_ _cleanup_ (cleanup_closep)
#define _cleanup_fclose_ _cleanup_ (cleanup_fclosep)
#define _cleanup_closedir_ _cleanup_ (cleanup_closedirp)
#define _cleanup_strv_ _cleanup_ (cleanup_strvp)

/* DEFINE_CLEANUP_FUNC (struct foo, foo_free) defines foo_freep for _cleanup_. */
#define DEFINE_CLEANUP_FUNC(type, func)                                                                      \
  static inline void func##p (type **p)                                                                      \
  {                                                                                                          \
    if (*p)                                                                                                  \
      func (*p);                                                                                             \
  }

#define TAKE_PTR(p)                                                                                          \
  ({                                                                                                         \
    __typeof__ (p) _taken = (p);                                                                             \
    (p) = NULL;                                                                                              \
    _taken;                                                                                                  \
  })

#define TAKE_FD(fd)                                                                                          \
  ({                                                                                                         \
    int _taken = (fd);                                                                                       \
    (fd) = -1;                                                                                               \
    _taken;                                                                                                  \
  })

#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))
