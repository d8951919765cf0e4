/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure and file-level parts of the lifecycle: status derivation, the
   state store (atomic entries, one winner per id, vanishing reads) and the
   parent/init sync messages. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include "core/container-internal.h"
#include "core/init.h"
#include "core/state.h"
#include "core/status.h"
#include "core/sync.h"
#include "util/fs.h"
#include "util/proc.h"

static void
test_status_derive (void **unused)
{
  struct status_facts f = { 0 };

  f.creator_alive = true;
  assert_int_equal (status_derive (&f), STATUS_CREATING);
  f.creator_alive = false;
  assert_int_equal (status_derive (&f), STATUS_STOPPED);
  f = (struct status_facts){ .committed = true, .init_alive = true, .fifo_exists = true };
  assert_int_equal (status_derive (&f), STATUS_CREATED);
  f.fifo_exists = false;
  assert_int_equal (status_derive (&f), STATUS_RUNNING);
  f.frozen = true;
  assert_int_equal (status_derive (&f), STATUS_PAUSED);
  f.init_alive = false;
  assert_int_equal (status_derive (&f), STATUS_STOPPED);
  assert_string_equal (status_name (STATUS_CREATED), "created");
  assert_string_equal (status_name (STATUS_STOPPED), "stopped");
}

static int
make_root (char *path, size_t size)
{
  int fd;

  snprintf (path, size, "/tmp/ocirt-unit-XXXXXX");
  assert_non_null (mkdtemp (path));
  fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true (fd >= 0);
  return fd;
}

static struct container_state
sample_state (const char *id)
{
  return (struct container_state){ .id = (char *) id,
                                   .bundle = (char *) "/b",
                                   .rootfs = (char *) "/b/rootfs",
                                   .created = (char *) "2026-01-01T00:00:00Z",
                                   .owner = (char *) "",
                                   .creator_pid = 42,
                                   .creator_start = 7,
                                   .init_pid = 43,
                                   .init_start = 9,
                                   .committed = true };
}

static void
test_state_round_trip (void **unused)
{
  struct oci_map ann = { .keys = (char *[]){ "k" }, .values = (char *[]){ "v" }, .len = 1 };
  struct container_state st = sample_state ("abc");
  struct container_state *back = NULL;
  struct ocirt_error *err = NULL;
  char *json = NULL;

  st.annotations = &ann;
  st.cgroup_path = (char *) "/sys/fs/cgroup/x";
  assert_int_equal (state_to_json (&st, &json, &err), 0);
  assert_int_equal (state_from_json (json, &back, &err), 0);
  assert_string_equal (back->id, "abc");
  assert_string_equal (back->bundle, "/b");
  assert_int_equal (back->init_pid, 43);
  assert_int_equal (back->init_start, 9);
  assert_int_equal (back->creator_pid, 42);
  assert_true (back->committed);
  assert_string_equal (back->cgroup_path, "/sys/fs/cgroup/x");
  assert_int_equal (back->annotations->len, 1);
  assert_string_equal (back->annotations->values[0], "v");
  container_state_free (back);
  free (json);
  assert_int_not_equal (state_from_json ("{\"id\":", &back, &err), 0);
  assert_non_null (strstr (err->msg, "corrupt"));
  ocirt_error_free (err);
}

