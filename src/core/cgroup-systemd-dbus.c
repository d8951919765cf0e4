/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup-systemd-internal.h"
#include "util/log.h"

/* The systemd Manager's D-Bus API through sd-bus. libsystemd is dlopen()ed
   here, only for --systemd-cgroup and for containers made with it: linked
   into the binary it would cost every invocation its relocations and
   constructors (as libselinux would, see lsm-library.h). */

#define NOT_RUNNING "systemd is not running: --systemd-cgroup needs it"

#ifdef HAVE_SYSTEMD_SD_BUS_H

#include <dlfcn.h>
#include <systemd/sd-bus.h>

#define SYSTEMD_NAME "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define CALL_TIMEOUT_USEC (30 * 1000000ULL) /* runc's bound for a method call and a job */

/* The sd-bus functions used, resolved once. */
static struct
{
  bool loaded;
  __typeof__ (sd_bus_open_system) *open_system;
  __typeof__ (sd_bus_flush_close_unref) *flush_close_unref;
  __typeof__ (sd_bus_message_new_method_call) *new_method_call;
  __typeof__ (sd_bus_message_append) *append;
  __typeof__ (sd_bus_message_append_basic) *append_basic;
  __typeof__ (sd_bus_message_open_container) *open_container;
  __typeof__ (sd_bus_message_close_container) *close_container;
  __typeof__ (sd_bus_message_read) *read;
  __typeof__ (sd_bus_message_unref) *message_unref;
  __typeof__ (sd_bus_call) *call;
  __typeof__ (sd_bus_error_free) *error_free;
  __typeof__ (sd_bus_error_has_name) *error_has_name;
  __typeof__ (sd_bus_match_signal) *match_signal;
  __typeof__ (sd_bus_slot_unref) *slot_unref;
  __typeof__ (sd_bus_process) *process;
  __typeof__ (sd_bus_wait) *wait;
  __typeof__ (sd_bus_get_property_string) *get_property_string;
} sd;

#define SYM(field)                                                                                           \
  {                                                                                                          \
    "sd_bus_" #field, offsetof (__typeof__ (sd), field)                                                      \
  }

static int
load_libsystemd (struct ocirt_error **err)
{
  static const struct
  {
    const char *name;
    size_t offset;
  } syms[] = {
    SYM (open_system),
    SYM (flush_close_unref),
    { "sd_bus_message_new_method_call", offsetof (__typeof__ (sd), new_method_call) },
    { "sd_bus_message_append", offsetof (__typeof__ (sd), append) },
    { "sd_bus_message_append_basic", offsetof (__typeof__ (sd), append_basic) },
    { "sd_bus_message_open_container", offsetof (__typeof__ (sd), open_container) },
    { "sd_bus_message_close_container", offsetof (__typeof__ (sd), close_container) },
    { "sd_bus_message_read", offsetof (__typeof__ (sd), read) },
    { "sd_bus_message_unref", offsetof (__typeof__ (sd), message_unref) },
    SYM (call),
    SYM (error_free),
    SYM (error_has_name),
    SYM (match_signal),
    SYM (slot_unref),
    SYM (process),
    SYM (wait),
    SYM (get_property_string),
  };
  void *handle;

  if (sd.loaded)
    return 0;
  handle = dlopen ("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL)
    return ocirt_error_setx (err, ENOTSUP, "--systemd-cgroup needs libsystemd.so.0: %s", dlerror ());
  for (size_t i = 0; i < ARRAY_SIZE (syms); i++)
    {
      void *f = dlsym (handle, syms[i].name);
      if (f == NULL)
        return ocirt_error_setx (
            err, ENOTSUP, "--systemd-cgroup: libsystemd.so.0 lacks %s (systemd 237 or later)", syms[i].name);
      memcpy ((char *) &sd + syms[i].offset, &f, sizeof f);
    }
  sd.loaded = true;
  return 0;
}

struct cgroup_sd_bus
{
  sd_bus *bus;
};

static void
error_release (sd_bus_error *e)
{
  if (sd.error_free)
    sd.error_free (e);
}

/* The message of a failed call: the D-Bus error's text, else strerror. */
static const char *
error_text (const sd_bus_error *e, int r)
{
  return e->message ? e->message : strerror (-r);
}

void
cgroup_sd_bus_close (struct cgroup_sd_bus *b)
{
  if (b == NULL)
    return;
  if (b->bus)
    sd.flush_close_unref (b->bus);
  free (b);
}

static int
check_systemd_owner (sd_bus *bus, struct ocirt_error **err)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *m = NULL, *reply = NULL;
  int r = sd.new_method_call (bus, &m, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "GetNameOwner");

  if (r >= 0)
    r = sd.append (m, "s", SYSTEMD_NAME);
  if (r >= 0)
    r = sd.call (bus, m, CALL_TIMEOUT_USEC, &e, &reply);
  if (r < 0 && sd.error_has_name (&e, "org.freedesktop.DBus.Error.NameHasNoOwner"))
    r = ocirt_error_setx (err, EHOSTDOWN, NOT_RUNNING " (nobody owns " SYSTEMD_NAME " on the system bus)");
  else if (r < 0)
    r = ocirt_error_setx (err, EHOSTDOWN, NOT_RUNNING " (system bus: %s)", error_text (&e, r));
  error_release (&e);
  sd.message_unref (m);
  sd.message_unref (reply);
  return r < 0 ? r : 0;
}

