/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "oci-config.h"
#include "util/error.h"

/* linux.seccomp (config-linux.md "Seccomp"), in two steps: the profile is
   translated and compiled to BPF by the runtime before anything else happens
   in `create` (a bad profile changes nothing), and the init only hands the
   ready program to the kernel, with one seccomp(2) call, just before exec. */
struct seccomp_filter;
struct sock_filter;

/* The version of the translation below, part of the key of the cache of
   compiled programs (seccomp-cache-key.c): bump it with every change to what
   seccomp_filter_compile produces for a given profile, or containers would
   keep getting programs compiled by the old rules. */
#define SECCOMP_TRANSLATION_VERSION 1

/* Translates `s` into a compiled filter in *ret (the caller's: free with
   seccomp_filter_free). An unknown action, architecture, operator or flag,
   or an errnoRet on an action that has none, is an error naming the field
   ("linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"");
   unknown syscall names are skipped with a debug log, as runc does. With
   `s` NULL, *ret is NULL and libseccomp is not called at all. */
int seccomp_filter_compile (const struct oci_seccomp *s, struct seccomp_filter **ret,
                            struct ocirt_error **err);

/* Builds *ret from `prog` (`len` instructions, copied), a program that
   seccomp_filter_compile once produced for a profile with the same cache key
   as `s`: checks again, against `s` and the running kernel, what is not
   part of the program (flags, listenerPath) and takes from `s` whether the
   profile notifies. */
int seccomp_filter_from_program (const struct oci_seccomp *s, const struct sock_filter *prog, size_t len,
                                 struct seccomp_filter **ret, struct ocirt_error **err);

/* The BPF program of `f` (owned by `f`); *ret_len gets its instruction count. */
const struct sock_filter *seccomp_filter_program (const struct seccomp_filter *f, size_t *ret_len);

/* Installs `f` in the calling thread (NULL: does nothing). The kernel demands
   no_new_privs or CAP_SYS_ADMIN. *ret_notify_fd gets the listener fd
   (O_CLOEXEC, the caller's) when the profile uses SCMP_ACT_NOTIFY, else -1. */
int seccomp_filter_load (const struct seccomp_filter *f, int *ret_notify_fd, struct ocirt_error **err);

/* Whether the profile has SCMP_ACT_NOTIFY rules (its listener fd must reach
   linux.seccomp.listenerPath). */
bool seccomp_filter_uses_notify (const struct seccomp_filter *f);

/* The number of BPF instructions of the compiled program (for tests and the
   debug log). */
size_t seccomp_filter_size (const struct seccomp_filter *f);

/* Accepts NULL. */
void seccomp_filter_free (struct seccomp_filter *f);
DEFINE_CLEANUP_FUNC (struct seccomp_filter, seccomp_filter_free)
#define _cleanup_seccomp_filter_ _cleanup_ (seccomp_filter_freep)

/* What the features document lists (features-linux.md "Seccomp"): the
   NULL-terminated names of the actions, operators and architectures this
   build translates, and of the flags it knows. */
enum seccomp_name_kind
{
  SECCOMP_NAMES_ACTIONS,
  SECCOMP_NAMES_OPERATORS,
  SECCOMP_NAMES_ARCHS,
  SECCOMP_NAMES_FLAGS,
};
/* Returns a newly allocated NULL-terminated array of static strings (free
   the array only), or NULL on memory exhaustion. */
const char **seccomp_feature_names (enum seccomp_name_kind kind);

/* Whether the running kernel accepts the seccomp filter flag `name`
   ("SECCOMP_FILTER_FLAG_LOG"); false for an unknown name. */
bool seccomp_feature_flag_supported (const char *name);
