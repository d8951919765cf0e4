/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* System calls made without the C library: the result is returned as the
   kernel gives it (a negative errno on failure), and nothing of the
   library is touched, not even errno. For a task that shares our memory
   but that the C library does not know of (clone(2) with CLONE_VM and
   without CLONE_THREAD): its errno, locks and thread list are those of
   the thread that made it, which runs on meanwhile. RAW_SYSCALL_AVAILABLE
   is 0 on architectures not written here; callers then do without. */

#if defined(__x86_64__)
#define RAW_SYSCALL_AVAILABLE 1

static inline __attribute__ ((always_inline)) long
raw_syscall4 (long nr, long a, long b, long c, long d)
{
  register long r10 __asm__("r10") = d;
  long ret;

  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
}

#elif defined(__aarch64__)
#define RAW_SYSCALL_AVAILABLE 1

static inline __attribute__ ((always_inline)) long
raw_syscall4 (long nr, long a, long b, long c, long d)
{
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;

  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
}

#else
#define RAW_SYSCALL_AVAILABLE 0
#endif
