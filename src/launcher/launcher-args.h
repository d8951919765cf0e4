/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/* Whether the command line names a command that puts a process into a
   container (create, run, exec): only those need the runtime started from
   a file no container can write (CVE-2019-5736). Global options are skipped
   as the runtime skips them; anything the runtime would reject (an unknown
   option, no command) answers false and is left for it to report. */
bool launcher_enters_container (int argc, char **argv);
