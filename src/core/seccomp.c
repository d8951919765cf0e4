/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp.h"
#include "util/log.h"

/* libseccomp is used as a compiler only: it turns the profile into BPF in
   the runtime, where a mistake can still fail `create` cleanly, and the init
   installs the ready program with seccomp(2) itself. That also gives us the
   flags libseccomp 2.5 has no attribute for (WAIT_KILLABLE_RECV), leaves
   no_new_privs alone (libseccomp would set it on load unless told not to;
   process.noNewPrivileges decides that), and lets us prepend the ENOSYS
   stub below to the generated program. */

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

#define X32_SYSCALL_BIT 0x40000000U
#define SYSCALL_MAX_ARGS 6
#define MAX_ARCHS 32

struct seccomp_filter
{
  struct sock_filter *prog;
  size_t len;
  unsigned long flags; /* SECCOMP_FILTER_FLAG_* from linux.seccomp.flags */
  bool notify;         /* SCMP_ACT_NOTIFY is used: ask the kernel for a listener */
};

struct action_def
{
  const char *name;
  uint32_t action;
  bool takes_errno; /* SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry errnoRet in their data bits */
};

static const struct action_def actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL, false },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), true },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), true },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, false },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false },
};

struct named_value
{
  const char *name;
  unsigned long value; /* 0 for an architecture this libseccomp does not know */
};