static void
test_state_entry_lifecycle (void **unused)
{
  struct container_state st = sample_state ("c1");
  struct container_state *read = NULL;
  struct ocirt_error *err = NULL;
  char root[64], **ids = NULL;
  int rootfd = make_root (root, sizeof root), dirfd = -1, dirfd2 = -1;

  assert_int_equal (state_create_entry (rootfd, &st, "{}", 2, &dirfd, &err), 0);
  /* The same id again: refused with runc's words, the winner untouched. */
  assert_int_equal (state_create_entry (rootfd, &st, "{}", 2, &dirfd2, &err), -EEXIST);
  assert_string_equal (err->msg, "container with id exists: c1");
  ocirt_error_free (err);
  err = NULL;
  assert_int_equal (state_open (rootfd, "c1", 0, NULL, &read, &err), 0);
  assert_int_equal (read->init_pid, 43);
  container_state_free (read);
  /* The creator holds the lock. */
  {
    int fd = openat (rootfd, "c1", O_RDONLY | O_DIRECTORY);
    assert_int_equal (flock (fd, LOCK_EX | LOCK_NB), -1);
    close (fd);
  }
  st.init_pid = 99;
  assert_int_equal (state_save (dirfd, &st, &err), 0);
  assert_int_equal (state_open (rootfd, "c1", 0, NULL, &read, &err), 0);
  assert_int_equal (read->init_pid, 99);
  container_state_free (read);
  assert_int_equal (state_list_ids (rootfd, &ids, &err), 0);
  assert_string_equal (ids[0], "c1");
  assert_null (ids[1]);
  cleanup_strvp (&ids);
  assert_int_equal (state_remove (rootfd, "c1", &err), 0);
  assert_int_equal (state_open (rootfd, "c1", 0, NULL, &read, &err), -ENOENT);
  assert_string_equal (err->msg, "container `c1` does not exist");
  ocirt_error_free (err);
  close (dirfd);
  assert_int_equal (state_list_ids (rootfd, &ids, &err), 0);
  assert_null (ids[0]);
  cleanup_strvp (&ids);
  assert_int_equal (rmdir (root), 0); /* nothing left behind */
  close (rootfd);
}

/* /proc/PID/stat lines: what counts as alive, and the start time. The
   fields after the name: state ppid pgrp session tty tpgid flags ... field
   22 starttime ... field 31 signal (pending). */
static void
test_proc_stat_parse (void **unused)
{
  static const char *const head = "4242 (a) b) c) ";
  static const char *const mid = " 1 4242 4242 0 -1 ";
  static const char *const tail = " 0 0 0 0 0 0 0 0 20 0 1 0 987654 9000 100 18446744073709551615 1 1 0 0 0 ";
  char line[512];
  uint64_t start = 0;

#define LINE(state, flags, signal)                                                                           \
  (snprintf (line, sizeof line, "%s%s%s%s%s %s 0 0 0 0\n", head, state, mid, flags, tail, signal), line)

  (void) unused;
  assert_int_equal (proc_stat_parse (LINE ("S", "4194560", "0"), &start), 0);
  assert_int_equal (start, 987654);
  assert_int_equal (proc_stat_parse (LINE ("R", "4194560", "16384"), &start), 0); /* SIGCHLD only */
  /* Gone or going: a zombie, an exiting task (PF_EXITING), SIGKILL pending. */
  assert_int_equal (proc_stat_parse (LINE ("Z", "4194560", "0"), &start), -ESRCH);
  assert_int_equal (proc_stat_parse (LINE ("X", "4194560", "0"), &start), -ESRCH);
  assert_int_equal (proc_stat_parse (LINE ("D", "4194564", "0"), &start), -ESRCH);
  assert_int_equal (proc_stat_parse (LINE ("S", "4194560", "256"), &start), -ESRCH);
  assert_int_equal (proc_stat_parse (LINE ("S", "4194560", "16640"), &start), -ESRCH);
  /* Not such a line. */
  assert_int_equal (proc_stat_parse ("4242 (no closing paren S 1", &start), -EIO);
  assert_int_equal (proc_stat_parse ("4242 (a) S 1 2 3", &start), -EIO);
  assert_int_equal (
      proc_stat_parse ("4242 (a) S 1 x 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 "
                       "25 26 27 28 29 30",
                       &start),
      -EIO);
  /* Our own process, for real. */
  assert_int_equal (proc_start_time (getpid (), &start), 0);
  assert_true (start > 0);
#undef LINE
}

static void *
sleep_on (void *unused)
{
  (void) unused;
  for (;;)
    pause ();
  return NULL;
}

/* An init on its way out still holds its cgroups: killing it waits until
   it has really gone. Here its main thread has exited while another runs,
   so /proc calls it a zombie (not alive) although it is still there. */
