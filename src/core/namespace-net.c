/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A new network namespace made ahead of the init, on a second CPU. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "namespace-net.h"
#include "namespace.h"

/* The thread's stack: static, so that neither making it nor dropping it
   costs a mapping (unmapping would make the kernel flush the other CPU's
   TLB); one thread at a time, and it needs little. */
static char thread_stack[64 * 1024] __attribute__ ((aligned (64)));

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

/* The CPUs we may use other than the one we run on. */
static bool
other_cpus (cpu_set_t *set)
{
  int cpu = sched_getcpu ();

  if (cpu < 0 || sched_getaffinity (0, sizeof *set, set) < 0 || !CPU_ISSET (cpu, set))
    return false;
  CPU_CLR (cpu, set);
  return CPU_COUNT (set) > 0;
}

void
namespace_net_prepare (struct netns_prep *p)
{
  pthread_attr_t attr;

  p->fd = -1;
  p->err = 0;
  p->pin = other_cpus (&p->cpus);
  p->started = pthread_attr_init (&attr) == 0
               && pthread_attr_setstack (&attr, thread_stack, sizeof thread_stack) == 0
               && pthread_create (&p->thread, &attr, make_netns, p) == 0;
  (void) pthread_attr_destroy (&attr);
  /* Started on this CPU, the thread would preempt us (a new task runs
     first) and the two would take turns while another CPU idles: it is
     moved off ours as soon as it exists (musl has no thread attribute for
     it). */
  if (p->started && p->pin)
    (void) pthread_setaffinity_np (p->thread, sizeof p->cpus, &p->cpus);
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
