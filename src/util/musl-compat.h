/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OCIRT_UTIL_MUSL_COMPAT_H
#define OCIRT_UTIL_MUSL_COMPAT_H

/* What the static runtime's C library (musl 1.2.3, Debian 12) lacks of
   glibc 2.36: the wrappers of newer system calls and their constants. The
   static build includes this file before every source (src/static.mk); the
   glibc build never sees it. */
/* Before any header, as config.h would have it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <features.h>

#ifndef __GLIBC__

#include <linux/mount.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1U << 0)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static inline int
open_tree (int dfd, const char *path, unsigned int flags)
{
  return (int) syscall (SYS_open_tree, dfd, path, flags);
}

static inline int
move_mount (int from_dfd, const char *from, int to_dfd, const char *to, unsigned int flags)
{
  return (int) syscall (SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

static inline int
fsopen (const char *fs, unsigned int flags)
{
  return (int) syscall (SYS_fsopen, fs, flags);
}

static inline int
fsconfig (int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
  return (int) syscall (SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int
fsmount (int fd, unsigned int flags, unsigned int attrs)
{
  return (int) syscall (SYS_fsmount, fd, flags, attrs);
}

static inline int
mount_setattr (int dfd, const char *path, unsigned int flags, struct mount_attr *attr, size_t size)
{
  return (int) syscall (SYS_mount_setattr, dfd, path, flags, attr, size);
}

static inline int
close_range (unsigned int first, unsigned int last, int flags)
{
  return (int) syscall (SYS_close_range, first, last, flags);
}

static inline int
renameat2 (int olddfd, const char *old, int newdfd, const char *new, unsigned int flags)
{
  return (int) syscall (SYS_renameat2, olddfd, old, newdfd, new, flags);
}

static inline int
execveat (int dfd, const char *path, char *const argv[], char *const envp[], int flags)
{
  return (int) syscall (SYS_execveat, dfd, path, argv, envp, flags);
}

#endif /* !__GLIBC__ */
#endif
