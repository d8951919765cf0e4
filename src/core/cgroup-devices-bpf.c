/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-devices-bpf.h"
#include "util/fs.h"

/* The program, written as raw instructions so no compiler or libbpf is
   needed at run time. The context is struct bpf_cgroup_dev_ctx:
   access_type (device type in the low 16 bits, access bits above), major,
   minor. The rules are tested from the last to the first, and the first
   match decides: that is "the last matching rule wins", the meaning of the
   spec's ordered list (and of the v1 controller's deny/allow writes). No
   match: deny.

     r2 = ctx->access_type; r3 = r2 & 0xffff (type); r2 >>= 16 (access)
     r4 = ctx->major; r5 = ctx->minor
     per rule: if type differs, or the access asked for is not within the
               rule's, or major/minor differ: jump to the next rule;
               r0 = allow; exit
     r0 = 0; exit */

static struct bpf_insn
insn (uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

#define LDX_W(dst, off) insn (BPF_LDX | BPF_W | BPF_MEM, dst, 1, off, 0)
#define MOV_REG(dst, src) insn (BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV_IMM(dst, imm) insn (BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define AND_IMM(dst, imm) insn (BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH_IMM(dst, imm) insn (BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off) insn (BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT() insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int
access_bits (const char *access)
{
  int bits = 0;

  bits |= strchr (access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0;
  bits |= strchr (access, 'r') ? BPF_DEVCG_ACC_READ : 0;
  bits |= strchr (access, 'w') ? BPF_DEVCG_ACC_WRITE : 0;
  return bits;
}

/* Emits one rule at `out` (room for 9 instructions); returns its length. */
static size_t
emit_rule (const struct cgroup_dev_rule *rule, struct bpf_insn *out)
{
  int bits = access_bits (rule->access);
  size_t n = 0, jumps[4], nj = 0;

  if (rule->type != 'a')
    {
      jumps[nj++] = n;
      out[n++] = JNE_IMM (3, rule->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
    }
  if (bits != (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE))
    {
      out[n++] = MOV_REG (6, 2);
      out[n++] = AND_IMM (6, ~bits & 7);
      jumps[nj++] = n;
      out[n++] = JNE_IMM (6, 0, 0);
    }
  if (rule->type != 'a' && rule->major >= 0)
    {
      jumps[nj++] = n;
      out[n++] = JNE_IMM (4, (int32_t) rule->major, 0);
    }
  if (rule->type != 'a' && rule->minor >= 0)
    {
      jumps[nj++] = n;
      out[n++] = JNE_IMM (5, (int32_t) rule->minor, 0);
    }
  out[n++] = MOV_IMM (0, rule->allow ? 1 : 0);
  out[n++] = EXIT ();
  for (size_t i = 0; i < nj; i++)
    out[jumps[i]].off = (int16_t) (n - jumps[i] - 1);
  return n;
}

int
cgroup_devices_bpf_build (const struct cgroup_dev_rule *rules, size_t n, struct bpf_insn **ret,
                          size_t *ret_len)
{
  struct bpf_insn *p = calloc (6 + 9 * n + 2, sizeof *p);
  size_t len = 0;

  if (p == NULL)
    return -ENOMEM;
  p[len++] = LDX_W (2, offsetof (struct bpf_cgroup_dev_ctx, access_type));
  p[len++] = MOV_REG (3, 2);
  p[len++] = AND_IMM (3, 0xffff);
  p[len++] = RSH_IMM (2, 16);
  p[len++] = LDX_W (4, offsetof (struct bpf_cgroup_dev_ctx, major));
  p[len++] = LDX_W (5, offsetof (struct bpf_cgroup_dev_ctx, minor));
  for (size_t i = n; i > 0; i--)
    {
      len += emit_rule (&rules[i - 1], p + len);
      /* A rule matching everything ends the program: the verifier rejects
         unreachable instructions. */
      if (rules[i - 1].type == 'a' && access_bits (rules[i - 1].access) == 7)
        {
          *ret = p;
          *ret_len = len;
          return 0;
        }
    }
  p[len++] = MOV_IMM (0, 0);
  p[len++] = EXIT ();
  *ret = p;
  *ret_len = len;
  return 0;
}

int
cgroup_devices_bpf_apply (int dirfd, const struct cgroup_dev_rule *rules, size_t n, bool test_mode,
                          struct ocirt_error **err)
{
  _cleanup_free_ struct bpf_insn *prog = NULL;
  _cleanup_close_ int prog_fd = -1;
  static char log_buf[4096];
  union bpf_attr attr;
  size_t len;
  char buf[32];

  if (cgroup_devices_bpf_build (rules, n, &prog, &len) < 0)
    return ocirt_error_set (err, ENOMEM, "device rules");
  if (test_mode)
    {
      int k = snprintf (buf, sizeof buf, "%zu\n", len);
      return fs_write_atomic (dirfd, "ocirt.devices-bpf", buf, (size_t) k, 0644) < 0
                 ? ocirt_error_set (err, errno, "test tree")
                 : 0;
    }
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t) (uintptr_t) prog;
  attr.insn_cnt = (uint32_t) len;
  attr.license = (uint64_t) (uintptr_t) "GPL";
  prog_fd = (int) syscall (SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
  if (prog_fd < 0)
    {
      /* Again with the verifier's log, for the message only: asking for it
         always could fail a good program whose log does not fit. */
      int saved = errno;
      attr.log_buf = (uint64_t) (uintptr_t) log_buf;
      attr.log_size = sizeof log_buf;
      attr.log_level = 1;
      log_buf[0] = '\0';
      (void) syscall (SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
      return ocirt_error_set (err, saved, "load the device cgroup program (%.200s)", log_buf);
    }
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) dirfd;
  attr.attach_bpf_fd = (uint32_t) prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  /* ALLOW_MULTI: a nested runtime or systemd inside may attach its own
     programs below; all of them must then allow an access. */
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (syscall (SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) < 0)
    return ocirt_error_set (err, errno, "attach the device cgroup program");
  /* The attachment holds the program: our fd may go. */
  return 0;
}
