# SPDX-License-Identifier: GPL-2.0-or-later
"""process.terminal: the pty master goes to --console-socket (containerd,
conmon) or, in a foreground `run`, ocirt relays it to its own stdio; the
slave is the process's stdio, controlling terminal and /dev/console."""

import json
import os
import re
import select
import subprocess
import time

import pytest
from helpers.console import ConsoleSocket, read_until
from helpers.lifecycle import gone, state
from helpers.lifecycle import writable_rootfs  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.needs_root

TTY_NAME = re.compile(r"^/dev/(pts/\d+|console)$")


@pytest.fixture
def console():
    c = ConsoleSocket()
    yield c
    c.close()


def text(data):
    return data.replace(b"\r\n", b"\n").decode(errors="replace")


def create_with_console(run, bundle, cid, console, *args):
    bundle.set("process.terminal", True)
    bundle.args(*args).write()
    r = run("create", "--bundle", bundle, "--console-socket", console.path, cid)
    assert r.rc == 0, r.stderr
    master = console.receive()
    assert master >= 0, "no fd arrived on the console socket"
    return master


def test_console_socket_receives_pty_master(run, bundle, container_id, console):
    master = create_with_console(run, bundle, container_id, console, "sh", "-c",
                                 "tty; echo hello; exec /probe signal-wait")
    assert os.isatty(master)
    # nothing runs before start
    ready, _, _ = select.select([master], [], [], 0.2)
    assert not ready, "the process wrote to the terminal before start"

    assert run("start", container_id).rc == 0

    out = text(read_until(master, b"ready"))
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    assert len(lines) >= 3, out
    assert TTY_NAME.match(lines[0]), out
    assert lines[1] == "hello"
    assert lines[2] == "ready"
    assert state(run, container_id)["status"] == "running"


@pytest.mark.parametrize("uid", [0, 1000])
def test_terminal_belongs_to_the_process_user(run, bundle, container_id, console, uid):
    """runc makes the process's user the owner of its terminal (the group
    stays devpts's gid=5); tools like script(1) check it."""
    bundle.set("process.user", {"uid": uid, "gid": 100})
    master = create_with_console(run, bundle, container_id, console, "sh", "-c",
                                 "stat -c owner=%u:%g $(tty); exec /probe signal-wait")
    assert run("start", container_id).rc == 0
    out = text(read_until(master, b"ready"))
    assert f"owner={uid}:5" in out, out


def test_terminal_is_stdio_controlling_tty_and_console(run, bundle, container_id, console):
    master = create_with_console(run, bundle, container_id, console, "sh", "-c",
                                 "/probe tty; /probe stat /dev/console; exec /probe signal-wait")
    assert run("start", container_id).rc == 0

    out = text(read_until(master, b"ready"))
    objs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(objs) == 2, out
    tty, console_stat = objs
    for fd in ("0", "1", "2"):
        assert tty[fd]["isatty"] is True, (fd, tty)
    assert tty["0"]["ttyname"] == tty["1"]["ttyname"] == tty["2"]["ttyname"]
    assert TTY_NAME.match(tty["0"]["ttyname"]), tty
    assert tty["foreground_pgrp"] > 0, "the pty must be the controlling terminal"
    assert console_stat["type"] == "char", console_stat
    assert console_stat["major"] == 136, "/dev/console must be the pty slave (a /dev/pts device)"


def test_console_size(run, bundle, container_id, console):
    bundle.set("process.consoleSize", {"height": 31, "width": 101})
    master = create_with_console(run, bundle, container_id, console, "sh", "-c",
                                 "stty size; exec /probe signal-wait")
    assert run("start", container_id).rc == 0
    out = text(read_until(master, b"ready"))
    assert out.splitlines()[0].strip() == "31 101", out


def test_terminal_output_after_exit_reaches_master(run, bundle, container_id, console):
    master = create_with_console(run, bundle, container_id, console, "sh", "-c", "echo bye; exit 0")
    assert run("start", container_id).rc == 0
    assert "bye" in text(read_until(master, b"bye"))


@pytest.mark.parametrize("cmd", [["create"], ["run", "-d"]])
def test_terminal_without_console_socket_when_detached(run, bundle, container_id, root, leftovers, cmd):
    bundle.set("process.terminal", True).probe("signal-wait").write()

    r = run(*cmd, "--bundle", bundle, container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "cannot allocate tty if runc will detach without setting console socket" in r.stderr
    assert gone(run, container_id)
    assert os.listdir(root) == []
    assert leftovers() == []


def test_console_socket_without_terminal(run, bundle, container_id, console, root, leftovers):
    bundle.set("process.terminal", False).probe("signal-wait").write()

    r = run("create", "--bundle", bundle, "--console-socket", console.path, container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "console socket" in r.stderr
    assert gone(run, container_id)
    assert os.listdir(root) == []
    assert leftovers() == []


def test_console_socket_missing(run, bundle, container_id, tmp_path, root, leftovers):
    bundle.set("process.terminal", True).probe("signal-wait").write()
    missing = tmp_path / "no-such.sock"

    r = run("create", "--bundle", bundle, "--console-socket", missing, container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert str(missing) in r.stderr
    assert gone(run, container_id)
    assert os.listdir(root) == []
    assert leftovers() == []


# --------------------------------------------------------------------------
# foreground run: ocirt relays between its own terminal and the container's


def run_under_pty(harness, bundle, cid, timeout=20):
    harness.ids.append(cid)
    master, slave = os.openpty()
    p = subprocess.Popen([harness.ocirt, "--root", str(harness.root), "run", "--bundle", str(bundle), cid],
                         stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    break
                data += chunk
            elif p.poll() is not None:
                break
        rc = p.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    return rc, text(data)


def test_run_foreground_terminal(harness, run, bundle, container_id, leftovers):
    bundle.set("process.terminal", True).args("sh", "-c", "echo hi; tty; exit 7").write()

    rc, out = run_under_pty(harness, bundle, container_id)

    assert rc == 7, out
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    assert "hi" in lines, out
    assert TTY_NAME.match(lines[lines.index("hi") + 1]), out
    assert gone(run, container_id)
    assert leftovers() == []


def test_run_foreground_terminal_exit_zero(harness, run, bundle, container_id):
    bundle.set("process.terminal", True).args("sh", "-c", "echo done").write()
    rc, out = run_under_pty(harness, bundle, container_id)
    assert rc == 0, out
    assert "done" in out