int
cgroup_sd_bus_open (struct cgroup_sd_bus **ret, struct ocirt_error **err)
{
  struct cgroup_sd_bus *b;
  const char *addr = getenv ("DBUS_SYSTEM_BUS_ADDRESS");
  int r = load_libsystemd (err);

  if (r < 0)
    return r;
  b = calloc (1, sizeof *b);
  if (b == NULL)
    return ocirt_error_set (err, ENOMEM, "system bus");
  r = sd.open_system (&b->bus);
  if (r < 0)
    r = ocirt_error_setx (err, EHOSTDOWN, NOT_RUNNING " (cannot connect to the system bus at %s: %s)",
                          addr ? addr : "/run/dbus/system_bus_socket", strerror (-r));
  else
    r = check_systemd_owner (b->bus, err);
  if (r < 0)
    {
      cgroup_sd_bus_close (b);
      return r;
    }
  *ret = b;
  return 0;
}

int
cgroup_sd_bus_version (struct cgroup_sd_bus *b)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  _cleanup_free_ char *text = NULL;
  int r = sd.get_property_string (b->bus, SYSTEMD_NAME, SYSTEMD_PATH, MANAGER_IFACE, "Version", &e, &text);

  error_release (&e);
  if (r < 0 || text == NULL)
    return 0;
  /* "252.39-1~deb12u2", "v245.4-1.fc32", "255": the leading number. */
  return atoi (text + strspn (text, "\"v"));
}

/* --- sending properties -------------------------------------------------- */

static int
append_value (sd_bus_message *m, const struct cgroup_sd_value *v)
{
  char t = v->sig[0];
  int r;

  if (t == 'a' || t == '(')
    {
      _cleanup_free_ char *inner = t == 'a' ? strdup (v->sig + 1) : strndup (v->sig + 1, strlen (v->sig) - 2);
      if (inner == NULL)
        return -ENOMEM;
      r = sd.open_container (m, t == 'a' ? 'a' : 'r', inner);
      for (size_t i = 0; r >= 0 && i < v->n_items; i++)
        r = append_value (m, &v->items[i]);
      return r < 0 ? r : sd.close_container (m);
    }
  switch (t)
    {
    case 'b':
      return sd.append_basic (m, t, &(int){ v->b });
    case 'y':
      return sd.append_basic (m, t, &(uint8_t){ (uint8_t) v->u });
    case 'n':
      return sd.append_basic (m, t, &(int16_t){ (int16_t) v->i });
    case 'q':
      return sd.append_basic (m, t, &(uint16_t){ (uint16_t) v->u });
    case 'i':
      return sd.append_basic (m, t, &(int32_t){ (int32_t) v->i });
    case 'u':
      return sd.append_basic (m, t, &(uint32_t){ (uint32_t) v->u });
    case 'x':
      return sd.append_basic (m, t, &v->i);
    case 't':
      return sd.append_basic (m, t, &v->u);
    case 'd':
      return sd.append_basic (m, t, &v->d);
    default: /* s, o, g: the string itself */
      return sd.append_basic (m, t, v->s);
    }
}

