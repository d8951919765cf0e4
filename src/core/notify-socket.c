/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify-socket.h"
#include "util/strv.h"

int
notify_socket_prepare (int entry_fd, const char *entry_path, struct oci_config *config,
                       struct ocirt_error **err)
{
  static const char *const options[] = { "bind", "nosuid", "nodev", "noexec" };
  static const char *const env[] = { "NOTIFY_SOCKET=" NOTIFY_CONTAINER_SOCKET };
  struct oci_mount *grown, *m;
  char *source = NULL;

  /* Traversable by the container's user, whoever that is: the socket
     itself is bound by `start` with mode 0777. */
  if (mkdirat (entry_fd, NOTIFY_DIR, 0755) < 0 || fchmodat (entry_fd, NOTIFY_DIR, 0755, 0) < 0)
    return ocirt_error_set (err, errno, "create the notify socket directory");
  if (asprintf (&source, "%s/" NOTIFY_DIR, entry_path) < 0)
    return ocirt_error_set (err, ENOMEM, "NOTIFY_SOCKET");
  grown = realloc (config->mounts, (config->mounts_len + 1) * sizeof *grown);
  if (grown == NULL)
    {
      free (source);
      return ocirt_error_set (err, ENOMEM, "NOTIFY_SOCKET");
    }
  config->mounts = grown;
  m = &grown[config->mounts_len++];
  memset (m, 0, sizeof *m);
  m->source = source;
  m->destination = strdup ("/run/notify");
  m->type = strdup ("bind");
  if (m->destination == NULL || m->type == NULL
      || strv_append (&m->options, &m->options_len, options, sizeof options / sizeof options[0]) < 0
      || strv_append (&config->process->env, &config->process->env_len, env, 1) < 0)
    return ocirt_error_set (err, ENOMEM, "NOTIFY_SOCKET");
  return 0;
}

int
notify_socket_listen (int entry_fd, struct ocirt_error **err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int dir_fd, fd;

  dir_fd = openat (entry_fd, NOTIFY_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0)
    return ocirt_error_set (err, errno, "open the notify socket directory");
  /* Through the directory's fd: an entry path can be longer than sun_path. */
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/notify.sock", dir_fd);
  (void) unlinkat (dir_fd, "notify.sock", 0);
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0
      || fchmodat (dir_fd, "notify.sock", 0777, 0) < 0)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      close (dir_fd);
      return ocirt_error_set (err, saved, "bind the container's notify socket");
    }
  close (dir_fd);
  return fd;
}

int
notify_socket_relay (int sock, int pidfd, const char *host_path, struct ocirt_error **err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char msg[4096];

  if (strlen (host_path) >= sizeof addr.sun_path)
    return ocirt_error_setx (err, ENAMETOOLONG, "NOTIFY_SOCKET `%s`: path too long", host_path);
  strcpy (addr.sun_path, host_path);
  for (;;)
    {
      struct pollfd pfd[2] = { { .fd = sock, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
      ssize_t n;

      if (poll (pfd, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return ocirt_error_set (err, errno, "wait for the container's notification");
        }
      if (!(pfd[0].revents & POLLIN))
        return 0; /* the process exited without READY=1: nothing to relay */
      n = recv (sock, msg, sizeof msg - 1, 0);
      if (n <= 0)
        continue;
      msg[n] = '\0';
      if (strncmp (msg, "READY=1", 7) != 0 && strstr (msg, "\nREADY=1") == NULL)
        continue;
      /* The caller's socket is a host path: sent from outside the container. */
      if (sendto (sock, msg, (size_t) n, 0, (struct sockaddr *) &addr, sizeof addr) < 0)
        return ocirt_error_set (err, errno, "relay READY=1 to NOTIFY_SOCKET `%s`", host_path);
      return 0;
    }
}