static void
test_kill_init_waits_for_a_going_init (void **unused)
{
  struct container_state st = { .id = (char *) "going" };
  struct ocirt_error *err = NULL;
  int go[2], status = 0;
  char c = 0;

  (void) unused;
  assert_int_equal (pipe (go), 0);
  st.init_pid = fork ();
  if (st.init_pid == 0)
    {
      pthread_t t;
      /* Not left behind should this test fail. */
      if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || pthread_create (&t, NULL, sleep_on, NULL) != 0
          || read (go[0], &c, 1) != 1)
        _exit (1);
      pthread_exit (NULL);
    }
  assert_int_equal (proc_start_time (st.init_pid, &st.init_start), 0);
  assert_int_equal (write (go[1], &c, 1), 1);
  for (int i = 0; i < 5000 && proc_alive (st.init_pid, st.init_start); i++)
    usleep (1000);
  assert_false (proc_alive (st.init_pid, st.init_start));
  assert_int_equal (waitpid (st.init_pid, &status, WNOHANG), 0); /* still there */
  assert_int_equal (proc_pidfd_open_checked (st.init_pid, st.init_start), -ESRCH);

  assert_int_equal (container_kill_init (&st, &err), 0);
  assert_int_equal (waitpid (st.init_pid, &status, WNOHANG), st.init_pid);
  assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  close (go[0]);
  close (go[1]);
}

/* A temporary entry is swept by the next listing once the process named in
   it is gone (even when it died before writing anything), never while it
   lives, and never while a lock on it is held. */
static void
test_state_abandoned_tmp_swept (void **unused)
{
  struct ocirt_error *err = NULL;
  char root[64], dead[96], live[96], held_name[96], **ids = NULL;
  int rootfd = make_root (root, sizeof root), held, status;
  uint64_t self_start;
  pid_t child;

  /* A pid that surely has no process with this start time. */
  child = fork ();
  if (child == 0)
    _exit (0);
  assert_int_equal (waitpid (child, &status, 0), child);
  assert_int_equal (proc_start_time (getpid (), &self_start), 0);
  snprintf (dead, sizeof dead, ".tmp-%d-%llu-0000dead", (int) child, 12345ULL);
  snprintf (live, sizeof live, ".tmp-%d-%llu-00000001", (int) getpid (), (unsigned long long) self_start);
  snprintf (held_name, sizeof held_name, ".tmp-%d-%llu-00000002", (int) child, 12345ULL);
  assert_int_equal (mkdirat (rootfd, dead, 0700), 0);
  assert_int_equal (mkdirat (rootfd, live, 0700), 0);
  assert_int_equal (mkdirat (rootfd, held_name, 0700), 0);
  held = openat (rootfd, held_name, O_RDONLY | O_DIRECTORY);
  assert_int_equal (flock (held, LOCK_EX), 0);
  assert_int_equal (state_list_ids (rootfd, &ids, &err), 0);
  assert_null (ids[0]);
  cleanup_strvp (&ids);
  assert_int_equal (faccessat (rootfd, dead, F_OK, 0), -1);
  assert_int_equal (faccessat (rootfd, live, F_OK, 0), 0);
  assert_int_equal (faccessat (rootfd, held_name, F_OK, 0), 0);
  close (held);
  assert_int_equal (fs_remove_tree (AT_FDCWD, root), 0);
  close (rootfd);
}

/* Many processes create the same id at once: exactly one wins. */
static void
test_state_one_winner (void **unused)
{
  char root[64];
  int rootfd = make_root (root, sizeof root), wins = 0;
  pid_t pids[16];

  for (int i = 0; i < 16; i++)
    if ((pids[i] = fork ()) == 0)
      {
        struct container_state st = sample_state ("race");
        struct ocirt_error *err = NULL;
        int dirfd;
        _exit (state_create_entry (rootfd, &st, "{}", 2, &dirfd, &err) == 0 ? 0 : 1);
      }
  for (int i = 0; i < 16; i++)
    {
      int status;
      assert_int_equal (waitpid (pids[i], &status, 0), pids[i]);
      wins += WIFEXITED (status) && WEXITSTATUS (status) == 0;
    }
  assert_int_equal (wins, 1);
  assert_int_equal (fs_remove_tree (AT_FDCWD, root), 0);
  close (rootfd);
}