/* a(sv) */
static int
append_properties (sd_bus_message *m, const struct cgroup_sd_props *props)
{
  int r = sd.open_container (m, 'a', "(sv)");

  for (size_t i = 0; r >= 0 && i < props->n; i++)
    {
      const struct cgroup_sd_prop *p = &props->v[i];
      r = sd.open_container (m, 'r', "sv");
      if (r >= 0)
        r = sd.append_basic (m, 's', p->name);
      if (r >= 0)
        r = sd.open_container (m, 'v', p->value.sig);
      if (r >= 0)
        r = append_value (m, &p->value);
      if (r >= 0)
        r = sd.close_container (m);
      if (r >= 0)
        r = sd.close_container (m);
      if (r < 0)
        log_debug ("unit property %s (%s) cannot be sent: %s", p->name, p->value.sig, strerror (-r));
    }
  return r < 0 ? r : sd.close_container (m);
}

/* --- jobs ---------------------------------------------------------------- */

/* A job of systemd's, followed through the Manager's JobRemoved signal.
   sd_bus_call() queues the signals that arrive before its reply, so the
   job's path is known before any JobRemoved is looked at. */
struct job
{
  sd_bus_slot *slot; /* the JobRemoved match, while the job is followed */
  char *path;
  char *result; /* "done", "failed", "canceled", "timeout", "dependency", "skipped" */
};

static void
job_release (struct job *j)
{
  if (j->slot)
    sd.slot_unref (j->slot);
  free (j->path);
  free (j->result);
}

static int
on_job_removed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  struct job *j = userdata;
  const char *path, *unit, *result;
  uint32_t id;

  (void) ret_error;
  if (sd.read (m, "uoss", &id, &path, &unit, &result) >= 0 && j->path && strcmp (path, j->path) == 0
      && j->result == NULL)
    j->result = strdup (result);
  return 0;
}

static uint64_t
now_usec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Waits (bounded) until JobRemoved names j->path. */
static int
wait_job (struct cgroup_sd_bus *b, struct job *j, const char *what, const char *unit,
          struct ocirt_error **err)
{
  uint64_t deadline = now_usec () + CALL_TIMEOUT_USEC;

  while (j->result == NULL)
    {
      uint64_t now;
      int r = sd.process (b->bus, NULL);
      if (r < 0)
        return ocirt_error_set (err, -r, "systemd: %s unit `%s`: lost the system bus", what, unit);
      if (r > 0)
        continue;
      now = now_usec ();
      if (now >= deadline)
        return ocirt_error_setx (err, ETIMEDOUT,
                                 "systemd: %s unit `%s`: its job did not finish within %llu s", what, unit,
                                 CALL_TIMEOUT_USEC / 1000000);
      r = sd.wait (b->bus, deadline - now);
      if (r < 0)
        return ocirt_error_set (err, -r, "systemd: %s unit `%s`: lost the system bus", what, unit);
    }
  return 0;
}

static int
manager_call (struct cgroup_sd_bus *b, const char *method, sd_bus_message **ret)
{
  return sd.new_method_call (b->bus, ret, SYSTEMD_NAME, SYSTEMD_PATH, MANAGER_IFACE, method);
}

