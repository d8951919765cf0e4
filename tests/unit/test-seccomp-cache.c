/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/seccomp-cache-key.h"
#include "core/seccomp-cache-store.h"
#include "core/seccomp-cache.h"
#include "core/seccomp.h"
#include "ocispec.h"
#include "util/fs.h"

/* The cache of compiled seccomp programs: its key, its entry format, the
   directory store (in a temporary root) and seccomp_filter_prepare. */

/* ---- helpers ---------------------------------------------------------- */

static struct oci_config *
parse (const char *seccomp_json)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *doc = NULL;
  struct oci_config *c = NULL;

  assert_true (
      asprintf (&doc,
                "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"rootfs\"}, \"linux\": {\"seccomp\": %s}}",
                seccomp_json)
      > 0);
  if (oci_config_parse (doc, strlen (doc), &c, &err) < 0)
    fail_msg ("test profile does not parse: %s", err->msg);
  return c;
}

static void
key_of (const char *seccomp_json, uint8_t key[SHA256_DIGEST_SIZE])
{
  _cleanup_config_ struct oci_config *c = parse (seccomp_json);

  seccomp_cache_key (c->linux_->seccomp, key);
}

static void
assert_same_key (const char *a, const char *b)
{
  uint8_t ka[SHA256_DIGEST_SIZE], kb[SHA256_DIGEST_SIZE];

  key_of (a, ka);
  key_of (b, kb);
  if (memcmp (ka, kb, sizeof ka) != 0)
    fail_msg ("different keys for\n  %s\n  %s", a, b);
}

static void
assert_different_key (const char *a, const char *b)
{
  uint8_t ka[SHA256_DIGEST_SIZE], kb[SHA256_DIGEST_SIZE];

  key_of (a, ka);
  key_of (b, kb);
  if (memcmp (ka, kb, sizeof ka) == 0)
    fail_msg ("same key for\n  %s\n  %s", a, b);
}

/* A fresh temporary directory standing for --root (not created yet when
   `make` is false). */
static char *
temp_root (bool make)
{
  char *d = strdup ("/tmp/test-seccomp-cache.XXXXXX");
  char *root = NULL;

  assert_non_null (d);
  assert_non_null (mkdtemp (d));
  assert_true (asprintf (&root, "%s/root", d) > 0);
  free (d);
  if (make)
    assert_int_equal (mkdir (root, 0700), 0);
  return root;
}

static void
remove_temp_root (char *root)
{
  char *slash = strrchr (root, '/');

  *slash = '\0';
  assert_int_equal (fs_remove_tree (AT_FDCWD, root), 0);
  free (root);
}

static char *
entry_path (const char *root, const uint8_t key[SHA256_DIGEST_SIZE])
{
  char hex[SHA256_HEX_SIZE], *p = NULL;

  sha256_hex (key, hex);
  assert_true (asprintf (&p, "%s/%s/%s", root, SECCOMP_CACHE_DIR, hex) > 0);
  return p;
}

static const struct sock_filter allow_all[] = {
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static const struct sock_filter three[] = {
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, 0),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 39, 0, 1),
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static void
fill_key (uint8_t key[SHA256_DIGEST_SIZE], uint8_t seed)
{
  for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
    key[i] = (uint8_t) (seed + i);
}

static void
write_file (const char *path, const void *data, size_t len)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  assert_true (fd >= 0);
  assert_int_equal (fs_write_full (fd, data, len), 0);
  close (fd);
}

static const char *DENY_MKDIR
    = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", "
      "\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"}]}";

/* ---- key -------------------------------------------------------------- */

