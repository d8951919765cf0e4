/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/* Receives one fd sent with SCM_RIGHTS over the unix socket `sock` (the
   payload bytes are read and ignored). The fd is made CLOEXEC. Returns 0
   and *ret_fd, or a negative errno (-EPIPE when the peer closed). */
int fdpass_receive (int sock, int *ret_fd);

/* Sends `len` bytes of `data` (at least one: a payload carries the fd) with
   `fd` attached (SCM_RIGHTS) over the unix socket `sock`. Returns the bytes
   sent or a negative errno. */
int fdpass_send (int sock, const void *data, size_t len, int fd);
