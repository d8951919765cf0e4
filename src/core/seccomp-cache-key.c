/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <seccomp.h>
#include <string.h>

#include "seccomp-cache-key.h"
#include "seccomp.h"

/* Bumped when the serialisation below changes. */
#define KEY_FORMAT 1

/* The serialisation is a flat sequence of fixed-width integers (little
   endian) and length-prefixed strings fed straight into the hash: every
   field has a fixed place, so no two different profiles serialise alike. */

static void
feed_u32 (struct sha256_ctx *h, uint32_t v)
{
  uint8_t b[4] = { (uint8_t) v, (uint8_t) (v >> 8), (uint8_t) (v >> 16), (uint8_t) (v >> 24) };

  sha256_update (h, b, sizeof b);
}

static void
feed_u64 (struct sha256_ctx *h, uint64_t v)
{
  feed_u32 (h, (uint32_t) v);
  feed_u32 (h, (uint32_t) (v >> 32));
}

/* A missing string (absent property) differs from an empty one. */
static void
feed_str (struct sha256_ctx *h, const char *s)
{
  size_t n = s ? strlen (s) : 0;

  if (s == NULL)
    {
      feed_u64 (h, UINT64_MAX);
      return;
    }
  feed_u64 (h, n);
  sha256_update (h, s, n);
}

static void
feed_strv (struct sha256_ctx *h, char *const *v, size_t n)
{
  feed_u64 (h, n);
  for (size_t i = 0; i < n; i++)
    feed_str (h, v[i]);
}

static void
feed_errno (struct sha256_ctx *h, bool present, uint32_t value)
{
  feed_u32 (h, present);
  feed_u32 (h, present ? value : 0);
}

static void
feed_environment (struct sha256_ctx *h)
{
  const struct scmp_version *v = seccomp_version ();

  feed_str (h, "ocirt seccomp cache key");
  feed_u32 (h, KEY_FORMAT);
  feed_str (h, PACKAGE_VERSION);
  feed_u32 (h, SECCOMP_TRANSLATION_VERSION);
  /* A distribution's libseccomp update can add syscall names and change
     the generated code; the API level says which actions the kernel and
     library accept (an action refused here must not come from the cache). */
  feed_u32 (h, v ? v->major : 0);
  feed_u32 (h, v ? v->minor : 0);
  feed_u32 (h, v ? v->micro : 0);
  feed_u32 (h, seccomp_api_get ());
  feed_u32 (h, seccomp_arch_native ());
}

static void
feed_syscall (struct sha256_ctx *h, const struct oci_syscall *sc)
{
  feed_strv (h, sc->names, sc->names_len);
  feed_str (h, sc->action);
  feed_errno (h, sc->errno_ret_present, sc->errno_ret);
  feed_u64 (h, sc->args_len);
  for (size_t i = 0; i < sc->args_len; i++)
    {
      feed_u32 (h, sc->args[i].index);
      feed_u64 (h, sc->args[i].value);
      feed_u64 (h, sc->args[i].value_two);
      feed_str (h, sc->args[i].op);
    }
}

void
seccomp_cache_key (const struct oci_seccomp *s, uint8_t ret[SHA256_DIGEST_SIZE])
{
  struct sha256_ctx h;

  sha256_init (&h);
  feed_environment (&h);
  feed_str (&h, s->default_action);
  feed_errno (&h, s->default_errno_ret_present, s->default_errno_ret);
  /* Order kept: it decides the order of the architecture checks in the
     program, and rule order can change the generated code. */
  feed_strv (&h, s->architectures, s->architectures_len);
  feed_strv (&h, s->flags, s->flags_len);
  feed_u64 (&h, s->syscalls_len);
  for (size_t i = 0; i < s->syscalls_len; i++)
    feed_syscall (&h, &s->syscalls[i]);
  sha256_final (&h, ret);
}
