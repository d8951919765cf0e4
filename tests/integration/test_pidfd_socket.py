# SPDX-License-Identifier: GPL-2.0-or-later
"""--pidfd-socket (create, run, exec): the caller receives, over a unix
socket, a pidfd of the container's init or of the exec'd process, a handle
that can never name a recycled pid."""

import os
import threading

import pytest
from helpers.console import ConsoleSocket
from helpers.lifecycle import state

pytestmark = pytest.mark.needs_root


def pidfd_pid(fd):
    """The pid a pidfd refers to (from its fdinfo), after checking it is one."""
    assert os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:[pidfd]"
    with open(f"/proc/self/fdinfo/{fd}") as f:
        for line in f:
            if line.startswith("Pid:"):
                return int(line.split()[1])
    raise AssertionError("no Pid: line in the fdinfo of a pidfd")


def receive_in_background(sock):
    got = {}
    t = threading.Thread(target=lambda: got.setdefault("fd", sock.receive()))
    t.start()
    return t, got


@pytest.mark.parametrize("command", ["create", "run-d"])
def test_pidfd_of_the_init(run, bundle, container_id, command):
    bundle.args("sleep", "100").write()
    sock = ConsoleSocket()
    try:
        t, got = receive_in_background(sock)
        args = ["create"] if command == "create" else ["run", "-d"]
        r = run(*args, "--pidfd-socket", sock.path, "--bundle", bundle, container_id)
        t.join(10)
        assert r.rc == 0, r.stderr
        assert got["fd"] >= 0
        assert pidfd_pid(got["fd"]) == state(run, container_id)["pid"]
    finally:
        sock.close()


def test_pidfd_of_an_exec_process(run, bundle, container_id, tmp_path):
    bundle.args("sleep", "100").write()
    assert run("run", "-d", "--bundle", bundle, container_id).rc == 0
    sock = ConsoleSocket()
    try:
        t, got = receive_in_background(sock)
        pid_file = tmp_path / "exec.pid"
        r = run("exec", "-d", "--pidfd-socket", sock.path, "--pid-file", pid_file, container_id, "sleep", "50")
        t.join(10)
        assert r.rc == 0, r.stderr
        assert pidfd_pid(got["fd"]) == int(pid_file.read_text())
    finally:
        sock.close()


def test_pidfd_socket_missing(run, bundle, container_id, leftovers, tmp_path):
    bundle.args("sleep", "100").write()
    r = run("create", "--pidfd-socket", tmp_path / "nothing.sock", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert "--pidfd-socket" in r.stderr and len(r.stderr_lines()) == 1, r.stderr
    assert "does not exist" in run("state", container_id).stderr
    assert leftovers() == []
