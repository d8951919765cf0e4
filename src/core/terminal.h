/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "oci-config.h"
#include "util/error.h"

/* The container's pseudo-terminal (process.terminal). */

/* Opens a pty pair from /dev/ptmx as the calling process sees it (inside the
   container after pivot_root, so the pair lives in the container's devpts).
   The slave comes from the master by ioctl(TIOCGPTPEER), never by opening a
   /dev/pts/N path that the container could have swapped (CVE-2025-52565);
   both ends are checked to be what they claim. Both fds O_CLOEXEC, the
   caller's. */
int terminal_open_pty (int *ret_master, int *ret_slave, struct ocirt_error **err);

/* Connects to the AF_UNIX stream socket at `path` (paths longer than
   sun_path go through /proc/self/fd of their directory): *ret_fd is the
   caller's. The runtime connects before pivot_root, where the host path is
   still reachable, and hands the fd to the init. */
int terminal_connect_console_socket (const char *path, int *ret_fd, struct ocirt_error **err);

/* Sends `master` over the connected socket `sock` as runc does: one
   SCM_RIGHTS fd with the payload "/dev/ptmx" (the name runc's console package
   gives the master), which recvtty, conmon and containerd accept. */
int terminal_send_fd (int sock, int master, struct ocirt_error **err);

/* terminal_connect_console_socket + terminal_send_fd + close. */
int terminal_send_master (const char *console_socket_path, int master, struct ocirt_error **err);

/* setsid, TIOCSCTTY on `slave`, and `slave` onto 0, 1 and 2 (closed after when
   it is another fd). */
int terminal_make_controlling (int slave, struct ocirt_error **err);

/* TIOCSWINSZ on `fd` (rows = process.consoleSize.height, cols = width). */
int terminal_set_size (int fd, uint64_t rows, uint64_t cols, struct ocirt_error **err);

/* For a foreground `run` with a terminal and no console socket: our stdin in
   raw mode when it is a tty (restored before returning), stdin copied to
   `master` and `master` to stdout, SIGWINCH size changes forwarded. Returns
   when the master hangs up (every slave fd closed). One poll loop, no threads. */
int terminal_proxy (int master, struct ocirt_error **err);

/* terminal_proxy with explicit ends (in_fd -> master -> out_fd). */
int terminal_proxy_fds (int master, int in_fd, int out_fd, struct ocirt_error **err);

/* Makes the process's user the owner of its terminal `slave` (runc does;
   programs such as `script` or ssh-like tools check it). NULL user: root. */
int terminal_give_to_user (int slave, const struct oci_user *user, struct ocirt_error **err);
