/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Namespaces and part of the rootfs made ahead of the init, on a second CPU. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "ahead.h"
#include "namespace.h"

/* The thread's stack: static, so that neither making it nor dropping it
   costs a mapping (unmapping would make the kernel flush the other CPU's
   TLB); one thread at a time, and it needs little. */
static char thread_stack[256 * 1024] __attribute__ ((aligned (64)));

static const char *
joined_path (const struct namespace_plan *ns, int flag)
{
  for (size_t i = 0; i < ns->n_join; i++)
    if (namespace_flag (ns->join[i]->type) == flag)
      return ns->join[i]->path;
  return NULL;
}

void
ahead_plan_make (const struct namespace_plan *ns, const struct oci_config *config, const char *bundle,
                 const char *rootfs, struct ahead_plan *ret)
{
  bool own_user = !(ns->new_flags & CLONE_NEWUSER) && joined_path (ns, CLONE_NEWUSER) == NULL;
  bool mount = own_user && (ns->new_flags & CLONE_NEWNS) && joined_path (ns, CLONE_NEWNS) == NULL;

  *ret = (struct ahead_plan){
    .net = own_user && (ns->new_flags & CLONE_NEWNET),
    .net_path = own_user ? joined_path (ns, CLONE_NEWNET) : NULL,
    .mount = mount,
    .ipc = mount && (ns->new_flags & CLONE_NEWIPC),
    .ipc_path = mount ? joined_path (ns, CLONE_NEWIPC) : NULL,
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

static int
open_own_ns (const char *kind)
{
  char path[64];

  snprintf (path, sizeof path, "/proc/thread-self/ns/%s", kind);
  return open (path, O_RDONLY | O_CLOEXEC);
}

static void
make_net (struct ahead *a)
{
  if (unshare (CLONE_NEWNET) < 0)
    return; /* the init tries again, and says what fails */
  a->net_unshared = true;
  /* lo up at once, as runc does for every new network namespace. */
  if (namespace_loopback_up_raw () == 0)
    a->net_fd = open_own_ns ("net");
}

/* Joins a namespace the container joins; on failure the init says why. */
static bool
join_quietly (const char *path, int flag)
{
  struct ocirt_error *ignored = NULL;
  int r = namespace_join (path, flag, &ignored);

  ocirt_error_free (ignored);
  return r == 0;
}

/* unshare(CLONE_NEWNS) gives this thread a file system context of its own
   (root, cwd, umask): the rest of the runtime is not affected. */
static void
make_mount (struct ahead *a)
{
  int flags = CLONE_NEWNS | (a->plan.ipc ? CLONE_NEWIPC : 0);

  if (unshare (flags) < 0 || (a->plan.ipc_path && !join_quietly (a->plan.ipc_path, CLONE_NEWIPC)))
    return;
  a->mnt_fd = open_own_ns ("mnt");
  if (a->plan.ipc)
    a->ipc_fd = open_own_ns ("ipc");
  if (a->mnt_fd < 0 || (a->plan.ipc && a->ipc_fd < 0))
    return;
  if (chdir (a->plan.bundle) < 0)
    {
      ocirt_error_set (&a->err, errno, "chdir to the bundle `%s`", a->plan.bundle);
      return;
    }
  (void) rootfs_setup_ahead (a->plan.config, a->plan.rootfs, &a->rootfs, &a->err);
}

static void
wait_decided (struct ahead *a)
{
  pthread_mutex_lock (&a->lock);
  while (!a->decided)
    pthread_cond_wait (&a->decided_cond, &a->lock);
  pthread_mutex_unlock (&a->lock);
}

/* sysfs shows the network namespace of whoever mounts it: the thread must
   be in the container's before it mounts. */
static bool
in_containers_net (struct ahead *a, int host_net)
{
  if (a->plan.net)
    return a->net_fd >= 0;
  if (a->plan.net_path)
    return join_quietly (a->plan.net_path, CLONE_NEWNET);
  return !a->net_unshared || (host_net >= 0 && setns (host_net, CLONE_NEWNET) == 0);
}

static void *
run (void *data)
{
  struct ahead *a = data;
  int host_net = -1;

  if (a->net_begun)
    {
      host_net = open_own_ns ("net");
      make_net (a);
    }
  wait_decided (a);
  if (!a->net_begun && a->plan.net)
    make_net (a);
  if (a->plan.mount && in_containers_net (a, host_net))
    make_mount (a);
  if (host_net >= 0)
    close (host_net);
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

static void
start_thread (struct ahead *a)
{
  pthread_attr_t attr;

  a->pin = other_cpus (&a->cpus);
  a->started = pthread_attr_init (&attr) == 0
               && pthread_attr_setstack (&attr, thread_stack, sizeof thread_stack) == 0
               && pthread_create (&a->thread, &attr, run, a) == 0;
  (void) pthread_attr_destroy (&attr);
  /* Started on this CPU, the thread would preempt us (a new task runs
     first) and the two would take turns while another CPU idles: it is
     moved off ours as soon as it exists (musl has no thread attribute for
     it). */
  if (a->started && a->pin)
    (void) pthread_setaffinity_np (a->thread, sizeof a->cpus, &a->cpus);
}

void
ahead_init (struct ahead *a)
{
  *a = (struct ahead){ .net_fd = -1, .mnt_fd = -1, .ipc_fd = -1 };
  pthread_mutex_init (&a->lock, NULL);
  pthread_cond_init (&a->decided_cond, NULL);
}

void
ahead_begin_net (struct ahead *a)
{
  a->net_begun = true;
  start_thread (a);
}

static void
decide (struct ahead *a, const struct ahead_plan *plan)
{
  pthread_mutex_lock (&a->lock);
  if (!a->decided)
    {
      a->plan = *plan;
      a->decided = true;
      pthread_cond_signal (&a->decided_cond);
    }
  pthread_mutex_unlock (&a->lock);
}

void
ahead_start (struct ahead *a, const struct ahead_plan *plan)
{
  if (a->started)
    decide (a, plan);
  else if (plan->net || plan->mount)
    {
      decide (a, plan);
      start_thread (a);
    }
}

int
ahead_finish (struct ahead *a, struct ocirt_error **err)
{
  static const struct ahead_plan nothing;

  if (a->started)
    {
      decide (a, &nothing);
      /* Joined, not merely done: an exiting thread holds libc's thread
         list lock until the kernel releases it, and an init cloned
         meanwhile (clone3, not fork) would inherit it taken and hang in
         setgroups(). */
      (void) pthread_join (a->thread, NULL);
      a->started = false;
    }
  /* Made early for a container that wants none of its own. */
  if (!a->plan.net)
    cleanup_closep (&a->net_fd);
  if (a->err == NULL)
    return 0;
  *err = a->err;
  a->err = NULL;
  return -(*err)->code;
}

void
ahead_release (struct ahead *a)
{
  struct ocirt_error *ignored = NULL;

  (void) ahead_finish (a, &ignored);
  ocirt_error_free (ignored);
  cleanup_closep (&a->net_fd);
  cleanup_closep (&a->mnt_fd);
  cleanup_closep (&a->ipc_fd);
  rootfs_ctx_free (a->rootfs);
  a->rootfs = NULL;
}
