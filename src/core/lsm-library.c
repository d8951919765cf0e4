/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dlfcn.h>
#include <stddef.h>

#include "lsm-library.h"

int
lsm_library_query (const char *library, const char *symbol)
{
  void *handle = dlopen (library, RTLD_NOW | RTLD_LOCAL);
  int (*fn) (void);

  if (handle == NULL)
    return -1;
  fn = (int (*) (void)) dlsym (handle, symbol);
  return fn ? fn () : -1;
}
