/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "core/container.h"
#include "util/error.h"

/* `run`'s options beyond create's. */
struct run_extra_options
{
  bool detach;
  bool keep;
};

/* Parses create's options (and, with `run` non-NULL, run's extras) and the
   container id into *opts. */
int cmd_parse_create_options (int argc, char **argv, struct create_options *opts,
                              struct run_extra_options *run, struct ocirt_error **err);
