/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The network namespace made by a helper, and the namespaces and part of
   the rootfs the init makes before it joins its cgroups. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ahead.h"
#include "namespace.h"
#include "util/fdpass.h"
#include "util/raw-syscall.h"

static const struct oci_namespace *
joined (const struct namespace_plan *ns, int flag)
{
  for (size_t i = 0; i < ns->n_join; i++)
    if (namespace_flag (ns->join[i]->type) == flag)
      return ns->join[i];
  return NULL;
}

void
ahead_plan_make (const struct namespace_plan *ns, const struct oci_config *config, const char *bundle,
                 const char *rootfs, struct ahead_plan *ret)
{
  bool own_user = !(ns->new_flags & CLONE_NEWUSER) && joined (ns, CLONE_NEWUSER) == NULL;
  bool mount = own_user && (ns->new_flags & CLONE_NEWNS) && joined (ns, CLONE_NEWNS) == NULL;

  *ret = (struct ahead_plan){
    .net = own_user && (ns->new_flags & CLONE_NEWNET),
    .net_joined = own_user ? joined (ns, CLONE_NEWNET) : NULL,
    .mount = mount,
    .ipc = mount && (ns->new_flags & CLONE_NEWIPC),
    .ipc_joined = mount ? joined (ns, CLONE_NEWIPC) : NULL,
    .config = config,
    .bundle = bundle,
    .rootfs = rootfs,
  };
}

bool
ahead_text_wants_net (const char *json, size_t len)
{
  static const char word[] = "\"network\"", path[] = "\"path\"";
  const char *end = json + len;

  for (const char *p = json; (p = memmem (p, (size_t) (end - p), word, sizeof word - 1)) != NULL;
       p += sizeof word - 1)
    {
      /* The object around it, as far as braces tell. */
      const char *open = memrchr (json, '{', (size_t) (p - json));
      const char *close = memchr (p, '}', (size_t) (end - p));
      const char *from = open ? open : json, *to = close ? close : end;
      if (memmem (from, (size_t) (to - from), path, sizeof path - 1) == NULL)
        return true;
    }
  return false;
}

/* --- the helper -------------------------------------------------------------- */

bool
ahead_cpus_besides_ours (cpu_set_t *ret_ours, cpu_set_t *ret_others)
{
  int cpu = sched_getcpu ();

  if (cpu < 0 || sched_getaffinity (0, sizeof *ret_ours, ret_ours) < 0 || !CPU_ISSET (cpu, ret_ours))
    return false;
  *ret_others = *ret_ours;
  CPU_CLR (cpu, ret_others);
  return CPU_COUNT (ret_others) > 0;
}

#if RAW_SYSCALL_AVAILABLE

/* Static: making it costs no mapping, and there is one helper at a time. */
static char helper_stack[64 * 1024] __attribute__ ((aligned (64)));

static __attribute__ ((always_inline)) inline long
send_fd_raw (int sock, int fd)
{
  char byte = 0;
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control
      = { .align
          = { .cmsg_len = CMSG_LEN (sizeof (int)), .cmsg_level = SOL_SOCKET, .cmsg_type = SCM_RIGHTS } };
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf
  };

  *(int *) (void *) CMSG_DATA (&control.align) = fd;
  return raw_syscall4 (SYS_sendmsg, sock, (long) &msg, MSG_NOSIGNAL, 0);
}

/* Runs beside the runtime in its memory: only raw system calls, nothing of
   the C library (its errno and locks are the runtime's), no sanitizer
   bookkeeping (the runtime's too). Whatever fails, it sends nothing, and
   the init, reading end of file, makes the namespace itself. Its fds,
   copies of the runtime's, close as it exits. */
