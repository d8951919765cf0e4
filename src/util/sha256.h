/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4), self-contained: ocirt needs it only to name and check
   its cache of compiled seccomp programs, which does not justify linking a
   crypto library into every invocation. */

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE (2 * SHA256_DIGEST_SIZE + 1)

struct sha256_ctx
{
  uint32_t state[8];
  uint64_t total;    /* bytes hashed so far */
  uint8_t block[64]; /* the pending partial block */
  size_t block_len;
};

void sha256_init (struct sha256_ctx *c);
void sha256_update (struct sha256_ctx *c, const void *data, size_t len);
/* Writes the digest of everything passed to sha256_update; `c` must be
   initialised again before reuse. */
void sha256_final (struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);

/* One-shot digest of `len` bytes at `data`. */
void sha256 (const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);

/* Lower-case hex of a digest, NUL-terminated, into `out`. */
void sha256_hex (const uint8_t digest[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);