/* Sends `m`, a Manager method that queues a job (its reply is the job's
   path), subscribed to JobRemoved first so that the end of the job cannot
   be missed. *e is the D-Bus error of a failed call. */
static int
call_job (struct cgroup_sd_bus *b, sd_bus_message *m, struct job *j, sd_bus_error *e)
{
  sd_bus_message *reply = NULL;
  const char *path;
  int r = sd.match_signal (b->bus, &j->slot, SYSTEMD_NAME, SYSTEMD_PATH, MANAGER_IFACE, "JobRemoved",
                           on_job_removed, j);

  if (r >= 0)
    r = sd.call (b->bus, m, CALL_TIMEOUT_USEC, e, &reply);
  if (r >= 0)
    r = sd.read (reply, "o", &path);
  if (r >= 0)
    r = (j->path = strdup (path)) ? 0 : -ENOMEM;
  sd.message_unref (reply);
  return r;
}

static void
reset_failed (struct cgroup_sd_bus *b, const char *unit)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *m = NULL, *reply = NULL;
  int r = manager_call (b, "ResetFailedUnit", &m);

  if (r >= 0)
    r = sd.append (m, "s", unit);
  if (r >= 0)
    r = sd.call (b->bus, m, CALL_TIMEOUT_USEC, &e, &reply);
  if (r < 0)
    log_debug ("systemd: reset unit %s: %s", unit, error_text (&e, r));
  error_release (&e);
  sd.message_unref (m);
  sd.message_unref (reply);
}

/* Queues the job `m` asks for and waits for its end. Returns 0 with
   *ret_result (the caller's) saying how the job ended ("done", "failed"...),
   1 when the call was refused with the D-Bus error `refused_ok` (nothing was
   queued, no error set), or a negative errno with *err set. */
static int
run_job (struct cgroup_sd_bus *b, sd_bus_message *m, const char *what, const char *unit,
         const char *refused_ok, char **ret_result, struct ocirt_error **err)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  struct job j = { 0 };
  int r = call_job (b, m, &j, &e);

  if (r < 0 && sd.error_has_name (&e, refused_ok))
    r = 1;
  else if (r < 0)
    r = ocirt_error_setx (err, -r, "systemd: %s unit `%s`: %s", what, unit, error_text (&e, r));
  else if ((r = wait_job (b, &j, what, unit, err)) == 0)
    *ret_result = TAKE_PTR (j.result);
  error_release (&e);
  job_release (&j);
  return r;
}

/* One StartTransientUnit; -EEXIST (no error set) when the unit exists. */
static int
start_once (struct cgroup_sd_bus *b, const char *unit, const struct cgroup_sd_props *props,
            struct ocirt_error **err)
{
  _cleanup_free_ char *result = NULL;
  sd_bus_message *m = NULL;
  int r = manager_call (b, "StartTransientUnit", &m);

  if (r >= 0)
    r = sd.append (m, "ss", unit, "replace");
  if (r >= 0)
    r = append_properties (m, props);
  if (r >= 0)
    r = sd.append (m, "a(sa(sv))", 0); /* no auxiliary units */
  if (r < 0)
    r = ocirt_error_set (err, -r, "systemd: start unit `%s`: build the request", unit);
  else if ((r = run_job (b, m, "start", unit, "org.freedesktop.systemd1.UnitExists", &result, err)) == 1)
    r = -EEXIST;
  else if (r == 0 && strcmp (result, "done") != 0)
    {
      reset_failed (b, unit);
      r = ocirt_error_setx (err, EIO, "systemd: start unit `%s`: the job ended with `%s`", unit, result);
    }
  sd.message_unref (m);
  return r;
}

int
cgroup_sd_bus_start (struct cgroup_sd_bus *b, const char *unit, const struct cgroup_sd_props *props,
                     struct ocirt_error **err)
{
  int r = start_once (b, unit, props, err);

