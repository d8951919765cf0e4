/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "spec.h"
#include "state.h"
#include "util/fs.h"
#include "util/proc.h"

#define STATE_FILE "state.json"
#define CONFIG_FILE "config.json"
#define TMP_PREFIX ".tmp-"

static void
map_free (struct oci_map *m)
{
  if (m == NULL)
    return;
  for (size_t i = 0; i < m->len; i++)
    {
      free (m->keys[i]);
      free (m->values[i]);
    }
  free (m->keys);
  free (m->values);
  free (m);
}

void
container_state_free (struct container_state *st)
{
  if (st == NULL)
    return;
  free (st->id);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  free (st->owner);
  free (st->cgroup_path);
  free (st->systemd_unit);
  free (st->notify_socket);
  map_free (st->annotations);
  free (st);
}

/* --- serialisation --------------------------------------------------- */

static void
gen_str (yajl_gen g, const char *key, const char *value)
{
  if (value == NULL)
    return;
  yajl_gen_string (g, (const unsigned char *) key, strlen (key));
  yajl_gen_string (g, (const unsigned char *) value, strlen (value));
}

static void
gen_num (yajl_gen g, const char *key, uint64_t value)
{
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%" PRIu64, value);

  yajl_gen_string (g, (const unsigned char *) key, strlen (key));
  yajl_gen_number (g, buf, (size_t) n);
}

static void
gen_bool (yajl_gen g, const char *key, bool value)
{
  yajl_gen_string (g, (const unsigned char *) key, strlen (key));
  yajl_gen_bool (g, value);
}

int
state_to_json (const struct container_state *st, char **ret, struct ocirt_error **err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;

  if (g == NULL)
    return ocirt_error_set (err, ENOMEM, "serialize state");
  yajl_gen_map_open (g);
  gen_str (g, "id", st->id);
  gen_str (g, "bundle", st->bundle);
  gen_str (g, "rootfs", st->rootfs);
  gen_str (g, "created", st->created);
  gen_str (g, "owner", st->owner);
  gen_num (g, "creatorPid", (uint64_t) st->creator_pid);
  gen_num (g, "creatorStart", st->creator_start);
  gen_num (g, "initPid", (uint64_t) st->init_pid);
  gen_num (g, "initStart", st->init_start);
  gen_bool (g, "committed", st->committed);
  gen_bool (g, "ownPidNs", st->own_pid_ns);
  gen_str (g, "cgroupPath", st->cgroup_path);
  gen_str (g, "systemdUnit", st->systemd_unit); /* absent: cgroupfs (entries older than the driver too) */
  gen_str (g, "notifySocket", st->notify_socket);
  if (st->annotations)
    {
      yajl_gen_string (g, (const unsigned char *) "annotations", 11);
      yajl_gen_map_open (g);
      for (size_t i = 0; i < st->annotations->len; i++)
        gen_str (g, st->annotations->keys[i], st->annotations->values[i]);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_get_buf (g, &buf, &len);
  *ret = strndup ((const char *) buf, len);
  yajl_gen_free (g);
  return *ret ? 0 : ocirt_error_set (err, ENOMEM, "serialize state");
}

static char *
get_str (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_string);

  return v ? strdup (v->u.string) : NULL;
}

static uint64_t
get_num (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_number);

  return v ? strtoull (YAJL_GET_NUMBER (v), NULL, 10) : 0;
}

static bool
get_bool (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_any);

  return v && YAJL_IS_TRUE (v);
}

static struct oci_map *
get_map (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_object);
  struct oci_map *m;

  if (v == NULL)
    return NULL;
  m = calloc (1, sizeof *m);
  if (m == NULL)
    return NULL;
  m->keys = calloc (v->u.object.len + 1, sizeof (char *));
  m->values = calloc (v->u.object.len + 1, sizeof (char *));
  for (size_t i = 0; m->keys && m->values && i < v->u.object.len; i++)
    if (YAJL_IS_STRING (v->u.object.values[i]))
      {
        m->keys[m->len] = strdup (v->u.object.keys[i]);
        m->values[m->len++] = strdup (v->u.object.values[i]->u.string);
      }
  return m;
}

