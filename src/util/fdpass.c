/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"

int
fdpass_receive_many (int sock, void *data, size_t cap, size_t *ret_len, int *fds, size_t max, size_t *ret_n)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * FDPASS_MAX)];
    struct cmsghdr align;
  } control;
  struct iovec iov = { data, cap };
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf
  };
  struct cmsghdr *cmsg;
  size_t n = 0;
  ssize_t len;

  do
    len = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (len < 0 && errno == EINTR);
  if (len < 0)
    return -errno;
  cmsg = CMSG_FIRSTHDR (&msg);
  if (len == 0 && cmsg == NULL)
    return -EPIPE;
  if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
    n = (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int);
  if (n > max || (msg.msg_flags & MSG_CTRUNC))
    {
      for (size_t i = 0; i < n; i++)
        close (((int *) (void *) CMSG_DATA (cmsg))[i]);
      return -EBADMSG;
    }
  if (n)
    memcpy (fds, CMSG_DATA (cmsg), n * sizeof (int));
  *ret_len = (size_t) len;
  *ret_n = n;
  return 0;
}

int
fdpass_receive (int sock, int *ret_fd)
{
  char payload[256];
  size_t len, n;
  int fd, r = fdpass_receive_many (sock, payload, sizeof payload, &len, &fd, 1, &n);

  if (r == 0 && n != 1)
    return -EBADMSG;
  if (r == 0)
    *ret_fd = fd;
  return r;
}

int
fdpass_send_many (int sock, const void *data, size_t len, const int *fds, size_t n)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * FDPASS_MAX)];
    struct cmsghdr align;
  } control;
  struct iovec iov = { (void *) data, len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t sent;

  if (n > FDPASS_MAX)
    return -EINVAL;
  if (n > 0)
    {
      struct cmsghdr *cmsg;
      memset (control.buf, 0, sizeof control.buf);
      msg.msg_control = control.buf;
      msg.msg_controllen = CMSG_SPACE (sizeof (int) * n);
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int) * n);
      memcpy (CMSG_DATA (cmsg), fds, sizeof (int) * n);
    }
  do
    /* MSG_NOSIGNAL: a peer that went away must not kill us with SIGPIPE. */
    sent = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  return sent < 0 ? -errno : (int) sent;
}

int
fdpass_send (int sock, const void *data, size_t len, int fd)
{
  return fdpass_send_many (sock, data, len, &fd, 1);
}