static void
test_sync_messages (void **unused)
{
  struct ocirt_error *err = NULL;
  enum sync_type type;
  int fds[2];

  assert_int_equal (sync_pair (fds, &err), 0);
  assert_int_equal (sync_send (fds[0], SYNC_HOOKS_DONE, 0, NULL, &err), 0);
  assert_int_equal (sync_receive (fds[1], &type, &err), 0);
  assert_int_equal (type, SYNC_HOOKS_DONE);
  /* An error from the peer arrives as an error with its code and words. */
  {
    struct ocirt_error e = { .code = ENOENT, .msg = (char *) "mount `x`: No such file or directory" };
    sync_send_error (fds[0], &e);
  }
  assert_int_equal (sync_expect (fds[1], SYNC_READY, &err), -ENOENT);
  assert_string_equal (err->msg, "mount `x`: No such file or directory");
  ocirt_error_free (err);
  err = NULL;
  /* The wrong message is an error, and so is a peer that went away. */
  assert_int_equal (sync_send (fds[0], SYNC_READY, 0, NULL, &err), 0);
  assert_true (sync_expect (fds[1], SYNC_COMMIT, &err) < 0);
  ocirt_error_free (err);
  err = NULL;
  close (fds[0]);
  assert_int_equal (sync_expect (fds[1], SYNC_READY, &err), -EPIPE);
  assert_non_null (strstr (err->msg, "exited unexpectedly"));
  ocirt_error_free (err);
  close (fds[1]);
}

/* A SYNC_COMMIT sent early stays unread when the init fails: its end then
   closes with data in it, which the kernel reports as ECONNRESET, once, in
   place of what comes next. The init's last words and its going still
   read as such. */
static void
test_sync_peer_gone_with_our_message_unread (void **unused)
{
  struct ocirt_error *err = NULL;
  int fds[2];

  assert_int_equal (sync_pair (fds, &err), 0);
  assert_int_equal (sync_send (fds[0], SYNC_COMMIT, 0, NULL, &err), 0);
  close (fds[1]);
  assert_int_equal (sync_expect (fds[0], SYNC_READY, &err), -EPIPE);
  assert_non_null (strstr (err->msg, "exited unexpectedly"));
  ocirt_error_free (err);
  err = NULL;
  close (fds[0]);

  assert_int_equal (sync_pair (fds, &err), 0);
  assert_int_equal (sync_send (fds[0], SYNC_COMMIT, 0, NULL, &err), 0);
  {
    struct ocirt_error e = { .code = EINVAL, .msg = (char *) "join namespace: not a namespace" };
    sync_send_error (fds[1], &e);
  }
  close (fds[1]);
  assert_int_equal (sync_expect (fds[0], SYNC_READY, &err), -EINVAL);
  assert_string_equal (err->msg, "join namespace: not a namespace");
  ocirt_error_free (err);
  close (fds[0]);
  (void) unused;
}

/* A message with an fd attached, or with none (SYNC_MOUNT_TREE: the
   creator could not build the tree); the wrong message, the peer's error
   and its going are told as by sync_expect, and an fd that came along with
   them is not kept. */
static void
test_sync_message_with_an_fd (void **unused)
{
  struct ocirt_error *err = NULL;
  struct stat a, b;
  int32_t code;
  int fds[2], got, sent = open ("/dev/null", O_RDONLY | O_CLOEXEC);

  assert_true (sent >= 0);
  assert_int_equal (sync_pair (fds, &err), 0);
  assert_int_equal (sync_send_fd (fds[0], SYNC_MOUNT_TREE, 6, sent, &err), 0);
  assert_int_equal (sync_expect_fd (fds[1], SYNC_MOUNT_TREE, &code, &got, &err), 0);
  assert_int_equal (code, 6);
  assert_true (got >= 0 && got != sent);
  assert_int_equal (fstat (got, &a), 0);
  assert_int_equal (fstat (sent, &b), 0);
  assert_true (a.st_ino == b.st_ino && a.st_dev == b.st_dev);
  assert_int_equal (fcntl (got, F_GETFD), FD_CLOEXEC);
  close (got);

  assert_int_equal (sync_send_fd (fds[0], SYNC_MOUNT_TREE, 2, -1, &err), 0);
  assert_int_equal (sync_expect_fd (fds[1], SYNC_MOUNT_TREE, &code, &got, &err), 0);
  assert_int_equal (code, 2);
  assert_int_equal (got, -1);

  assert_int_equal (sync_send_fd (fds[0], SYNC_COMMIT, 0, sent, &err), 0);
  assert_int_equal (sync_expect_fd (fds[1], SYNC_MOUNT_TREE, &code, &got, &err), -EBADMSG);
  assert_int_equal (got, -1);
  ocirt_error_free (TAKE_PTR (err));

  {
    struct ocirt_error e = { .code = EPERM, .msg = (char *) "no" };
    sync_send_error (fds[0], &e);
  }
  assert_int_equal (sync_expect_fd (fds[1], SYNC_MOUNT_TREE, &code, &got, &err), -EPERM);
  assert_string_equal (err->msg, "no");
  ocirt_error_free (TAKE_PTR (err));

  close (fds[0]);
  assert_int_equal (sync_expect_fd (fds[1], SYNC_MOUNT_TREE, &code, &got, &err), -EPIPE);
  ocirt_error_free (err);
  close (fds[1]);
  close (sent);
  (void) unused;
}