int
state_from_json (const char *json, struct container_state **ret, struct ocirt_error **err)
{
  _cleanup_container_state_ struct container_state *st = NULL;
  char errbuf[256];
  yajl_val root = yajl_tree_parse (json, errbuf, sizeof errbuf);

  if (root == NULL || !YAJL_IS_OBJECT (root))
    {
      yajl_tree_free (root);
      return ocirt_error_setx (err, EIO, "state.json is corrupt");
    }
  st = calloc (1, sizeof *st);
  if (st == NULL)
    {
      yajl_tree_free (root);
      return ocirt_error_set (err, ENOMEM, "read state");
    }
  st->id = get_str (root, "id");
  st->bundle = get_str (root, "bundle");
  st->rootfs = get_str (root, "rootfs");
  st->created = get_str (root, "created");
  st->owner = get_str (root, "owner");
  st->creator_pid = (pid_t) get_num (root, "creatorPid");
  st->creator_start = get_num (root, "creatorStart");
  st->init_pid = (pid_t) get_num (root, "initPid");
  st->init_start = get_num (root, "initStart");
  st->committed = get_bool (root, "committed");
  st->own_pid_ns = get_bool (root, "ownPidNs");
  st->cgroup_path = get_str (root, "cgroupPath");
  st->systemd_unit = get_str (root, "systemdUnit");
  st->notify_socket = get_str (root, "notifySocket");
  st->annotations = get_map (root, "annotations");
  yajl_tree_free (root);
  if (st->id == NULL || st->bundle == NULL)
    return ocirt_error_setx (err, EIO, "state.json is corrupt: no id or bundle");
  *ret = TAKE_PTR (st);
  return 0;
}

/* --- the store -------------------------------------------------------- */

int
state_root_open (const char *root, bool create, int *ret_fd, struct ocirt_error **err)
{
  int fd;

  if (create && mkdir (root, 0700) < 0 && errno != EEXIST)
    {
      /* Make the parents too (e.g. $XDG_RUNTIME_DIR/ocirt, or a test's tmp root). */
      _cleanup_free_ char *copy = strdup (root);
      for (char *p = copy ? copy + 1 : NULL; p && *p; p++)
        if (*p == '/')
          {
            *p = '\0';
            (void) mkdir (copy, 0755);
            *p = '/';
          }
      if (mkdir (root, 0700) < 0 && errno != EEXIST)
        return ocirt_error_set (err, errno, "create state root `%s`", root);
    }
  fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return ocirt_error_set (err, errno, "open state root `%s`", root);
  *ret_fd = fd;
  return 0;
}

static int
make_tmp_dir (int rootfd, char *name, size_t size)
{
  static uint64_t self_start;

  if (self_start == 0 && proc_start_time (getpid (), &self_start) < 0)
    return -ESRCH;
  for (int tries = 0; tries < 16; tries++)
    {
      uint32_t rnd;
      if (getrandom (&rnd, sizeof rnd, 0) != sizeof rnd)
        return -errno;
      /* Named after its maker, so that a sweeper knows when it is dead. */
      snprintf (name, size, TMP_PREFIX "%d-%" PRIu64 "-%08" PRIx32, (int) getpid (), self_start, rnd);
      if (mkdirat (rootfd, name, 0700) == 0)
        return 0;
      if (errno != EEXIST)
        return -errno;
    }
  return -EEXIST;
}

int
state_create_entry (int rootfd, const struct container_state *st, const char *config_json, size_t config_len,
                    int *ret_dirfd, struct ocirt_error **err)
{
  _cleanup_free_ char *json = NULL;
  _cleanup_close_ int dirfd = -1;
  char tmp[64];
  int r;

  r = state_to_json (st, &json, err);
  if (r < 0)
    return r;
  r = make_tmp_dir (rootfd, tmp, sizeof tmp);
  if (r < 0)
    return ocirt_error_set (err, -r, "create state directory");
  dirfd = openat (rootfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dirfd < 0)
    r = -errno;
  /* Locked before it has its name: nobody can see it unlocked. */
  else if (flock (dirfd, LOCK_EX) < 0)
    r = -errno;
  else if ((r = fs_write_atomic (dirfd, CONFIG_FILE, config_json, config_len, 0600)) == 0
           && (r = fs_write_atomic (dirfd, STATE_FILE, json, strlen (json), 0600)) == 0
           && renameat2 (rootfd, tmp, rootfd, st->id, RENAME_NOREPLACE) < 0)
    r = -errno;
  if (r < 0)
    {
      (void) fs_remove_tree (rootfd, tmp);
      if (r == -EEXIST || r == -ENOTEMPTY)
        return ocirt_error_setx (err, EEXIST, "container with id exists: %s", st->id);
      return ocirt_error_set (err, -r, "create state of container `%s`", st->id);
    }
  *ret_dirfd = TAKE_FD (dirfd);
  return 0;
}