static const struct named_value operators[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* The spec's list (libseccomp 2.6); the last four are newer than the
   libseccomp some distributions ship, hence the #ifdefs. */
static const struct named_value architectures[] = {
  { "SCMP_ARCH_X86", SCMP_ARCH_X86 },
  { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
  { "SCMP_ARCH_X32", SCMP_ARCH_X32 },
  { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
  { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
  { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
  { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
  { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
  { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
  { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
  { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
  { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
  { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
  { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
  { "SCMP_ARCH_S390", SCMP_ARCH_S390 },
  { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
  { "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
  { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
  { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
#ifdef SCMP_ARCH_LOONGARCH64
  { "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#else
  { "SCMP_ARCH_LOONGARCH64", 0 },
#endif
#ifdef SCMP_ARCH_M68K
  { "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#else
  { "SCMP_ARCH_M68K", 0 },
#endif
#ifdef SCMP_ARCH_SH
  { "SCMP_ARCH_SH", SCMP_ARCH_SH },
#else
  { "SCMP_ARCH_SH", 0 },
#endif
#ifdef SCMP_ARCH_SHEB
  { "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#else
  { "SCMP_ARCH_SHEB", 0 },
#endif
};

static const struct named_value filter_flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

/* Everything the translation of one profile needs. */
struct compiler
{
  const struct oci_seccomp *s;
  scmp_filter_ctx ctx;
  uint32_t default_action;
  uint32_t archs[MAX_ARCHS]; /* tokens in the filter, the native one first */
  size_t n_archs;
};

static const struct named_value *
find_named (const struct named_value *table, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

/* `field` is the JSON path of the action ("linux.seccomp.syscalls[2]");
   `action_key`/`errno_key` the names of its two properties there. */
static int
parse_action (const char *name, bool errno_present, uint32_t errno_ret, const char *field,
              const char *action_key, const char *errno_key, uint32_t *ret, struct ocirt_error **err)
{
  for (size_t i = 0; i < ARRAY_SIZE (actions); i++)
    {
      if (strcmp (actions[i].name, name) != 0)
        continue;
      if (!actions[i].takes_errno)
        {
          /* config-linux.md: "When the action doesn't support an errno, the
             runtime MUST print and error and fail." */
          if (errno_present)
            return ocirt_error_setx (err, EINVAL, "%s%s: not supported with action %s", field, errno_key,
                                     name);
          *ret = actions[i].action;
          return 0;
        }
      if (errno_present && errno_ret > 0xffff)
        return ocirt_error_setx (err, ERANGE, "%s%s: %u is out of range (0..65535)", field, errno_key,
                                 errno_ret);
      /* EPERM when unset, as the spec and runc say. */
      *ret = actions[i].action | (errno_present ? errno_ret : EPERM);
      return 0;
    }
  return ocirt_error_setx (err, EINVAL, "%s%s: unknown action \"%s\"", field, action_key, name);
}

static int
add_architectures (struct compiler *c, struct ocirt_error **err)
{
  c->archs[c->n_archs++] = seccomp_arch_native ();
  for (size_t i = 0; i < c->s->architectures_len; i++)
    {
      const char *name = c->s->architectures[i];
      const struct named_value *a = find_named (architectures, ARRAY_SIZE (architectures), name);
      bool seen = false;
      int r;

      if (a == NULL)
        return ocirt_error_setx (err, EINVAL, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"",
                                 i, name);
      if (a->value == 0)
        return ocirt_error_setx (err, EOPNOTSUPP,
                                 "linux.seccomp.architectures[%zu]: %s is not supported by libseccomp %s", i,
                                 name, LIBSECCOMP_VERSION);
      for (size_t j = 0; j < c->n_archs; j++)
        seen |= c->archs[j] == (uint32_t) a->value;
      if (seen)
        continue;
      r = seccomp_arch_add (c->ctx, (uint32_t) a->value);
      if (r == -EDOM)
        return ocirt_error_setx (err, EINVAL,
                                 "linux.seccomp.architectures[%zu]: %s cannot be combined with the "
                                 "native architecture (the byte order differs)",
                                 i, name);
      if (r < 0 && r != -EEXIST)
        return ocirt_error_set (err, -r, "linux.seccomp.architectures[%zu]: add %s", i, name);
      if (c->n_archs < MAX_ARCHS)
        c->archs[c->n_archs++] = (uint32_t) a->value;
    }
  return 0;
}

/* A flag is supported when seccomp(2) gets past the flag check and fails
   only on the NULL program (EFAULT); unknown flags give EINVAL. */
static bool
kernel_accepts_flags (unsigned long flags)
{
  /* WAIT_KILLABLE_RECV is only valid together with a listener. */
  if (flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 && errno == EFAULT;
}

bool
seccomp_feature_flag_supported (const char *name)
{
  const struct named_value *f = find_named (filter_flags, ARRAY_SIZE (filter_flags), name);

  return f && kernel_accepts_flags (f->value);
}

static int
parse_flags (const struct oci_seccomp *s, unsigned long *ret, struct ocirt_error **err)
{
  *ret = 0;
  for (size_t i = 0; i < s->flags_len; i++)
    {
      const struct named_value *f = find_named (filter_flags, ARRAY_SIZE (filter_flags), s->flags[i]);

      if (f == NULL)
        return ocirt_error_setx (err, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i,
                                 s->flags[i]);
      if (!kernel_accepts_flags (f->value))
        return ocirt_error_setx (err, EOPNOTSUPP,
                                 "linux.seccomp.flags[%zu]: %s is not supported by the running kernel", i,
                                 s->flags[i]);
      *ret |= f->value;
    }
  return 0;
}

/* Fills conds[] from syscalls[i].args; *ret_separate tells whether two
   conditions test the same argument. libseccomp cannot AND two conditions
   on one argument, so runc then adds each condition as a rule of its own
   (OR); we do the same, since profiles are written against runc. */
static int
parse_args (const struct oci_syscall *sc, size_t i, struct scmp_arg_cmp *conds, bool *ret_separate,
            struct ocirt_error **err)
{
  unsigned int seen[SYSCALL_MAX_ARGS] = { 0 };

  *ret_separate = false;
  for (size_t j = 0; j < sc->args_len; j++)
    {
      const struct oci_syscall_arg *a = &sc->args[j];
      const struct named_value *op = find_named (operators, ARRAY_SIZE (operators), a->op);

      if (op == NULL)
        return ocirt_error_setx (
            err, EINVAL, "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"", i, j, a->op);
      if (a->index >= SYSCALL_MAX_ARGS)
        return ocirt_error_setx (err, EINVAL,
                                 "linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of range (0..%d)", i,
                                 j, a->index, SYSCALL_MAX_ARGS - 1);
      if (seen[a->index]++)
        *ret_separate = true;
      /* For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the datum. */
      conds[j] = (struct scmp_arg_cmp){
        .arg = a->index, .op = (enum scmp_compare) op->value, .datum_a = a->value, .datum_b = a->value_two
      };
    }
  return 0;
}

static int
add_rule (struct compiler *c, size_t i, const char *name, uint32_t action, const struct scmp_arg_cmp *conds,
          size_t n, bool separate, struct ocirt_error **err)
{
  int nr = seccomp_syscall_resolve_name (name);
  int r = 0;

  if (nr == __NR_SCMP_ERROR)
    {
      /* Profiles list syscalls of newer kernels and other architectures. */
      log_debug ("linux.seccomp.syscalls[%zu]: unknown syscall \"%s\", skipped", i, name);
      return 0;
    }
  if (n == 0 || !separate)
    r = seccomp_rule_add_array (c->ctx, action, nr, (unsigned) n, conds);
  for (size_t j = 0; separate && j < n && r >= 0; j++)
    r = seccomp_rule_add_array (c->ctx, action, nr, 1, &conds[j]);
  if (r < 0)
    return ocirt_error_set (err, -r, "linux.seccomp.syscalls[%zu]: add the rule for \"%s\"", i, name);
  return 0;
}

static int
add_syscall (struct compiler *c, size_t i, struct ocirt_error **err)
{
  const struct oci_syscall *sc = &c->s->syscalls[i];
  struct scmp_arg_cmp *conds = NULL;
  _cleanup_free_ struct scmp_arg_cmp *conds_mem = NULL;
  char field[64];
  uint32_t action;
  bool separate;
  int r;

  snprintf (field, sizeof field, "linux.seccomp.syscalls[%zu]", i);
  r = parse_action (sc->action, sc->errno_ret_present, sc->errno_ret, field, ".action", ".errnoRet", &action,
                    err);
  if (r < 0)
    return r;
  if (sc->args_len && (conds = conds_mem = calloc (sc->args_len, sizeof *conds)) == NULL)
    return ocirt_error_set (err, ENOMEM, "%s", field);
  if ((r = parse_args (sc, i, conds, &separate, err)) < 0)
    return r;
  if (action == SCMP_ACT_NOTIFY)
    {
      for (size_t j = 0; j < sc->names_len; j++)
        /* The init hands the listener fd over with sendmsg(2): a notified
           sendmsg would wait for an agent that never gets the fd. */
        if (strcmp (sc->names[j], "sendmsg") == 0)
          return ocirt_error_setx (err, EINVAL, "%s.names[%zu]: SCMP_ACT_NOTIFY cannot be used for sendmsg",
                                   field, j);
    }
  if (action == c->default_action)
    {
      /* libseccomp refuses such rules; they change nothing (runc skips them too). */
      log_debug ("%s: same action as the default, skipped", field);
      return 0;
    }
  for (size_t j = 0; j < sc->names_len; j++)
    if ((r = add_rule (c, i, sc->names[j], action, conds, sc->args_len, separate, err)) < 0)
      return r;
  return 0;
}

static bool
profile_names (const struct oci_seccomp *s, const char *name)
{
  for (size_t i = 0; i < s->syscalls_len; i++)
    for (size_t j = 0; j < s->syscalls[i].names_len; j++)
      if (strcmp (s->syscalls[i].names[j], name) == 0)
        return true;
  return false;
}

/* glibc (2.34+) tries clone3 first and falls back to clone only on ENOSYS.
   A profile older than clone3 that denies unknown syscalls with EPERM would
   break every thread and fork in the container, so unless the profile says
   something about clone3, it answers ENOSYS: "this kernel has no clone3". */
static int
add_clone3_rule (struct compiler *c, struct ocirt_error **err)
{
  int nr, r;

  if ((c->default_action & SECCOMP_RET_ACTION_FULL) != SCMP_ACT_ERRNO (0)
      || c->default_action == SCMP_ACT_ERRNO (ENOSYS) || profile_names (c->s, "clone3"))
    return 0;
  nr = seccomp_syscall_resolve_name ("clone3");
  if (nr == __NR_SCMP_ERROR)
    return 0;
  r = seccomp_rule_add (c->ctx, SCMP_ACT_ERRNO (ENOSYS), nr, 0);
  if (r < 0)
    return ocirt_error_set (err, -r, "linux.seccomp: add the clone3 rule");
  return 0;
}

static int
export_program (scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_len, struct ocirt_error **err)
{
  _cleanup_close_ int fd = memfd_create ("seccomp-bpf", MFD_CLOEXEC);
  _cleanup_free_ struct sock_filter *prog = NULL;
  off_t size;
  int r;

  if (fd < 0)
    return ocirt_error_set (err, errno, "linux.seccomp: memfd_create");
  r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return ocirt_error_set (err, -r, "linux.seccomp: generate the BPF program");
  size = lseek (fd, 0, SEEK_END);
  if (size <= 0 || size % (off_t) sizeof (struct sock_filter))
    return ocirt_error_setx (err, EIO, "linux.seccomp: libseccomp produced a malformed program");
  prog = malloc ((size_t) size);
  if (prog == NULL)
    return ocirt_error_set (err, ENOMEM, "linux.seccomp");
  if (pread (fd, prog, (size_t) size, 0) != size)
    return ocirt_error_set (err, errno ? errno : EIO, "linux.seccomp: read the BPF program");
  *ret = TAKE_PTR (prog);
  *ret_len = (size_t) size / sizeof (struct sock_filter);
  return 0;
}

/* The highest syscall number `arch` has among the names of the profile, or
   -1. x32 numbers (with X32_SYSCALL_BIT) are a separate range on x86_64. */
static int
highest_named_nr (const struct oci_seccomp *s, uint32_t arch)
{
  int max = -1;

  for (size_t i = 0; i < s->syscalls_len; i++)
    for (size_t j = 0; j < s->syscalls[i].names_len; j++)
      {
        int nr = seccomp_syscall_resolve_name_arch (arch, s->syscalls[i].names[j]);
        if (nr < 0 || (arch == SCMP_ARCH_X86_64 && (uint32_t) nr >= X32_SYSCALL_BIT))
          continue;
        if (nr > max)
          max = nr;
      }
  return max;
}

static bool
wants_enosys_stub (uint32_t default_action)
{
  /* A permissive default lets new syscalls through anyway. */
  return default_action != SCMP_ACT_ALLOW && default_action != SCMP_ACT_LOG
         && default_action != SCMP_ACT_ERRNO (ENOSYS);
}

/* A syscall newer than anything the profile names is one its author could
   not know: the program should behave as if the kernel lacked it (ENOSYS,
   so that libc falls back to an older call) instead of applying the default
   action, which is usually EPERM and makes programs give up. runc does this
   by rewriting the generated program; we put a small prologue in front of
   it, per architecture of the filter:
       A = arch; if (A == ARCH) { A = nr; if (A > highest named) return ERRNO(ENOSYS); }
   then the unchanged libseccomp program, which reloads what it needs. */
static int
prepend_enosys_stub (struct compiler *c, struct seccomp_filter *f, struct ocirt_error **err)
{
  struct sock_filter stub[1 + 5 * MAX_ARCHS], *prog;
  int max[MAX_ARCHS];
  size_t n = 0, total = 1;

  if (!wants_enosys_stub (c->default_action))
    return 0;
  for (size_t a = 0; a < c->n_archs; a++)
    {
      /* x32 syscalls arrive with arch AUDIT_ARCH_X86_64: SCMP_ARCH_X32 never matches. */
      max[a] = c->archs[a] == SCMP_ARCH_X32 ? -1 : highest_named_nr (c->s, c->archs[a]);
      if (max[a] >= 0)
        total += c->archs[a] == SCMP_ARCH_X86_64 ? 5 : 4;
    }
  if (total == 1)
    return 0;
  stub[n++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch));
  for (size_t a = 0; a < c->n_archs; a++)
    {
      bool x86_64 = c->archs[a] == SCMP_ARCH_X86_64;
      if (max[a] < 0)
        continue;
      /* On mismatch, skip the rest of this block: A still holds the arch. */
      stub[n] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, c->archs[a], 0, x86_64 ? 4 : 3);
      n++;
      stub[n++]
          = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr));
      if (x86_64)
        {
          stub[n]
              = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, total - n - 1, 0);
          n++;
        }
      stub[n]
          = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JGT | BPF_K, (uint32_t) max[a], 0, total - n - 1);
      n++;
      stub[n++] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
    }
  prog = malloc ((n + f->len) * sizeof *prog);
  if (prog == NULL)
    return ocirt_error_set (err, ENOMEM, "linux.seccomp");
  memcpy (prog, stub, n * sizeof *prog);
  memcpy (prog + n, f->prog, f->len * sizeof *prog);
  free (f->prog);
  f->prog = prog;
  f->len += n;
  return 0;
}

/* SCMP_ACT_NOTIFY cannot be the default action (translate refuses it). */
static bool
profile_uses_notify (const struct oci_seccomp *s)
{
  for (size_t i = 0; i < s->syscalls_len; i++)
    if (s->syscalls[i].action && strcmp (s->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
      return true;
  return false;
}

/* What a profile must satisfy beyond its program; checked for compiled and
   cached programs alike. */
static int
check_profile (const struct oci_seccomp *s, bool notify, struct ocirt_error **err)
{
  if (s->listener_metadata && s->listener_path == NULL)
    return ocirt_error_setx (err, EINVAL, "linux.seccomp.listenerMetadata: set without listenerPath");
  if (notify && (s->listener_path == NULL || s->listener_path[0] == '\0'))
    return ocirt_error_setx (err, EINVAL,
                             "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
  return 0;
}

static void
compiler_release (struct compiler *c)
{
  if (c->ctx)
    seccomp_release (c->ctx);
}

static int
translate (struct compiler *c, struct ocirt_error **err)
{
  const struct oci_seccomp *s = c->s;
  int r;

  if (s->default_action == NULL)
    return ocirt_error_setx (err, EINVAL, "linux.seccomp.defaultAction: required");
  r = parse_action (s->default_action, s->default_errno_ret_present, s->default_errno_ret, "linux.seccomp.",
                    "defaultAction", "defaultErrnoRet", &c->default_action, err);
  if (r < 0)
    return r;
  if (c->default_action == SCMP_ACT_NOTIFY)
    return ocirt_error_setx (err, EINVAL,
                             "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  c->ctx = seccomp_init (c->default_action);
  if (c->ctx == NULL)
    return ocirt_error_setx (err, EOPNOTSUPP, "linux.seccomp.defaultAction: %s is not supported here",
                             s->default_action);
  /* Real errno values instead of libseccomp's -ECANCELED and friends. */
  (void) seccomp_attr_set (c->ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
  if ((r = add_architectures (c, err)) < 0)
    return r;
  for (size_t i = 0; i < s->syscalls_len; i++)
    if ((r = add_syscall (c, i, err)) < 0)
      return r;
  return add_clone3_rule (c, err);
}

int
seccomp_filter_compile (const struct oci_seccomp *s, struct seccomp_filter **ret, struct ocirt_error **err)
{
  _cleanup_ (compiler_release) struct compiler c = { .s = s };
  _cleanup_seccomp_filter_ struct seccomp_filter *f = NULL;
  int r;

  *ret = NULL;
  if (s == NULL)
    return 0;
  f = calloc (1, sizeof *f);
  if (f == NULL)
    return ocirt_error_set (err, ENOMEM, "linux.seccomp");
  f->notify = profile_uses_notify (s);
  if ((r = translate (&c, err)) < 0 || (r = check_profile (s, f->notify, err)) < 0
      || (r = parse_flags (s, &f->flags, err)) < 0 || (r = export_program (c.ctx, &f->prog, &f->len, err)) < 0
      || (r = prepend_enosys_stub (&c, f, err)) < 0)
    return r;
  if (f->len > BPF_MAXINSNS)
    return ocirt_error_setx (err, E2BIG,
                             "linux.seccomp: the profile compiles to %zu BPF instructions, over the "
                             "kernel's limit of %d",
                             f->len, BPF_MAXINSNS);
  log_debug ("seccomp: %zu BPF instructions", f->len);
  *ret = TAKE_PTR (f);
  return 0;
}

int
seccomp_filter_from_program (const struct oci_seccomp *s, const struct sock_filter *prog, size_t len,
                             struct seccomp_filter **ret, struct ocirt_error **err)
{
  _cleanup_seccomp_filter_ struct seccomp_filter *f = NULL;
  int r;

  *ret = NULL;
  if (len == 0 || len > BPF_MAXINSNS)
    return ocirt_error_setx (err, EINVAL, "linux.seccomp: a program of %zu instructions", len);
  f = calloc (1, sizeof *f);
  if (f == NULL || (f->prog = malloc (len * sizeof *prog)) == NULL)
    return ocirt_error_set (err, ENOMEM, "linux.seccomp");
  memcpy (f->prog, prog, len * sizeof *prog);
  f->len = len;
  f->notify = profile_uses_notify (s);
  /* The kernel may have changed since the program was compiled, and the
     listener settings are not part of the cache key. */
  if ((r = check_profile (s, f->notify, err)) < 0 || (r = parse_flags (s, &f->flags, err)) < 0)
    return r;
  *ret = TAKE_PTR (f);
  return 0;
}

const struct sock_filter *
seccomp_filter_program (const struct seccomp_filter *f, size_t *ret_len)
{
  *ret_len = f ? f->len : 0;
  return f ? f->prog : NULL;
}

int
seccomp_filter_load (const struct seccomp_filter *f, int *ret_notify_fd, struct ocirt_error **err)
{
  struct sock_fprog prog;
  unsigned long flags;
  long r;

  if (ret_notify_fd)
    *ret_notify_fd = -1;
  if (f == NULL)
    return 0;
  prog = (struct sock_fprog){ .len = (unsigned short) f->len, .filter = f->prog };
  flags = f->flags;
  if (f->notify)
    {
      flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
      /* The kernel wants TSYNC_ESRCH with TSYNC + NEW_LISTENER (a failed
         thread sync cannot be reported as a thread id then). */
      if (flags & SECCOMP_FILTER_FLAG_TSYNC)
        flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
  else
    /* Only meaningful for a listener; the kernel rejects it without one. */
    flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0 && errno == EACCES)
    return ocirt_error_set (err, errno, "load the seccomp filter (it needs no_new_privs or CAP_SYS_ADMIN)");
  if (r < 0)
    return ocirt_error_set (err, errno, "load the seccomp filter");
  if (!f->notify && r > 0)
    return ocirt_error_setx (err, ESRCH, "load the seccomp filter: thread %ld could not be synchronized", r);
  if (f->notify && ret_notify_fd)
    *ret_notify_fd = (int) r;
  else if (f->notify)
    close ((int) r);
  return 0;
}

bool
seccomp_filter_uses_notify (const struct seccomp_filter *f)
{
  return f && f->notify;
}

size_t
seccomp_filter_size (const struct seccomp_filter *f)
{
  return f ? f->len : 0;
}

void
seccomp_filter_free (struct seccomp_filter *f)
{
  if (f == NULL)
    return;
  free (f->prog);
  free (f);
}

static const char **
names_of (const struct named_value *table, size_t n, bool supported_only)
{
  const char **v = calloc (n + 1, sizeof *v);
  size_t k = 0;

  for (size_t i = 0; v && i < n; i++)
    if (!supported_only || table[i].value)
      v[k++] = table[i].name;
  return v;
}

const char **
seccomp_feature_names (enum seccomp_name_kind kind)
{
  const char **v;

  switch (kind)
    {
    case SECCOMP_NAMES_ACTIONS:
      v = calloc (ARRAY_SIZE (actions) + 1, sizeof *v);
      for (size_t i = 0; v && i < ARRAY_SIZE (actions); i++)
        v[i] = actions[i].name;
      return v;
    case SECCOMP_NAMES_OPERATORS:
      return names_of (operators, ARRAY_SIZE (operators), false);
    case SECCOMP_NAMES_ARCHS:
      return names_of (architectures, ARRAY_SIZE (architectures), true);
    case SECCOMP_NAMES_FLAGS:
      return names_of (filter_flags, ARRAY_SIZE (filter_flags), false);
    }
  return NULL;
}
