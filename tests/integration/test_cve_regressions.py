# SPDX-License-Identifier: GPL-2.0-or-later
"""Regression tests named after the attacks that hit runc and crun. Most
attack classes are tested where the defence lives; this file adds those that
have no other home and indexes the rest:

- CVE-2019-5736 (the runtime's binary overwritten through /proc/PID/exe):
  test_cve_2019_5736.py (the attack run for real, with and without the
  protection) and the non-dumpable init below
- CVE-2019-16884, CVE-2019-19921 (fake procfs for LSM attributes):
  tests/unit/test-lsm.c (a tmpfs posing as /proc, a file bound over attr/exec)
- CVE-2021-30465, CVE-2024-45310 (mount targets through symlinks, `..`):
  test_cve_2021_30465.py (destinations in a volume raced by a symlink
  exchange), test_security_paths.py (symlinked destinations, `..` escapes)
  and tests/unit/test-path.c (hostile symlinks, creation through dangling
  links, a parent swapped during creation)
- CVE-2022-29162, CVE-2022-27650 (inheritable capabilities):
  test_process.py (CapInh and CapAmb stay 0 with the default config)
- CVE-2023-27561, CVE-2023-28642 (/proc as a symlink): test_security_paths.py
- CVE-2024-21626 (cwd /proc/self/fd/N, leaked fds): test_security_paths.py,
  test_lifecycle.py and test_exec.py (fds of the caller never reach the
  container)
- CVE-2025-31133 (/dev/null replaced by a symlink): test_security_paths.py
- /dev itself a symlink in the image (devices created through it):
  test_security_paths.py (test_dev_as_a_symlink_in_the_image)
- CVE-2025-52565 (/dev/console): test_terminal.py (console is a pts bound by fd)
- CVE-2025-52881 (procfs write redirection): tests/unit/test-rootfs.c
  (sysctl through a verified procfs) and test-process.c (oom_score_adj)
"""

import json
import os

import pytest

pytestmark = pytest.mark.needs_root


def test_cve_2016_3697_numeric_user_is_never_looked_up(run, bundle, container_id):
    """A rootfs whose /etc/passwd has a user *named* "1000" with uid 0 must not
    turn `"uid": 1000` into root: uids are numbers, never names."""
    passwd = bundle.rootfs / "etc" / "passwd"
    passwd.write_text(passwd.read_text() + "1000:x:0:0:evil:/:/bin/sh\n")
    bundle.set("process.user", {"uid": 1000, "gid": 1000}).probe("ids").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    ids = r.json()
    assert (ids["uid"], ids["euid"], ids["gid"]) == (1000, 1000, 1000)


def _proc_owner(pid):
    return os.stat(f"/proc/{pid}/fd").st_uid


def test_cve_2016_9962_and_2019_5736_init_is_not_dumpable_before_exec(run, bundle, container_id):
    """The init waits for `start` inside the container's namespaces, already
    running as the container's user, while it still is the runtime's binary:
    it must be non-dumpable (its /proc entries then belong to root, so no
    container process can ptrace it or open /proc/PID/exe to overwrite the
    runtime). After the exec of the user's program it is an ordinary process
    again. (The kernel also drops dumpability on the uid change; the runtime
    sets it from its first instruction in the container, see init.c and
    container-create.c, which this property check guards as a whole.)"""
    bundle.set("process.user", {"uid": 1000, "gid": 1000}).args("sleep", "100").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    pid = json.loads(run("state", container_id).stdout)["pid"]
    with open(f"/proc/{pid}/status") as f:
        uids = next(line for line in f if line.startswith("Uid:")).split()[1:]
    assert uids[1] == "1000", "the init should already run as the container's user"
    assert _proc_owner(pid) == 0, "a dumpable init would own its /proc entries"
    assert run("start", container_id).rc == 0
    assert _proc_owner(pid) == 1000