int
state_open (int rootfd, const char *id, int lock, int *ret_dirfd, struct container_state **ret,
            struct ocirt_error **err)
{
  _cleanup_close_ int dirfd = -1;
  _cleanup_free_ char *json = NULL;
  int r;

  /* Every command names its container by id: one such as `../x` must never
     reach outside the state root. */
  r = spec_validate_id (id, err);
  if (r < 0)
    return r;
  dirfd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dirfd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
    return ocirt_error_setx (err, ENOENT, "container `%s` does not exist", id);
  if (dirfd < 0)
    return ocirt_error_set (err, errno, "open state of container `%s`", id);
  if (lock && flock (dirfd, lock) < 0)
    return ocirt_error_set (err, errno, "lock container `%s`", id);
  /* Removed while we waited for the lock (or read): it is gone. */
  r = fs_read_all (dirfd, STATE_FILE, &json, NULL);
  if (r == -ENOENT)
    return ocirt_error_setx (err, ENOENT, "container `%s` does not exist", id);
  if (r < 0)
    return ocirt_error_set (err, -r, "read state of container `%s`", id);
  r = state_from_json (json, ret, err);
  if (r < 0)
    return ocirt_error_prefix (err, "container `%s`", id);
  if (ret_dirfd)
    *ret_dirfd = TAKE_FD (dirfd);
  return 0;
}

int
state_save (int dirfd, const struct container_state *st, struct ocirt_error **err)
{
  _cleanup_free_ char *json = NULL;
  int r;

  r = state_to_json (st, &json, err);
  if (r < 0)
    return r;
  r = fs_write_atomic (dirfd, STATE_FILE, json, strlen (json), 0600);
  if (r < 0)
    return ocirt_error_set (err, -r, "write state of container `%s`", st->id);
  return 0;
}

int
state_remove (int rootfd, const char *id, struct ocirt_error **err)
{
  char tmp[64];
  int r;

  r = make_tmp_dir (rootfd, tmp, sizeof tmp);
  if (r < 0)
    return ocirt_error_set (err, -r, "remove state of container `%s`", id);
  /* Renamed over the empty temporary directory: the id vanishes at once. */
  if (renameat (rootfd, id, rootfd, tmp) < 0)
    {
      r = -errno;
      (void) unlinkat (rootfd, tmp, AT_REMOVEDIR);
      if (r == -ENOENT)
        return 0;
      return ocirt_error_set (err, -r, "remove state of container `%s`", id);
    }
  r = fs_remove_tree (rootfd, tmp);
  if (r < 0)
    return ocirt_error_set (err, -r, "remove state of container `%s`", id);
  return 0;
}

/* A temporary directory is abandoned when the process named in it (pid and
   start time) is gone and nobody holds its lock: a `delete` that renamed an
   entry away holds the entry's lock while it removes it. */
static void
remove_if_abandoned (int rootfd, const char *name)
{
  _cleanup_close_ int fd = -1;
  unsigned long long start;
  int pid;

  if (sscanf (name, TMP_PREFIX "%d-%llu-", &pid, &start) != 2 || proc_alive (pid, start))
    return;
  fd = openat (rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0 && flock (fd, LOCK_EX | LOCK_NB) == 0)
    (void) fs_remove_tree (rootfd, name);
}

static int
compare_ids (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
state_list_ids (int rootfd, char ***ret, struct ocirt_error **err)
{
  _cleanup_closedir_ DIR *d = NULL;
  _cleanup_strv_ char **ids = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  int fd;

  fd = dup (rootfd);
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return ocirt_error_set (err, errno, "read state root");
    }
  rewinddir (d);
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.')
        {
          if (strncmp (de->d_name, TMP_PREFIX, strlen (TMP_PREFIX)) == 0)
            remove_if_abandoned (rootfd, de->d_name);
          continue;
        }
      if (n + 2 > cap)
        {
          char **nids = realloc (ids, (cap = cap ? cap * 2 : 16) * sizeof *ids);
          if (nids == NULL)
            return ocirt_error_set (err, ENOMEM, "list containers");
          ids = nids;
        }
      ids[n] = strdup (de->d_name);
      if (ids[n] == NULL)
        return ocirt_error_set (err, ENOMEM, "list containers");
      ids[++n] = NULL;
    }
  if (ids == NULL)
    ids = calloc (1, sizeof *ids);
  if (ids == NULL)
    return ocirt_error_set (err, ENOMEM, "list containers");
  qsort (ids, n, sizeof *ids, compare_ids);
  *ret = TAKE_PTR (ids);
  return 0;
}
