/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "seccomp-cache-store.h"
#include "state.h"
#include "util/fs.h"

#define MAGIC "OCIRTBPF"
#define ENTRY_VERSION 1U
#define MAX_ENTRY_SIZE (SECCOMP_CACHE_HEADER_SIZE + BPF_MAXINSNS * sizeof (struct sock_filter))
/* A temporary file this old was left by a killed writer (a live one takes
   microseconds). */
#define STALE_TMP_SECONDS 60

/* Offsets in the header. */
enum
{
  OFF_MAGIC = 0,
  OFF_VERSION = 8,
  OFF_LEN = 12,
  OFF_KEY = 16,
  OFF_SUM = 16 + SHA256_DIGEST_SIZE,
};
_Static_assert(OFF_SUM + SHA256_DIGEST_SIZE == SECCOMP_CACHE_HEADER_SIZE, "header layout");

static void
entry_name (const uint8_t key[SHA256_DIGEST_SIZE], char name[SHA256_HEX_SIZE])
{
  sha256_hex (key, name);
}

static bool
is_entry_name (const char *name)
{
  size_t n = strspn (name, "0123456789abcdef");

  return n == 2 * SHA256_DIGEST_SIZE && name[n] == '\0';
}

/* fs_write_atomic's temporary names: ".NAME.PID.tmp". */
static bool
is_tmp_name (const char *name)
{
  size_t n = strlen (name);

  return name[0] == '.' && n > 5 && strcmp (name + n - 4, ".tmp") == 0;
}

int
seccomp_cache_entry_encode (const uint8_t key[SHA256_DIGEST_SIZE], const struct sock_filter *prog, size_t len,
                            void **ret, size_t *ret_size)
{
  size_t prog_size = len * sizeof *prog;
  uint32_t version = ENTRY_VERSION, n = (uint32_t) len;
  uint8_t *buf;

  if (len == 0 || len > BPF_MAXINSNS)
    return -EINVAL;
  buf = malloc (SECCOMP_CACHE_HEADER_SIZE + prog_size);
  if (buf == NULL)
    return -ENOMEM;
  memcpy (buf + OFF_MAGIC, MAGIC, 8);
  memcpy (buf + OFF_VERSION, &version, sizeof version);
  memcpy (buf + OFF_LEN, &n, sizeof n);
  memcpy (buf + OFF_KEY, key, SHA256_DIGEST_SIZE);
  sha256 (prog, prog_size, buf + OFF_SUM);
  memcpy (buf + SECCOMP_CACHE_HEADER_SIZE, prog, prog_size);
  *ret = buf;
  *ret_size = SECCOMP_CACHE_HEADER_SIZE + prog_size;
  return 0;
}

static int
reject (const char **ret_reason, const char *reason)
{
  if (ret_reason)
    *ret_reason = reason;
  return -EBADMSG;
}

int
seccomp_cache_entry_verify (const void *buf, size_t size, const uint8_t key[SHA256_DIGEST_SIZE],
                            const struct sock_filter **ret_prog, size_t *ret_len, const char **ret_reason)
{
  const uint8_t *p = buf;
  uint8_t sum[SHA256_DIGEST_SIZE];
  uint32_t version, n;

  if (size < SECCOMP_CACHE_HEADER_SIZE)
    return reject (ret_reason, "shorter than its header");
  if (memcmp (p + OFF_MAGIC, MAGIC, 8) != 0)
    return reject (ret_reason, "wrong magic");
  memcpy (&version, p + OFF_VERSION, sizeof version);
  memcpy (&n, p + OFF_LEN, sizeof n);
  if (version != ENTRY_VERSION)
    return reject (ret_reason, "unknown entry version");
  if (memcmp (p + OFF_KEY, key, SHA256_DIGEST_SIZE) != 0)
    return reject (ret_reason, "made for another key");
  if (n == 0 || n > BPF_MAXINSNS)
    return reject (ret_reason, "impossible program length");
  if (size != SECCOMP_CACHE_HEADER_SIZE + (size_t) n * sizeof (struct sock_filter))
    return reject (ret_reason, "size does not match the program length");
  sha256 (p + SECCOMP_CACHE_HEADER_SIZE, size - SECCOMP_CACHE_HEADER_SIZE, sum);
  if (memcmp (sum, p + OFF_SUM, sizeof sum) != 0)
    return reject (ret_reason, "program checksum mismatch");
  *ret_prog = (const struct sock_filter *) (p + SECCOMP_CACHE_HEADER_SIZE);
  *ret_len = n;
  return 0;
}

/* Checks an open cache directory: ours alone, so that nobody else can
   plant or swap an entry. */
static int
check_dir (int fd)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return -errno;
  if (!S_ISDIR (st.st_mode) || st.st_uid != geteuid () || (st.st_mode & 07777) != 0700)
    return -EPERM;
  return 0;
}