  if (r != -EEXIST)
    return r;
  /* A failed unit of that name may linger until it is reset. */
  reset_failed (b, unit);
  r = start_once (b, unit, props, err);
  if (r == -EEXIST)
    return ocirt_error_setx (err, EEXIST, "systemd: start unit `%s`: a unit of that name exists", unit);
  return r;
}

int
cgroup_sd_bus_stop (struct cgroup_sd_bus *b, const char *unit, struct ocirt_error **err)
{
  _cleanup_free_ char *result = NULL;
  sd_bus_message *m = NULL;
  int r = manager_call (b, "StopUnit", &m);

  if (r >= 0)
    r = sd.append (m, "ss", unit, "replace");
  if (r < 0)
    r = ocirt_error_set (err, -r, "systemd: stop unit `%s`", unit);
  else if ((r = run_job (b, m, "stop", unit, "org.freedesktop.systemd1.NoSuchUnit", &result, err)) == 1)
    r = 0; /* gone already */
  else if (r == 0 && strcmp (result, "done") != 0)
    log_warn ("systemd: stop unit `%s`: the job ended with `%s`, continuing", unit, result);
  if (r == 0)
    reset_failed (b, unit); /* a failed unit stays loaded until reset */
  sd.message_unref (m);
  return r;
}

int
cgroup_sd_bus_set_properties (struct cgroup_sd_bus *b, const char *unit, const struct cgroup_sd_props *props,
                              struct ocirt_error **err)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *m = NULL, *reply = NULL;
  int r = manager_call (b, "SetUnitProperties", &m);

  /* runtime: the values live until the unit goes, as the unit itself. */
  if (r >= 0)
    r = sd.append (m, "sb", unit, 1);
  if (r >= 0)
    r = append_properties (m, props);
  if (r >= 0)
    r = sd.call (b->bus, m, CALL_TIMEOUT_USEC, &e, &reply);
  if (r < 0)
    r = ocirt_error_setx (err, -r, "systemd: set properties of unit `%s`: %s", unit, error_text (&e, r));
  error_release (&e);
  sd.message_unref (m);
  sd.message_unref (reply);
  return r;
}

#else /* !HAVE_SYSTEMD_SD_BUS_H */

/* Built without sd-bus.h: say whether systemd runs (sd_booted()'s test),
   then that this build cannot talk to it. */
int
cgroup_sd_bus_open (struct cgroup_sd_bus **ret, struct ocirt_error **err)
{
  struct stat st;

  (void) ret;
  if (lstat ("/run/systemd/system", &st) < 0 || !S_ISDIR (st.st_mode))
    return ocirt_error_setx (err, ENOTSUP, NOT_RUNNING);
  return ocirt_error_setx (
      err, ENOTSUP,
      "--systemd-cgroup: the systemd cgroup driver is not available in this build of ocirt "
      "(built without systemd/sd-bus.h)");
}

void
cgroup_sd_bus_close (struct cgroup_sd_bus *b)
{
  (void) b;
}

int
cgroup_sd_bus_version (struct cgroup_sd_bus *b)
{
  (void) b;
  return 0;
}

int
cgroup_sd_bus_start (struct cgroup_sd_bus *b, const char *unit, const struct cgroup_sd_props *props,
                     struct ocirt_error **err)
{
  (void) b, (void) props;
  return ocirt_error_setx (err, ENOTSUP, "systemd: start unit `%s`: no D-Bus support in this build", unit);
}

int
cgroup_sd_bus_stop (struct cgroup_sd_bus *b, const char *unit, struct ocirt_error **err)
{
  (void) b;
  return ocirt_error_setx (err, ENOTSUP, "systemd: stop unit `%s`: no D-Bus support in this build", unit);
}

int
cgroup_sd_bus_set_properties (struct cgroup_sd_bus *b, const char *unit, const struct cgroup_sd_props *props,
                              struct ocirt_error **err)
{
  (void) b, (void) props;
  return ocirt_error_setx (err, ENOTSUP,
                           "systemd: set properties of unit `%s`: no D-Bus support in this build", unit);
}

#endif
