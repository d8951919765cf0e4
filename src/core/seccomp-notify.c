/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "oci-config.h"
#include "seccomp-notify.h"
#include "util/fdpass.h"

int
seccomp_pass_notify_fd (int sock, int fd, struct ocirt_error **err)
{
  int r = fdpass_send (sock, "S", 1, fd);

  if (r < 0)
    return ocirt_error_set (err, -r, "pass the seccomp listener fd");
  return 0;
}

static int
gen_key_str (yajl_gen g, const char *key, const char *value)
{
  if (yajl_gen_string (g, (const unsigned char *) key, strlen (key)) != yajl_gen_status_ok
      || yajl_gen_string (g, (const unsigned char *) value, strlen (value)) != yajl_gen_status_ok)
    return -ENOMEM;
  return 0;
}

/* Everything but "state", as an unfinished object: the state JSON is the
   runtime's own serialization and goes in as it is. */
static int
gen_head (yajl_gen g, const char *metadata, pid_t pid)
{
  static const char fds[] = "fds", seccomp_fd[] = "seccompFd", pid_key[] = "pid";

  if (yajl_gen_map_open (g) != yajl_gen_status_ok || gen_key_str (g, "ociVersion", OCI_VERSION) < 0
      || yajl_gen_string (g, (const unsigned char *) fds, sizeof fds - 1) != yajl_gen_status_ok
      || yajl_gen_array_open (g) != yajl_gen_status_ok
      || yajl_gen_string (g, (const unsigned char *) seccomp_fd, sizeof seccomp_fd - 1) != yajl_gen_status_ok
      || yajl_gen_array_close (g) != yajl_gen_status_ok
      || yajl_gen_string (g, (const unsigned char *) pid_key, sizeof pid_key - 1) != yajl_gen_status_ok
      || yajl_gen_integer (g, pid) != yajl_gen_status_ok)
    return -ENOMEM;
  if (metadata && gen_key_str (g, "metadata", metadata) < 0)
    return -ENOMEM;
  return 0;
}

static void
yajl_gen_freep (yajl_gen *g)
{
  if (*g)
    yajl_gen_free (*g);
}

int
seccomp_process_state_json (const char *metadata, pid_t pid, const char *state_json, char **ret,
                            struct ocirt_error **err)
{
  _cleanup_ (yajl_gen_freep) yajl_gen g = yajl_gen_alloc (NULL);
  yajl_val state;
  const unsigned char *head;
  size_t head_len;
  char *out;

  /* A malformed state would make the whole document unreadable for the agent. */
  state = state_json ? yajl_tree_parse (state_json, NULL, 0) : NULL;
  if (state == NULL || !YAJL_IS_OBJECT (state))
    {
      yajl_tree_free (state);
      return ocirt_error_setx (err, EINVAL, "seccomp notify: the container state is not a JSON object");
    }
  yajl_tree_free (state);
  if (g == NULL || gen_head (g, metadata, pid) < 0
      || yajl_gen_get_buf (g, &head, &head_len) != yajl_gen_status_ok)
    return ocirt_error_set (err, ENOMEM, "seccomp notify: build the container process state");
  if (asprintf (&out, "%.*s,\"state\":%s}", (int) head_len, (const char *) head, state_json) < 0)
    return ocirt_error_set (err, ENOMEM, "seccomp notify: build the container process state");
  *ret = out;
  return 0;
}

static int
connect_listener (const char *path, struct ocirt_error **err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  _cleanup_close_ int fd = -1;

  if (strlen (path) >= sizeof addr.sun_path)
    return ocirt_error_setx (err, ENAMETOOLONG,
                             "linux.seccomp.listenerPath: `%s` is too long for a unix socket", path);
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return ocirt_error_set (err, errno, "linux.seccomp.listenerPath: socket");
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return ocirt_error_set (err, errno,
                            "linux.seccomp.listenerPath: failed to connect with seccomp agent `%s`", path);
  return TAKE_FD (fd);
}

int
seccomp_send_notify_fd (const char *listener_path, const char *metadata, int notify_fd,
                        const char *state_json, pid_t pid, struct ocirt_error **err)
{
  _cleanup_free_ char *json = NULL;
  _cleanup_close_ int sock = -1;
  size_t len, done;
  int r;

  if (listener_path == NULL)
    return ocirt_error_setx (err, EINVAL,
                             "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
  if ((r = seccomp_process_state_json (metadata, pid, state_json, &json, err)) < 0)
    return r;
  if ((sock = connect_listener (listener_path, err)) < 0)
    return sock;
  len = strlen (json);
  /* The fd rides on the first sendmsg only, as the spec requires when the
     state takes several. */
  r = fdpass_send (sock, json, len, notify_fd);
  if (r < 0)
    return ocirt_error_set (err, -r, "linux.seccomp.listenerPath: send to `%s`", listener_path);
  for (done = (size_t) r; done < len; done += (size_t) r)
    {
      do
        r = (int) send (sock, json + done, len - done, MSG_NOSIGNAL);
      while (r < 0 && errno == EINTR);
      if (r <= 0)
        return ocirt_error_set (err, r < 0 ? errno : EPIPE, "linux.seccomp.listenerPath: send to `%s`",
                                listener_path);
    }
  return 0;
}