static void
test_key_ignores_json_order_and_spacing (void **state)
{
  (void) state;
  assert_same_key (
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"architectures\": "
      "[\"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", "
      "\"args\": [{\"index\": 1, \"value\": 2, \"valueTwo\": 3, \"op\": \"SCMP_CMP_EQ\"}]}]}",
      "{ \"syscalls\":[{\"args\":[{\"op\":\"SCMP_CMP_EQ\",\"valueTwo\":3,\"value\":2,\"index\":1}],"
      "\"action\":\"SCMP_ACT_ALLOW\",\"names\":[\"read\"]}],\n\"architectures\":[\"SCMP_ARCH_X86\"],"
      "\"defaultErrnoRet\":38,\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
  /* The listener settings do not change the program. */
  assert_same_key (
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/a.sock\"}",
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/b.sock\", \"listenerMetadata\": \"x\"}");
}

static void
test_key_tells_profiles_apart (void **state)
{
  static const char *base = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                            "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [{\"index\": 1, "
                            "\"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}]}";
  static const char *variants[] = {
    /* one argument value */
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [{\"index\": 1, \"value\": 3, \"op\": "
    "\"SCMP_CMP_EQ\"}]}]}",
    /* valueTwo */
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [{\"index\": 1, \"value\": 2, \"valueTwo\": 1, \"op\": "
    "\"SCMP_CMP_EQ\"}]}]}",
    /* the argument index */
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [{\"index\": 0, \"value\": 2, \"op\": "
    "\"SCMP_CMP_EQ\"}]}]}",
    /* the operator */
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [{\"index\": 1, \"value\": 2, \"op\": "
    "\"SCMP_CMP_NE\"}]}]}",
    /* errnoRet */
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"errnoRet\": 13, \"args\": [{\"index\": 1, \"value\": 2, \"op\": "
    "\"SCMP_CMP_EQ\"}]}]}",
    /* errnoRet left out */
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}]}",
    /* defaultErrnoRet */
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"syscalls\": [{\"names\": [\"read\"], "
    "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [{\"index\": 1, \"value\": 2, \"op\": "
    "\"SCMP_CMP_EQ\"}]}]}",
    /* flags */
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], \"syscalls\": "
    "[{\"names\": "
    "[\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [{\"index\": 1, \"value\": 2, "
    "\"op\": \"SCMP_CMP_EQ\"}]}]}",
    /* architectures */
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86\"], \"syscalls\": "
    "[{\"names\": "
    "[\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [{\"index\": 1, \"value\": 2, "
    "\"op\": \"SCMP_CMP_EQ\"}]}]}",
    /* the action */
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
    "\"SCMP_ACT_TRACE\", \"errnoRet\": 1, \"args\": [{\"index\": 1, \"value\": 2, \"op\": "
    "\"SCMP_CMP_EQ\"}]}]}",
    /* the default action */
    "{\"defaultAction\": \"SCMP_ACT_KILL\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [{\"index\": 1, \"value\": 2, \"op\": "
    "\"SCMP_CMP_EQ\"}]}]}",
    /* a name */
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"write\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [{\"index\": 1, \"value\": 2, \"op\": "
    "\"SCMP_CMP_EQ\"}]}]}",
  };
  (void) state;

  for (size_t i = 0; i < sizeof variants / sizeof *variants; i++)
    assert_different_key (base, variants[i]);
  /* Names are not concatenated ambiguously: ["ab","c"] is not ["a","bc"]. */
  assert_different_key ("{\"defaultAction\": \"SCMP_ACT_KILL\", \"syscalls\": [{\"names\": [\"ab\", \"c\"], "
                        "\"action\": \"SCMP_ACT_ALLOW\"}]}",
                        "{\"defaultAction\": \"SCMP_ACT_KILL\", \"syscalls\": [{\"names\": [\"a\", \"bc\"], "
                        "\"action\": \"SCMP_ACT_ALLOW\"}]}");
  /* Nor two rules of one name each as one rule of two names. */
  assert_different_key (
      "{\"defaultAction\": \"SCMP_ACT_KILL\", \"syscalls\": [{\"names\": [\"read\"], "
      "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
      "{\"defaultAction\": \"SCMP_ACT_KILL\", \"syscalls\": [{\"names\": [\"read\", \"write\"], "
      "\"action\": \"SCMP_ACT_ALLOW\"}]}");
}

/* ---- entry format ----------------------------------------------------- */

static void
test_entry_round_trip (void **state)
{
  const struct sock_filter *prog;
  _cleanup_free_ void *buf = NULL;
  uint8_t key[SHA256_DIGEST_SIZE];
  const char *reason = NULL;
  size_t size, len;
  (void) state;

  fill_key (key, 1);
  assert_int_equal (seccomp_cache_entry_encode (key, three, 3, &buf, &size), 0);
  assert_int_equal (size, SECCOMP_CACHE_HEADER_SIZE + sizeof three);
  assert_int_equal (seccomp_cache_entry_verify (buf, size, key, &prog, &len, &reason), 0);
  assert_int_equal (len, 3);
  assert_memory_equal (prog, three, sizeof three);
  assert_int_equal (seccomp_cache_entry_encode (key, three, 0, &buf, &size), -EINVAL);
  assert_int_equal (seccomp_cache_entry_encode (key, three, BPF_MAXINSNS + 1, &buf, &size), -EINVAL);
}

static void
expect_rejected (const void *buf, size_t size, const uint8_t key[SHA256_DIGEST_SIZE], const char *why)
{
  const struct sock_filter *prog = NULL;
  const char *reason = NULL;
  size_t len = 0;

  assert_int_equal (seccomp_cache_entry_verify (buf, size, key, &prog, &len, &reason), -EBADMSG);
  assert_null (prog);
  assert_non_null (reason);
  if (strstr (reason, why) == NULL)
    fail_msg ("expected \"%s\", got \"%s\"", why, reason);
}

static void
test_entry_rejects_damage (void **state)
{
  _cleanup_free_ uint8_t *buf = NULL;
  _cleanup_free_ uint8_t *longer = NULL;
  uint8_t key[SHA256_DIGEST_SIZE], other[SHA256_DIGEST_SIZE];
  size_t size;
  (void) state;

  fill_key (key, 1);
  fill_key (other, 2);
  assert_int_equal (seccomp_cache_entry_encode (key, three, 3, (void **) &buf, &size), 0);

  /* Truncated anywhere: inside the header, at its end, inside the program. */
  for (size_t n = 0; n < size; n++)
    expect_rejected (buf, n, key, n < SECCOMP_CACHE_HEADER_SIZE ? "shorter than its header" : "size");
  /* A byte too many. */
  longer = calloc (1, size + 1);
  assert_non_null (longer);
  memcpy (longer, buf, size);
  expect_rejected (longer, size + 1, key, "size");
  /* Made for another profile. */
  expect_rejected (buf, size, other, "another key");
  /* Every single bit flipped anywhere: magic, version, length, key,
     checksum or program. */
  for (size_t i = 0; i < size; i++)
    for (int bit = 0; bit < 8; bit++)
      {
        buf[i] ^= (uint8_t) (1 << bit);
        expect_rejected (buf, size, key, "");
        buf[i] ^= (uint8_t) (1 << bit);
      }
  buf[0] ^= 1;
  expect_rejected (buf, size, key, "wrong magic");
  buf[0] ^= 1;
  buf[SECCOMP_CACHE_HEADER_SIZE + 5] ^= 0x40;
  expect_rejected (buf, size, key, "checksum");
}

/* ---- the directory store ---------------------------------------------- */

static void
test_store_open_makes_a_private_dir (void **state)
{
  char *root = temp_root (false);
  _cleanup_free_ char *dir = NULL;
  int fd = -1;
  struct stat st;
  (void) state;

  /* Without `create`, a missing root or directory is a plain miss. */
  assert_int_equal (seccomp_cache_open (root, false, &fd), -ENOENT);
  umask (0022);
  assert_int_equal (seccomp_cache_open (root, true, &fd), 0);
  close (fd);
  assert_true (asprintf (&dir, "%s/%s", root, SECCOMP_CACHE_DIR) > 0);
  assert_int_equal (lstat (dir, &st), 0);
  assert_true (S_ISDIR (st.st_mode));
  assert_int_equal (st.st_mode & 07777, 0700);
  assert_int_equal (st.st_uid, geteuid ());
  /* Even where the umask would take the owner's bits. */
  assert_int_equal (rmdir (dir), 0);
  umask (0277);
  assert_int_equal (seccomp_cache_open (root, true, &fd), 0);
  umask (0022);
  close (fd);
  assert_int_equal (lstat (dir, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0700);

  /* Open to others: refused, and left alone. */
  assert_int_equal (chmod (dir, 0755), 0);
  assert_int_equal (seccomp_cache_open (root, true, &fd), -EPERM);
  assert_int_equal (lstat (dir, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0755);

  /* A symlink to a good directory is not followed. */
  assert_int_equal (chmod (dir, 0700), 0);
  {
    _cleanup_free_ char *real = NULL;
    assert_true (asprintf (&real, "%s/elsewhere", root) > 0);
    assert_int_equal (rename (dir, real), 0);
    assert_int_equal (symlink (real, dir), 0);
    assert_true (seccomp_cache_open (root, true, &fd) < 0);
    assert_int_equal (lstat (dir, &st), 0);
    assert_true (S_ISLNK (st.st_mode));
  }
  remove_temp_root (root);
}

static void
test_store_lookup (void **state)
{
  char *root = temp_root (true);
  _cleanup_free_ struct sock_filter *prog = NULL;
  _cleanup_free_ char *path = NULL;
  _cleanup_free_ void *entry = NULL;
  _cleanup_close_ int dirfd = -1;
  uint8_t key[SHA256_DIGEST_SIZE], other[SHA256_DIGEST_SIZE];
  const char *reason = NULL;
  size_t len = 0, size;
  struct stat st;
  (void) state;

  fill_key (key, 7);
  fill_key (other, 8);
  assert_int_equal (seccomp_cache_open (root, true, &dirfd), 0);
  assert_int_equal (seccomp_cache_lookup (dirfd, key, &prog, &len, &reason), -ENOENT);
  assert_int_equal (seccomp_cache_store (dirfd, key, three, 3), 0);
  assert_int_equal (seccomp_cache_lookup (dirfd, key, &prog, &len, &reason), 0);
  assert_int_equal (len, 3);
  assert_memory_equal (prog, three, sizeof three);
  free (TAKE_PTR (prog));

  path = entry_path (root, key);
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0600);

  /* A good entry of another key, copied under this key's name. */
  assert_int_equal (seccomp_cache_entry_encode (other, allow_all, 1, &entry, &size), 0);
  write_file (path, entry, size);
  assert_int_equal (seccomp_cache_lookup (dirfd, key, &prog, &len, &reason), -EBADMSG);
  assert_null (prog);
  assert_string_equal (reason, "made for another key");

  /* Damaged on disk: ignored, then replaced by the next store. */
  assert_int_equal (seccomp_cache_store (dirfd, key, three, 3), 0);
  {
    _cleanup_free_ char *bytes = NULL;
    size_t n;
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    assert_true (fd >= 0);
    assert_int_equal (fs_read_fd (fd, &bytes, &n), 0);
    close (fd);
    bytes[n - 1] ^= 1;
    write_file (path, bytes, n);
  }
  assert_int_equal (seccomp_cache_lookup (dirfd, key, &prog, &len, &reason), -EBADMSG);
  assert_string_equal (reason, "program checksum mismatch");
  assert_int_equal (seccomp_cache_store (dirfd, key, three, 3), 0);
  assert_int_equal (seccomp_cache_lookup (dirfd, key, &prog, &len, &reason), 0);

  /* Not a regular file: a fifo does not hang the lookup. */
  assert_int_equal (unlink (path), 0);
  assert_int_equal (mkfifo (path, 0600), 0);
  assert_int_equal (seccomp_cache_lookup (dirfd, key, &prog, &len, &reason), -EBADMSG);
  assert_string_equal (reason, "not a regular file of ours");
  assert_int_equal (unlink (path), 0);
  remove_temp_root (root);
}

/* A symlink planted as an entry, pointing at a well-formed entry for the
   same key with another program: never followed, and replaced (the link,
   not its target) by the next store. */
static void
test_store_symlink_entry_not_followed (void **state)
{
  char *root = temp_root (true);
  _cleanup_free_ struct sock_filter *prog = NULL;
  _cleanup_free_ char *path = NULL, *target = NULL, *after = NULL;
  _cleanup_free_ void *entry = NULL;
  _cleanup_close_ int dirfd = -1;
  uint8_t key[SHA256_DIGEST_SIZE];
  const char *reason = NULL;
  size_t len, size, n;
  struct stat st;
  int fd;
  (void) state;

  fill_key (key, 3);
  assert_int_equal (seccomp_cache_open (root, true, &dirfd), 0);
  assert_int_equal (seccomp_cache_entry_encode (key, allow_all, 1, &entry, &size), 0);
  assert_true (asprintf (&target, "%s/planted", root) > 0);
  write_file (target, entry, size);
  path = entry_path (root, key);
  assert_int_equal (symlink (target, path), 0);

  assert_int_equal (seccomp_cache_lookup (dirfd, key, &prog, &len, &reason), -ELOOP);
  assert_null (prog);
  assert_int_equal (seccomp_cache_store (dirfd, key, three, 3), 0);
  assert_int_equal (lstat (path, &st), 0);
  assert_true (S_ISREG (st.st_mode));
  assert_int_equal (seccomp_cache_lookup (dirfd, key, &prog, &len, &reason), 0);
  assert_int_equal (len, 3);
  /* The target is untouched. */
  fd = open (target, O_RDONLY | O_CLOEXEC);
  assert_true (fd >= 0);
  assert_int_equal (fs_read_fd (fd, &after, &n), 0);
  close (fd);
  assert_int_equal (n, size);
  assert_memory_equal (entry, after, size);
  remove_temp_root (root);
}

static void
set_mtime (int dirfd, const char *name, time_t t)
{
  struct timespec ts[2] = { { t, 0 }, { t, 0 } };

  assert_int_equal (utimensat (dirfd, name, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static bool
exists_at (int dirfd, const char *name)
{
  struct stat st;

  return fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void
test_evict_least_recently_used (void **state)
{
  char *root = temp_root (true);
  _cleanup_close_ int dirfd = -1;
  _cleanup_free_ struct sock_filter *prog = NULL;
  char names[6][SHA256_HEX_SIZE];
  uint8_t keys[6][SHA256_DIGEST_SIZE];
  time_t now = time (NULL);
  const char *reason;
  size_t len;
  (void) state;

  assert_int_equal (seccomp_cache_open (root, true, &dirfd), 0);
  for (int i = 0; i < 6; i++)
    {
      fill_key (keys[i], (uint8_t) (16 * i));
      sha256_hex (keys[i], names[i]);
      assert_int_equal (seccomp_cache_store (dirfd, keys[i], three, 3), 0);
      set_mtime (dirfd, names[i], now - 1000 + i);
    }
  /* Entry 0, the oldest, was used just now. */
  assert_int_equal (seccomp_cache_lookup (dirfd, keys[0], &prog, &len, &reason), 0);
  /* A killed writer's temporary file, and a live writer's. */
  {
    int fd = openat (dirfd, ".stale.1.tmp", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true (fd >= 0);
    close (fd);
    fd = openat (dirfd, ".fresh.2.tmp", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true (fd >= 0);
    close (fd);
    set_mtime (dirfd, ".stale.1.tmp", now - 3600);
  }
  /* Something that is no entry is left alone. */
  assert_int_equal (mkdirat (dirfd, "other", 0700), 0);

  seccomp_cache_evict (dirfd, 3);
  assert_true (exists_at (dirfd, names[0]));
  assert_false (exists_at (dirfd, names[1]));
  assert_false (exists_at (dirfd, names[2]));
  assert_false (exists_at (dirfd, names[3]));
  assert_true (exists_at (dirfd, names[4]));
  assert_true (exists_at (dirfd, names[5]));
  assert_false (exists_at (dirfd, ".stale.1.tmp"));
  assert_true (exists_at (dirfd, ".fresh.2.tmp"));
  assert_true (exists_at (dirfd, "other"));

  /* A store bounds the directory by itself. */
  for (int i = 0; i < SECCOMP_CACHE_MAX_ENTRIES + 5; i++)
    {
      uint8_t key[SHA256_DIGEST_SIZE];
      fill_key (key, (uint8_t) i);
      key[0] = 0xee;
      key[1] = (uint8_t) i;
      assert_int_equal (seccomp_cache_store (dirfd, key, three, 3), 0);
    }
  {
    int count = 0;
    struct dirent *de;
    char *dir = NULL;
    DIR *d;
    assert_true (asprintf (&dir, "%s/%s", root, SECCOMP_CACHE_DIR) > 0);
    d = opendir (dir);
    assert_non_null (d);
    while ((de = readdir (d)) != NULL)
      count += strlen (de->d_name) == 64;
    closedir (d);
    free (dir);
    assert_int_equal (count, SECCOMP_CACHE_MAX_ENTRIES);
  }
  remove_temp_root (root);
}

/* ---- seccomp_filter_prepare ------------------------------------------- */

static struct seccomp_filter *
prepare_ok (const char *root, const struct oci_seccomp *s)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  struct seccomp_filter *f = NULL;

  if (seccomp_filter_prepare (root, s, &f, &err) < 0)
    fail_msg ("prepare: %s", err->msg);
  assert_non_null (f);
  return f;
}

/* The cached program is the compiled one, and it is really used: an entry
   swapped for another well-formed program of the same key is what the next
   prepare returns (only the cache could have produced it). */
static void
test_prepare_uses_the_cache (void **state)
{
  _cleanup_config_ struct oci_config *c = parse (DENY_MKDIR);
  _cleanup_seccomp_filter_ struct seccomp_filter *compiled = NULL, *first = NULL, *second = NULL,
                                                 *third = NULL;
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *path = NULL;
  _cleanup_free_ void *entry = NULL;
  const struct sock_filter *p1, *p2;
  uint8_t key[SHA256_DIGEST_SIZE];
  char *root = temp_root (false);
  size_t n1, n2, size;
  struct stat st1, st2;
  (void) state;

  unsetenv ("OCIRT_SECCOMP_CACHE");
  assert_int_equal (seccomp_filter_compile (c->linux_->seccomp, &compiled, &err), 0);
  first = prepare_ok (root, c->linux_->seccomp);
  seccomp_cache_key (c->linux_->seccomp, key);
  path = entry_path (root, key);
  assert_int_equal (stat (path, &st1), 0);
  second = prepare_ok (root, c->linux_->seccomp);
  assert_int_equal (stat (path, &st2), 0);
  assert_int_equal (st1.st_ino, st2.st_ino);
  p1 = seccomp_filter_program (compiled, &n1);
  p2 = seccomp_filter_program (second, &n2);
  assert_int_equal (n1, n2);
  assert_memory_equal (p1, p2, n1 * sizeof *p1);

  assert_int_equal (seccomp_cache_entry_encode (key, allow_all, 1, &entry, &size), 0);
  write_file (path, entry, size);
  third = prepare_ok (root, c->linux_->seccomp);
  assert_int_equal (seccomp_filter_size (third), 1);

  /* Off: compiled, whatever the cache holds. */
  setenv ("OCIRT_SECCOMP_CACHE", "0", 1);
  seccomp_filter_free (TAKE_PTR (third));
  third = prepare_ok (root, c->linux_->seccomp);
  unsetenv ("OCIRT_SECCOMP_CACHE");
  assert_int_equal (seccomp_filter_size (third), n1);
  remove_temp_root (root);
}

static void
test_prepare_disabled_touches_nothing (void **state)
{
  _cleanup_config_ struct oci_config *c = parse (DENY_MKDIR);
  _cleanup_seccomp_filter_ struct seccomp_filter *f = NULL;
  char *root = temp_root (false);
  struct stat st;
  (void) state;

  setenv ("OCIRT_SECCOMP_CACHE", "0", 1);
  f = prepare_ok (root, c->linux_->seccomp);
  unsetenv ("OCIRT_SECCOMP_CACHE");
  assert_int_equal (stat (root, &st), -1);
  remove_temp_root (root);
}

/* A profile that does not compile leaves no trace; a root that cannot
   hold the cache only costs the compilation. */
static void
test_prepare_failures (void **state)
{
  _cleanup_config_ struct oci_config *bad = parse ("{\"defaultAction\": \"SCMP_ACT_NOPE\"}");
  _cleanup_config_ struct oci_config *good = parse (DENY_MKDIR);
  _cleanup_seccomp_filter_ struct seccomp_filter *f = NULL;
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_free_ char *file = NULL;
  char *root = temp_root (false);
  struct stat st;
  (void) state;

  unsetenv ("OCIRT_SECCOMP_CACHE");
  assert_true (seccomp_filter_prepare (root, bad->linux_->seccomp, &f, &err) < 0);
  assert_null (f);
  assert_non_null (strstr (err->msg, "unknown action"));
  assert_int_equal (stat (root, &st), -1);

  /* --root names a regular file. */
  assert_true (asprintf (&file, "%s", root) > 0);
  write_file (file, "x", 1);
  f = prepare_ok (file, good->linux_->seccomp);
  assert_true (seccomp_filter_size (f) > 0);
  assert_int_equal (unlink (file), 0);
  remove_temp_root (root);
}

/* The listener flag is decided at load time from the profile: a program
   from the cache still asks for a listener, and the listenerPath check
   still applies to it. */
static void
test_prepare_notify_from_cache (void **state)
{
  static const char *notify
      = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\", "
        "\"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}";
  _cleanup_config_ struct oci_config *c = parse (notify);
  _cleanup_seccomp_filter_ struct seccomp_filter *first = NULL, *second = NULL;
  _cleanup_error_ struct ocirt_error *err = NULL;
  char *root = temp_root (false);
  (void) state;

  unsetenv ("OCIRT_SECCOMP_CACHE");
  first = prepare_ok (root, c->linux_->seccomp);
  assert_true (seccomp_filter_uses_notify (first));
  second = prepare_ok (root, c->linux_->seccomp);
  assert_true (seccomp_filter_uses_notify (second));
  /* Same key without a listenerPath: the cached program is refused. */
  free (c->linux_->seccomp->listener_path);
  c->linux_->seccomp->listener_path = NULL;
  seccomp_filter_free (TAKE_PTR (second));
  assert_true (seccomp_filter_prepare (root, c->linux_->seccomp, &second, &err) < 0);
  assert_non_null (strstr (err->msg, "listenerPath"));
  remove_temp_root (root);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_key_ignores_json_order_and_spacing),
    cmocka_unit_test (test_key_tells_profiles_apart),
    cmocka_unit_test (test_entry_round_trip),
    cmocka_unit_test (test_entry_rejects_damage),
    cmocka_unit_test (test_store_open_makes_a_private_dir),
    cmocka_unit_test (test_store_lookup),
    cmocka_unit_test (test_store_symlink_entry_not_followed),
    cmocka_unit_test (test_evict_least_recently_used),
    cmocka_unit_test (test_prepare_uses_the_cache),
    cmocka_unit_test (test_prepare_disabled_touches_nothing),
    cmocka_unit_test (test_prepare_failures),
    cmocka_unit_test (test_prepare_notify_from_cache),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
