/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads the start time (field 22 of /proc/PID/stat, in clock ticks since boot)
   of `pid`. Returns 0, -ESRCH if there is no such process, or one already on
   its way out (proc_stat_parse). A pid plus its start time names one process
   for ever: pids get reused, start times do not. */
int proc_start_time (pid_t pid, uint64_t *ret_start);

/* Parses the text of /proc/PID/stat: *ret_start gets field 22, and the
   result says whether the process still counts as living: not a zombie
   (Z, X), not exiting (PF_EXITING in field 9, "flags") and with no SIGKILL
   pending (field 31, "signal"). A process killed by its parent-death signal
   is alive for a moment after the signal, and nothing can stop it dying:
   `state` must not call it created or running meanwhile. Returns 0 when
   alive, -ESRCH when not, -EIO when the text is not such a line; *ret_start
   is set whenever it is such a line, living or not. */
int proc_stat_parse (const char *text, uint64_t *ret_start);

/* Is the process `pid` that started at `start` still there (not yet reaped;
   a zombie counts as gone)? */
bool proc_alive (pid_t pid, uint64_t start);

/* Opens a pidfd for `pid` and checks that it is still the process started at
   `start`, so a signal sent through it can never hit a recycled pid. Returns
   the fd or -ESRCH. */
int proc_pidfd_open_checked (pid_t pid, uint64_t start);

/* The same, but a process on its way out (exiting, SIGKILL pending, a main
   thread gone while other threads run) is still that process: for waiting
   until it has really gone, which is when it has left its cgroups. */
int proc_pidfd_open_to_wait (pid_t pid, uint64_t start);

/* Waits until the process behind `pidfd` exits, at most `timeout_ms` (-1:
   for ever). Returns 0 when it exited, -ETIMEDOUT otherwise. */
int proc_pidfd_wait (int pidfd, int timeout_ms);
