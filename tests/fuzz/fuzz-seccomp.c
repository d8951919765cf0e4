/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "core/seccomp.h"
#include "ocispec.h"

/* libFuzzer target: the input as a config.json; whatever linux.seccomp it
   holds is translated and compiled to BPF (never loaded) and freed. Errors
   are expected; crashes, leaks and sanitizer reports are not. */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  _cleanup_error_ struct ocirt_error *err = NULL;
  _cleanup_config_ struct oci_config *c = NULL;
  _cleanup_seccomp_filter_ struct seccomp_filter *f = NULL;

  if (oci_config_parse ((const char *) data, size, &c, &err) < 0 || c->linux_ == NULL)
    return 0;
  if (seccomp_filter_compile (c->linux_->seccomp, &f, &err) < 0)
    {
      /* A failure must explain itself and leave nothing behind. */
      if (err == NULL || err->msg == NULL || f != NULL)
        __builtin_trap ();
      return 0;
    }
  if (c->linux_->seccomp && (f == NULL || seccomp_filter_size (f) == 0))
    __builtin_trap ();
  return 0;
}
