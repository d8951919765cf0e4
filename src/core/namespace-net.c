/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A new network namespace made ahead of the init, on a second CPU. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "namespace-net.h"
#include "namespace.h"

/* Only system calls here, no libc locks taken: the runtime may clone the
   init while this runs (it joins first, but must not depend on that). */
static void *
make_netns (void *data)
{
  struct netns_prep *p = data;

  if (unshare (CLONE_NEWNET) < 0)
    {
      p->err = errno;
      return NULL;
    }
  /* lo up now, as runc does for every new network namespace. */
  int r = namespace_loopback_up_raw ();
  if (r < 0)
    {
      p->err = -r;
      return NULL;
    }
  p->fd = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (p->fd < 0)
    p->err = errno;
  return NULL;
}

void
namespace_net_prepare (struct netns_prep *p)
{
  p->fd = -1;
  p->err = 0;
  p->started = pthread_create (&p->thread, NULL, make_netns, p) == 0;
}

int
namespace_net_finish (struct netns_prep *p)
{
  int fd;

  if (!p->started)
    return -1;
  (void) pthread_join (p->thread, NULL);
  p->started = false;
  fd = p->fd;
  p->fd = -1;
  return p->err == 0 ? fd : -1;
}
