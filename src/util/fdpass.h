/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/* The most fds one message carries. */
#define FDPASS_MAX 64

/* Receives one fd sent with SCM_RIGHTS over the unix socket `sock` (the
   payload bytes are read and ignored). The fd is made CLOEXEC. Returns 0
   and *ret_fd, or a negative errno (-EPIPE when the peer closed). */
int fdpass_receive (int sock, int *ret_fd);

/* Receives one message: its payload (up to `cap` bytes, *ret_len) into
   `data` (the rest of a longer one is lost) and the fds attached
   (CLOEXEC, up to `max`, *ret_n) into `fds`. More fds than `max` is
   -EBADMSG (they are closed); -EPIPE when the peer closed. */
int fdpass_receive_many (int sock, void *data, size_t cap, size_t *ret_len, int *fds, size_t max,
                         size_t *ret_n);

/* Sends `len` bytes of `data` (at least one: a payload carries the fd) with
   `fd` attached (SCM_RIGHTS) over the unix socket `sock`. Returns the bytes
   sent or a negative errno. */
int fdpass_send (int sock, const void *data, size_t len, int fd);

/* The same with `n` fds (up to FDPASS_MAX; none is allowed). */
int fdpass_send_many (int sock, const void *data, size_t len, const int *fds, size_t n);