int
seccomp_cache_open (const char *root, bool create, int *ret_fd)
{
  _cleanup_close_ int rootfd = -1, fd = -1;
  int r;

  if ((r = state_root_open (root, create, &rootfd, NULL)) < 0)
    return r;
  /* O_NOFOLLOW: a symlink planted at the name is refused (ELOOP), not
     followed to a directory someone else controls. */
  fd = openat (rootfd, SECCOMP_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create)
    {
      if (mkdirat (rootfd, SECCOMP_CACHE_DIR, 0700) < 0 && errno != EEXIST)
        return -errno;
      fd = openat (rootfd, SECCOMP_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      /* The umask may have taken bits away; a racing creator is us too. */
      if (fd >= 0)
        {
          struct stat st;
          if (fstat (fd, &st) == 0 && st.st_uid == geteuid () && (st.st_mode & 07777) != 0700)
            (void) fchmod (fd, 0700);
        }
    }
  if (fd < 0)
    return errno == ENOTDIR ? -EPERM : -errno;
  if ((r = check_dir (fd)) < 0)
    return r;
  *ret_fd = TAKE_FD (fd);
  return 0;
}

static int
read_exact (int fd, void *buf, size_t size)
{
  size_t done = 0;

  while (done < size)
    {
      ssize_t n = pread (fd, (char *) buf + done, size - done, (off_t) done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -errno;
      if (n == 0)
        return -EBADMSG;
      done += (size_t) n;
    }
  return 0;
}

int
seccomp_cache_lookup (int dirfd, const uint8_t key[SHA256_DIGEST_SIZE], struct sock_filter **ret_prog,
                      size_t *ret_len, const char **ret_reason)
{
  _cleanup_close_ int fd = -1;
  _cleanup_free_ void *buf = NULL;
  const struct sock_filter *prog;
  char name[SHA256_HEX_SIZE];
  struct sock_filter *copy;
  struct stat st;
  size_t len;
  int r;

  entry_name (key, name);
  /* O_NONBLOCK: a fifo at the name must not hang the runtime. */
  fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  if (fstat (fd, &st) < 0)
    return -errno;
  if (!S_ISREG (st.st_mode) || st.st_uid != geteuid ())
    return reject (ret_reason, "not a regular file of ours");
  if (st.st_size < 0 || (size_t) st.st_size > MAX_ENTRY_SIZE)
    return reject (ret_reason, "larger than any program");
  if ((buf = malloc ((size_t) st.st_size + 1)) == NULL)
    return -ENOMEM;
  if ((r = read_exact (fd, buf, (size_t) st.st_size)) < 0)
    return r == -EBADMSG ? reject (ret_reason, "shorter than it was a moment ago") : r;
  if ((r = seccomp_cache_entry_verify (buf, (size_t) st.st_size, key, &prog, &len, ret_reason)) < 0)
    return r;
  copy = malloc (len * sizeof *copy);
  if (copy == NULL)
    return -ENOMEM;
  memcpy (copy, prog, len * sizeof *copy);
  /* Recently used entries survive eviction. */
  (void) futimens (fd, NULL);
  *ret_prog = copy;
  *ret_len = len;
  return 0;
}

int
seccomp_cache_store (int dirfd, const uint8_t key[SHA256_DIGEST_SIZE], const struct sock_filter *prog,
                     size_t len)
{
  _cleanup_free_ void *buf = NULL;
  char name[SHA256_HEX_SIZE];
  size_t size;
  int r;

  if ((r = seccomp_cache_entry_encode (key, prog, len, &buf, &size)) < 0)
    return r;
  entry_name (key, name);
  /* The temporary name is per process: two creators of one profile each
     write their own file, and the later rename wins with identical bytes. */
  if ((r = fs_write_atomic (dirfd, name, buf, size, 0600)) < 0)
    return r;
  seccomp_cache_evict (dirfd, SECCOMP_CACHE_MAX_ENTRIES);
  return 0;
}

struct aged
{
  struct timespec mtime;
  char name[SHA256_HEX_SIZE];
};

static int
older_first (const void *a, const void *b)
{
  const struct timespec *x = &((const struct aged *) a)->mtime, *y = &((const struct aged *) b)->mtime;

  if (x->tv_sec != y->tv_sec)
    return x->tv_sec < y->tv_sec ? -1 : 1;
  return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

void
seccomp_cache_evict (int dirfd, size_t max)
{
  _cleanup_closedir_ DIR *d = NULL;
  _cleanup_free_ struct aged *all = NULL;
  size_t n = 0, cap = 0;
  time_t now = time (NULL);
  struct dirent *de;
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  while ((de = readdir (d)) != NULL)
    {
      bool entry = is_entry_name (de->d_name);
      struct stat st;

      if ((!entry && !is_tmp_name (de->d_name)) || fstatat (dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (!entry)
        {
          if (now - st.st_mtime > STALE_TMP_SECONDS)
            (void) unlinkat (dirfd, de->d_name, 0);
          continue;
        }
      if (n == cap)
        {
          struct aged *more = realloc (all, (cap = cap ? 2 * cap : 128) * sizeof *all);
          if (more == NULL)
            return;
          all = more;
        }
      all[n].mtime = st.st_mtim;
      memcpy (all[n++].name, de->d_name, SHA256_HEX_SIZE);
    }
  if (n <= max)
    return;
  qsort (all, n, sizeof *all, older_first);
  for (size_t i = 0; i < n - max; i++)
    (void) unlinkat (dirfd, all[i].name, 0);
}
