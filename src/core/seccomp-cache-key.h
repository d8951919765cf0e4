/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "oci-config.h"
#include "util/sha256.h"

/* The name of a compiled seccomp program in the cache: SHA-256 of a
   canonical serialisation of everything the program depends on, namely the
   profile as parsed (so key order and spacing in config.json do not
   matter), ocirt's version and SECCOMP_TRANSLATION_VERSION, the running
   libseccomp's version and API level, and the native architecture.
   listenerPath and listenerMetadata are left out: they do not change the
   program, and are checked against each profile anyway. */
void seccomp_cache_key (const struct oci_seccomp *s, uint8_t ret[SHA256_DIGEST_SIZE]);
