/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sync.h"
#include "util/fdpass.h"

struct sync_header
{
  uint32_t type;
  int32_t code;
};

int
sync_pair (int fds[2], struct ocirt_error **err)
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return ocirt_error_set (err, errno, "create sync socket");
  return 0;
}

int
sync_send (int fd, enum sync_type type, int32_t code, const char *text, struct ocirt_error **err)
{
  struct sync_header h = { .type = type, .code = code };
  size_t tlen = text ? strnlen (text, SYNC_TEXT_MAX) : 0;
  struct iovec iov[2] = { { &h, sizeof h }, { (void *) text, tlen } };
  struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
  ssize_t n;

  do
    /* MSG_NOSIGNAL: a peer that died must not kill us with SIGPIPE. */
    n = sendmsg (fd, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return ocirt_error_set (err, errno, "sync: send");
  return 0;
}

int
sync_send_fd (int fd, enum sync_type type, int32_t code, int attached, struct ocirt_error **err)
{
  struct sync_header h = { .type = type, .code = code };
  int r = fdpass_send_many (fd, &h, sizeof h, &attached, attached >= 0);

  return r < 0 ? ocirt_error_set (err, -r, "sync: send") : 0;
}

void
sync_send_error (int fd, const struct ocirt_error *error)
{
  (void) sync_send (fd, SYNC_ERROR, error ? error->code : EIO, error ? error->msg : "unknown error", NULL);
}

int
sync_decode (const void *buf, size_t len, enum sync_type *ret_type, int32_t *ret_code, char *text,
             size_t text_size)
{
  struct sync_header h;
  size_t tlen;

  if (len < sizeof h || text_size == 0)
    return -EBADMSG;
  memcpy (&h, buf, sizeof h);
  if (h.type < SYNC_PROCEED || h.type > SYNC_ERROR)
    return -EBADMSG;
  tlen = len - sizeof h;
  if (tlen >= text_size)
    tlen = text_size - 1;
  memcpy (text, (const char *) buf + sizeof h, tlen);
  text[tlen] = '\0';
  *ret_type = (enum sync_type) h.type;
  *ret_code = h.code;
  return 0;
}

/* One message, or *ret_eof when the peer closed its end; with
   `ret_attached`, the fd it carries (-1: none), any other fd is closed. */
static int
receive_message (int fd, enum sync_type *ret_type, int32_t *ret_code, int *ret_attached, bool *ret_eof,
                 struct ocirt_error **err)
{
  char buf[sizeof (struct sync_header) + SYNC_TEXT_MAX];
  char text[SYNC_TEXT_MAX + 1];
  int attached = -1, r;
  size_t len, n;

  /* ECONNRESET: the peer closed its end with a message of ours unread (a
     SYNC_COMMIT sent early to an init that then failed). The kernel says
     so once, possibly before what the peer sent last: read on. */
  do
    r = fdpass_receive_many (fd, buf, sizeof buf, &len, &attached, 1, &n);
  while (r == -ECONNRESET);
  *ret_eof = r == -EPIPE;
  if (*ret_eof)
    return 0;
  if (r < 0)
    return ocirt_error_set (err, -r, "sync: receive");
  if (sync_decode (buf, len, ret_type, ret_code, text, sizeof text) < 0)
    r = ocirt_error_setx (err, EBADMSG, "sync: malformed message");
  else if (*ret_type == SYNC_ERROR)
    r = ocirt_error_from (err, *ret_code > 0 ? *ret_code : EIO, text);
  if (n && (r < 0 || ret_attached == NULL))
    close (attached);
  if (ret_attached)
    *ret_attached = r < 0 || n == 0 ? -1 : attached;
  return r;
}

/* The next message, which must be `expected` when that is not 0. */
static int
receive (int fd, enum sync_type expected, enum sync_type *ret_type, int32_t *ret_code, int *ret_attached,
         struct ocirt_error **err)
{
  bool eof;
  int r = receive_message (fd, ret_type, ret_code, ret_attached, &eof, err);

  if (r == 0 && eof)
    return ocirt_error_setx (err, EPIPE, "the container's init exited unexpectedly");
  if (r == 0 && expected && *ret_type != expected)
    {
      if (ret_attached)
        cleanup_closep (ret_attached);
      return ocirt_error_setx (err, EBADMSG, "sync: expected message %d, got %d", expected, *ret_type);
    }
  return r;
}

int
sync_receive (int fd, enum sync_type *ret_type, struct ocirt_error **err)
{
  int32_t code;

  return receive (fd, 0, ret_type, &code, NULL, err);
}

int
sync_await_close (int fd, struct ocirt_error **err)
{
  enum sync_type type;
  int32_t code;
  bool eof;
  int r = receive_message (fd, &type, &code, NULL, &eof, err);

  if (r == 0 && !eof)
    return ocirt_error_setx (err, EBADMSG, "sync: unexpected message %d", type);
  return r;
}

int
sync_expect (int fd, enum sync_type expected, struct ocirt_error **err)
{
  enum sync_type type;
  int32_t code;

  return receive (fd, expected, &type, &code, NULL, err);
}

int
sync_expect_fd (int fd, enum sync_type expected, int32_t *ret_code, int *ret_attached,
                struct ocirt_error **err)
{
  enum sync_type type;

  return receive (fd, expected, &type, ret_code, ret_attached, err);
}
