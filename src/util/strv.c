/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

int
strv_append (char ***list, size_t *len, const char *const *add, size_t n)
{
  char **grown = realloc (*list, (*len + n + 1) * sizeof (char *));

  if (grown == NULL)
    return -ENOMEM;
  *list = grown;
  for (size_t i = 0; i < n; i++)
    {
      grown[*len] = strdup (add[i]);
      if (grown[*len] == NULL)
        return -ENOMEM;
      grown[++*len] = NULL;
    }
  grown[*len] = NULL;
  return 0;
}
