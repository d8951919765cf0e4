/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp-cache-key.h"
#include "seccomp-cache-store.h"
#include "seccomp-cache.h"
#include "util/log.h"

static bool
cache_enabled (void)
{
  const char *v = getenv ("OCIRT_SECCOMP_CACHE");

  return v == NULL || strcmp (v, "0") != 0;
}

/* A hit: the program of a verified entry, checked against `s` for what
   the program does not cover. 1 when *ret is set, 0 for a miss. */
static int
lookup (int dirfd, const uint8_t key[SHA256_DIGEST_SIZE], const char *hex, const struct oci_seccomp *s,
        struct seccomp_filter **ret, struct ocirt_error **err)
{
  _cleanup_free_ struct sock_filter *prog = NULL;
  const char *reason = NULL;
  size_t len;
  int r;

  r = seccomp_cache_lookup (dirfd, key, &prog, &len, &reason);
  if (r == -EBADMSG)
    log_debug ("seccomp cache: entry %s does not verify (%s), ignoring", hex, reason);
  else if (r < 0 && r != -ENOENT)
    log_debug ("seccomp cache: entry %s: %s, ignoring", hex, strerror (-r));
  if (r < 0)
    return 0;
  if ((r = seccomp_filter_from_program (s, prog, len, ret, err)) < 0)
    return r;
  log_debug ("seccomp cache: hit %s (%zu BPF instructions)", hex, len);
  return 1;
}

static void
store (const char *root, int dirfd, const uint8_t key[SHA256_DIGEST_SIZE], const char *hex,
       const struct seccomp_filter *f)
{
  _cleanup_close_ int own = -1;
  const struct sock_filter *prog;
  size_t len;
  int r = 0;

  if (dirfd < 0 && (r = seccomp_cache_open (root, true, &own)) == 0)
    dirfd = own;
  prog = seccomp_filter_program (f, &len);
  if (r == 0)
    r = seccomp_cache_store (dirfd, key, prog, len);
  if (r < 0)
    log_debug ("seccomp cache: cannot store %s: %s, ignoring", hex, strerror (-r));
  else
    log_debug ("seccomp cache: stored %s", hex);
}

int
seccomp_filter_prepare (const char *root, const struct oci_seccomp *s, struct seccomp_filter **ret,
                        struct ocirt_error **err)
{
  _cleanup_close_ int dirfd = -1;
  uint8_t key[SHA256_DIGEST_SIZE];
  char hex[SHA256_HEX_SIZE];
  int r, open_r;

  *ret = NULL;
  if (s == NULL || root == NULL || !cache_enabled ())
    return seccomp_filter_compile (s, ret, err);
  seccomp_cache_key (s, key);
  sha256_hex (key, hex);
  open_r = seccomp_cache_open (root, false, &dirfd);
  if (open_r < 0 && open_r != -ENOENT)
    log_debug ("seccomp cache: cannot use %s/%s: %s, ignoring", root, SECCOMP_CACHE_DIR, strerror (-open_r));
  if (dirfd >= 0 && (r = lookup (dirfd, key, hex, s, ret, err)) != 0)
    return r < 0 ? r : 0;
  if ((r = seccomp_filter_compile (s, ret, err)) < 0)
    return r;
  /* Only a missing directory is made; one that failed its checks (not
     ours, not 0700, a symlink) stays unused and untouched. */
  if (dirfd >= 0 || open_r == -ENOENT)
    store (root, dirfd, key, hex, *ret);
  return 0;
}
