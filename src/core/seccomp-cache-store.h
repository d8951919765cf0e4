/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/sha256.h"

/* The store of compiled seccomp programs: <root>/.seccomp-cache/, one file
   per program named by the hex of its key (seccomp-cache-key.h). A name
   with a leading '.' is no container id (spec_validate_id), so the
   directory never meets a container's state entry, and `list` skips it.

   An entry is a header, then the program:
       magic "OCIRTBPF" | u32 entry version | u32 instruction count |
       key (32 bytes) | SHA-256 of the program bytes (32) | program
   Nothing in an entry is trusted before it verifies: a file that is not a
   regular file of ours, is cut short or too long, or whose magic, version,
   key, length or checksum is wrong, is a miss, and is replaced by the
   next store. The directory holds at most SECCOMP_CACHE_MAX_ENTRIES entries;
   each store evicts those least recently used (a hit refreshes the entry's
   mtime). An entry is at most 32 KiB (BPF_MAXINSNS instructions). */

#define SECCOMP_CACHE_DIR ".seccomp-cache"
#define SECCOMP_CACHE_MAX_ENTRIES 64
#define SECCOMP_CACHE_HEADER_SIZE 80

struct sock_filter;

/* Opens the cache directory of `root` into *ret_fd (O_CLOEXEC, the
   caller's), after checking it: a real directory (not a symlink), owned by
   our euid, mode 0700. With `create`, makes the root and the directory when
   missing. Returns 0 or a negative errno (-EPERM: it exists but fails the
   checks, and is left alone). */
int seccomp_cache_open (const char *root, bool create, int *ret_fd);

/* Looks `key` up: 0 and *ret_prog (the caller's: free) + *ret_len on a
   verified hit; -ENOENT when there is no entry; -EBADMSG when the entry
   does not verify (*ret_reason then says why); another negative errno when
   it cannot be read (a symlink: -ELOOP). */
int seccomp_cache_lookup (int dirfd, const uint8_t key[SHA256_DIGEST_SIZE], struct sock_filter **ret_prog,
                          size_t *ret_len, const char **ret_reason);

/* Stores `len` instructions under `key` (temporary file + rename: readers
   and concurrent writers of the same key see one whole entry or another),
   then evicts down to SECCOMP_CACHE_MAX_ENTRIES. Returns 0 or a negative
   errno. */
int seccomp_cache_store (int dirfd, const uint8_t key[SHA256_DIGEST_SIZE], const struct sock_filter *prog,
                         size_t len);

/* The entry format, exposed for the unit tests. seccomp_cache_entry_encode
   returns a malloc()ed entry in *ret (the caller's) of *ret_size bytes, or
   -ENOMEM. seccomp_cache_entry_verify returns 0 with *ret_prog pointing
   into `buf` and *ret_len its instruction count, or -EBADMSG with a reason
   in *ret_reason. */
int seccomp_cache_entry_encode (const uint8_t key[SHA256_DIGEST_SIZE], const struct sock_filter *prog,
                                size_t len, void **ret, size_t *ret_size);
int seccomp_cache_entry_verify (const void *buf, size_t size, const uint8_t key[SHA256_DIGEST_SIZE],
                                const struct sock_filter **ret_prog, size_t *ret_len,
                                const char **ret_reason);

/* Removes entries beyond the `max` most recently used ones, and temporary
   files that a killed writer left behind. */
void seccomp_cache_evict (int dirfd, size_t max);