static void
test_sync_decode_rejects_garbage (void **unused)
{
  char text[16];
  enum sync_type type;
  int32_t code;
  uint32_t bad[2] = { 999, 0 };

  assert_int_equal (sync_decode ("ab", 2, &type, &code, text, sizeof text), -EBADMSG);
  assert_int_equal (sync_decode (bad, sizeof bad, &type, &code, text, sizeof text), -EBADMSG);
}

/* The creator commits an init at once only when nothing the init reads
   could come between SYNC_PROCEED and SYNC_COMMIT (init_asks_creator). */
static bool
asks (const char *config_json, unsigned long new_flags, bool hooks_in_parent)
{
  struct ocirt_error *err = NULL;
  struct oci_config *config = NULL;
  struct seccomp_filter *seccomp = NULL;
  struct namespace_plan plan = { .new_flags = new_flags };
  bool r;

  assert_int_equal (oci_config_parse (config_json, strlen (config_json), &config, &err), 0);
  if (config->linux_ && config->linux_->seccomp)
    assert_int_equal (seccomp_filter_compile (config->linux_->seccomp, &seccomp, &err), 0);
  {
    const struct init_args a
        = { .config = config, .plan = &plan, .seccomp = seccomp, .hooks_in_parent = hooks_in_parent };
    r = init_asks_creator (&a);
  }
  seccomp_filter_free (seccomp);
  oci_config_free (config);
  return r;
}

#define CFG(extra) "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"rootfs\"}" extra "}"
#define HOOK "[{\"path\":\"/bin/true\"}]"

static void
test_init_asks_creator (void **unused)
{
  assert_false (asks (CFG (""), CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET, false));
  /* Hooks that run around it but not during its setup ask nothing. */
  assert_false (asks (CFG (",\"hooks\":{\"poststart\":" HOOK ",\"poststop\":" HOOK "}"), CLONE_NEWNS, false));
  /* A user namespace: the creator writes its id maps. */
  assert_true (asks (CFG (""), CLONE_NEWUSER | CLONE_NEWNS, false));
  /* prestart / createRuntime: the creator runs them (the caller's flag). */
  assert_true (asks (CFG (""), CLONE_NEWNS, true));
  /* createContainer / startContainer: the init needs the creator's state. */
  assert_true (asks (CFG (",\"hooks\":{\"createContainer\":" HOOK "}"), CLONE_NEWNS, false));
  assert_true (asks (CFG (",\"hooks\":{\"startContainer\":" HOOK "}"), CLONE_NEWNS, false));
  /* A seccomp listener: its fd goes to the creator; a plain filter does not. */
  assert_false (asks (CFG (",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                           "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}}"),
                      CLONE_NEWNS, false));
  assert_true (asks (CFG (",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                          "\"listenerPath\":\"/run/l.sock\","
                          "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}}"),
                     CLONE_NEWNS, false));
  (void) unused;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_status_derive),
    cmocka_unit_test (test_state_round_trip),
    cmocka_unit_test (test_state_entry_lifecycle),
    cmocka_unit_test (test_proc_stat_parse),
    cmocka_unit_test (test_kill_init_waits_for_a_going_init),
    cmocka_unit_test (test_state_abandoned_tmp_swept),
    cmocka_unit_test (test_state_one_winner),
    cmocka_unit_test (test_sync_messages),
    cmocka_unit_test (test_init_asks_creator),
    cmocka_unit_test (test_sync_peer_gone_with_our_message_unread),
    cmocka_unit_test (test_sync_message_with_an_fd),
    cmocka_unit_test (test_sync_decode_rejects_garbage),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