__attribute__ ((no_sanitize_address)) static int
net_helper (void *data)
{
  int sock = (int) (intptr_t) data;
  struct ifreq ifr = { .ifr_name = "lo" };
  long s, ns;

  if (raw_syscall4 (SYS_unshare, CLONE_NEWNET, 0, 0, 0) < 0)
    return 1;
  s = raw_syscall4 (SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, 0);
  if (s < 0 || raw_syscall4 (SYS_ioctl, s, SIOCGIFFLAGS, (long) &ifr, 0) < 0)
    return 1;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (raw_syscall4 (SYS_ioctl, s, SIOCSIFFLAGS, (long) &ifr, 0) < 0)
    return 1;
  ns = raw_syscall4 (SYS_openat, AT_FDCWD, (long) "/proc/self/ns/net", O_RDONLY | O_CLOEXEC, 0);
  if (ns < 0)
    return 1;
  return send_fd_raw (sock, (int) ns) < 0;
}

void
ahead_net_begin (struct ahead_net *n)
{
  cpu_set_t ours, others;
  int pair[2];

  /* Sequenced packets: the init reads end of file if nothing comes. */
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
    return;
  n->pid = clone (net_helper, helper_stack + sizeof helper_stack, CLONE_VM | SIGCHLD,
                  (void *) (intptr_t) pair[1]);
  close (pair[1]);
  if (n->pid < 0)
    {
      close (pair[0]);
      return;
    }
  n->fd = pair[0];
  /* Started on this CPU, it would preempt us (a new task runs first) and
     the two would take turns while another CPU idles: moved off ours at
     once. */
  if (ahead_cpus_besides_ours (&ours, &others))
    (void) sched_setaffinity (n->pid, sizeof others, &others);
}

#else

void
ahead_net_begin (struct ahead_net *n)
{
  (void) n; /* no raw system calls here: the init makes the namespace */
}

#endif

void
ahead_net_close (struct ahead_net *n)
{
  cleanup_closep (&n->fd);
}

void
ahead_net_release (struct ahead_net *n)
{
  ahead_net_close (n);
  if (n->pid > 0)
    while (waitpid (n->pid, NULL, 0) < 0 && errno == EINTR)
      ;
  n->pid = -1;
}

/* --- in the init ------------------------------------------------------------- */

static int
enter_new_net (int net_fd, struct ocirt_error **err)
{
  int fd = -1;

  if (net_fd >= 0 && fdpass_receive (net_fd, &fd) == 0)
    {
      /* setns checks that it is a network namespace. */
      int r = setns (fd, CLONE_NEWNET);
      close (fd);
      return r < 0 ? ocirt_error_set (err, errno, "enter the new network namespace") : 0;
    }
  if (unshare (CLONE_NEWNET) < 0)
    return ocirt_error_set (err, errno, "create the network namespace");
  return namespace_loopback_up (err);
}

int
ahead_enter (const struct ahead_plan *plan, int net_fd, int *ret_entered, struct rootfs_ctx **ret_rootfs,
             struct ocirt_error **err)
{
  int flags = CLONE_NEWNS | (plan->ipc ? CLONE_NEWIPC : 0);
  int entered = 0, r = 0;

  /* sysfs shows the network namespace of whoever mounts it. */
  if (plan->net)
    r = enter_new_net (net_fd, err);
  else if (plan->net_joined)
    r = namespace_join_entry (plan->net_joined, err);
  if (r < 0)
    return r;
  if (plan->net || plan->net_joined)
    entered |= CLONE_NEWNET;
  if (plan->mount)
    {
      /* mqueue mounts belong to the IPC namespace of whoever mounts them. */
      if (unshare (flags) < 0)
        return ocirt_error_set (err, errno, "create namespaces");
      if (plan->ipc_joined && namespace_join_entry (plan->ipc_joined, err) < 0)
        return -(*err)->code;
      entered |= flags | (plan->ipc_joined ? CLONE_NEWIPC : 0);
      if (chdir (plan->bundle) < 0)
        return ocirt_error_set (err, errno, "chdir to the bundle `%s`", plan->bundle);
      if ((r = rootfs_setup_ahead (plan->config, plan->rootfs, ret_rootfs, err)) < 0)
        return r;
    }
  *ret_entered = entered;
  return 0;
}
