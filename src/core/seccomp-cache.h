/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "oci-config.h"
#include "seccomp.h"
#include "util/error.h"

/* Compiling a large profile (Podman's default names ~470 syscalls) costs
   milliseconds on every create and exec, for the same result each time: the
   compiled programs are kept under <root>/.seccomp-cache/ (see
   seccomp-cache-store.h for the format and its limits), keyed by everything
   they depend on (seccomp-cache-key.h).

   seccomp_filter_prepare is seccomp_filter_compile through that cache: a
   verified entry is used as is, anything else is compiled and stored. A
   cache that cannot be used (read-only or full root, foreign directory)
   only costs the compilation: it never fails the container. The
   environment variable OCIRT_SECCOMP_CACHE=0 turns the cache off. */
int seccomp_filter_prepare (const char *root, const struct oci_seccomp *s, struct seccomp_filter **ret,
                            struct ocirt_error **err);
