# SPDX-License-Identifier: GPL-2.0-or-later
"""`ocirt run`: create + start + wait in the foreground, with the process's
exit status as ocirt's own (128+N when killed by signal N), the signals ocirt
receives forwarded, and the container deleted afterwards unless --keep;
`run -d` returns once the process runs."""

import json
import os
import signal
import subprocess
import time

import pytest
from helpers.lifecycle import gone, json_lines, pid_alive, state, wait_file, wait_for, wait_status
from helpers.lifecycle import writable_rootfs  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.needs_root


@pytest.mark.parametrize("code", [0, 3, 42, 255])
def test_run_exit_status(run, bundle, container_id, root, leftovers, code):
    bundle.probe("exit", str(code)).write()

    r = run("run", "--bundle", bundle, container_id)

    assert r.rc == code, r.stderr
    assert r.stderr == ""
    assert gone(run, container_id)
    assert os.listdir(root) == []
    assert leftovers() == []


EXEC_FAILURES = {
    # a file the kernel cannot run
    "garbage": (b"\x7fELF not really an executable\n", "exec format error"),
    # a script whose interpreter is missing: execve says ENOENT, which
    # Podman turns into exit status 127 by runc's (lowercase) words
    "no-interpreter": (b"#!/no/such/interpreter\n", "no such file or directory"),
}


@pytest.mark.parametrize("command", ["run", "start"])
@pytest.mark.parametrize("kind", sorted(EXEC_FAILURES))
def test_exec_failure_reported(run, bundle, container_id, root, leftovers, command, kind):
    """An execve that fails after every check passed is one line naming the
    program and the cause, through exec.fifo for `start` and through the
    sync socket for `run`."""
    content, words = EXEC_FAILURES[kind]
    (bundle.rootfs / "prog").write_bytes(content)
    os.chmod(bundle.rootfs / "prog", 0o755)
    bundle.args("/prog").write()

    if command == "run":
        r = run("run", "--bundle", bundle, container_id)
    else:
        assert run("create", "--bundle", bundle, container_id).rc == 0
        r = run("start", container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "/prog" in r.stderr and words in r.stderr, r.stderr
    assert gone(run, container_id)
    assert os.listdir(root) == []
    assert leftovers() == []


def test_run_exit_status_of_shell(run, bundle, container_id):
    bundle.args("sh", "-c", "exit 42").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 42, r.stderr


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGSEGV])
def test_run_killed_by_signal(run, bundle, container_id, leftovers, sig):
    # Without a pid namespace: pid 1 of one cannot be killed from inside.
    bundle.remove_namespace("pid")
    bundle.args("sh", "-c", f"kill -{int(sig)} $$; sleep 5; exit 1").write()

    r = run("run", "--bundle", bundle, container_id)

    assert r.rc == 128 + int(sig), r.stderr
    assert gone(run, container_id)
    assert leftovers() == []


def test_run_sigkill_in_pid_namespace(run, harness, bundle, container_id):
    """pid 1 of a pid namespace killed from the host: 137."""
    bundle.args("sh", "-c", "exec /probe signal-wait > /out").write()
    p, out = popen_run(harness, bundle, container_id)
    try:
        wait_file(bundle.rootfs / "out", "ready")
        assert run("kill", container_id, "KILL").rc == 0
        assert p.wait(timeout=10) == 137
    finally:
        stop(p)


def test_run_removes_only_its_own_container(run, harness, bundle, make_bundle, container_id):
    """When the container is deleted behind `run`'s back and another is made
    under the same id before `run` cleans up, `run` leaves the new one."""
    bundle.args("sh", "-c", "exec /probe signal-wait > /out").write()
    p, _ = popen_run(harness, bundle, container_id)
    try:
        wait_file(bundle.rootfs / "out", "ready")
        os.kill(p.pid, signal.SIGSTOP)
        assert run("delete", "--force", container_id).rc == 0
        other = make_bundle()
        other.probe("exit", "0").write()
        assert run("create", "--bundle", other, container_id).rc == 0
        os.kill(p.pid, signal.SIGCONT)
        assert p.wait(timeout=10) == 137
        assert state(run, container_id)["status"] == "created"
        assert state(run, container_id)["bundle"] == str(other)
    finally:
        stop(p)
        run("delete", "--force", container_id)


def test_run_removes_container(run, bundle, container_id, root):
    bundle.probe("exit", "0").write()
    assert run("run", "--bundle", bundle, container_id).rc == 0
    assert not (root / container_id).exists()
    r = run("state", container_id)
    assert r.rc != 0 and "does not exist" in r.stderr


def test_run_keep(run, bundle, container_id, root, leftovers):
    bundle.probe("exit", "3").write()

    r = run("run", "--keep", "--bundle", bundle, container_id)

    assert r.rc == 3, r.stderr
    s = state(run, container_id)
    assert s["status"] == "stopped"
    assert s["pid"] == 0
    assert (root / container_id).is_dir()
    assert run("delete", container_id).rc == 0
    assert gone(run, container_id)
    assert leftovers() == []


def test_run_output_passthrough(run, bundle, container_id):
    bundle.args("sh", "-c", "echo out; echo err >&2; echo out2").write()

    r = run("run", "--bundle", bundle, container_id)

    assert r.rc == 0, r.stderr
    assert r.stdout == "out\nout2\n"
    assert r.stderr == "err\n"


def test_run_stdin_passthrough(run, bundle, container_id):
    bundle.args("sh", "-c", "read line; echo got:$line").write()
    r = run("run", "--bundle", bundle, container_id, input="hello\n")
    assert r.rc == 0, r.stderr
    assert r.stdout == "got:hello\n"


def test_run_default_bundle_is_cwd(run, bundle, container_id):
    bundle.args("sh", "-c", "echo here").write()
    r = run("run", container_id, cwd=bundle.path)
    assert r.rc == 0, r.stderr
    assert r.stdout == "here\n"


def test_run_process_env(run, bundle, container_id):
    """The process runs with the config's args and env, in the rootfs."""
    bundle.setenv("RUN_TEST", "v1").probe("env").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    env = json.loads(r.stdout)["env"]
    assert "RUN_TEST=v1" in env
    assert set(bundle.config["process"]["env"]) <= set(env)
    # runc adds HOME from /etc/passwd when the config has none; nothing else.
    assert set(env) - set(bundle.config["process"]["env"]) <= {"HOME=/root"}


def test_run_failing_create(run, bundle, container_id, root, leftovers):
    bundle.args("/no/such/binary").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0 and r.rc < 128, r.rc
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "/no/such/binary" in r.stderr and "no such file or directory" in r.stderr.lower()
    assert os.listdir(root) == []
    assert leftovers() == []


def test_run_duplicate_id(run, bundle, make_bundle, container_id):
    bundle.probe("signal-wait").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    pid = state(run, container_id)["pid"]
    other = make_bundle()
    other.args("sh", "-c", "touch /ran").write()

    r = run("run", "--bundle", other, container_id)

    assert r.rc != 0
    assert f"container with id exists: {container_id}" in r.stderr
    assert not (other.rootfs / "ran").exists()
    s = state(run, container_id)
    assert s["status"] == "created" and s["pid"] == pid


# --------------------------------------------------------------------------
# run -d


def test_run_detach(run, bundle, container_id, leftovers):
    bundle.args("sh", "-c", "exec /probe signal-wait > /out").write()
    t0 = time.monotonic()

    r = run("run", "-d", "--bundle", bundle, container_id, timeout=20)

    assert r.rc == 0, r.stderr
    assert time.monotonic() - t0 < 10
    wait_file(bundle.rootfs / "out", "ready")
    s = state(run, container_id)
    assert s["status"] == "running"
    assert pid_alive(s["pid"])
    assert run("delete", "--force", container_id).rc == 0
    assert not pid_alive(s["pid"])
    assert gone(run, container_id)
    assert leftovers() == []


def test_run_detach_long_option_and_exit(run, bundle, container_id):
    bundle.probe("exit", "5").write()
    r = run("run", "--detach", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    s = wait_status(run, container_id, "stopped")
    assert s["pid"] == 0


# --------------------------------------------------------------------------
# signals sent to the foreground ocirt reach the container


def popen_run(harness, bundle, cid, extra=()):
    harness.ids.append(cid)
    out = open(harness.tmp_path / f"run-{cid}.out", "wb")
    p = subprocess.Popen([harness.ocirt, "--root", str(harness.root), "run", *extra, "--bundle", str(bundle), cid],
                         stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE)
    out.close()
    return p, harness.tmp_path / f"run-{cid}.out"


def stop(p):
    if p.poll() is None:
        p.kill()
        p.wait()
    if p.stderr:
        p.stderr.close()


def wait_running(run, cid, p):
    def check():
        assert p.poll() is None, f"ocirt run exited early: {p.returncode} {p.stderr.read().decode()}"
        r = run("state", cid)
        return r.rc == 0 and json.loads(r.stdout)["status"] == "running"

    wait_for(check, 10, f"{cid} to run")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGUSR1, signal.SIGHUP, signal.SIGINT])
def test_run_forwards_signal(run, harness, bundle, container_id, sig):
    bundle.probe("signal-wait").write()
    p, out = popen_run(harness, bundle, container_id)
    try:
        wait_running(run, container_id, p)
        wait_file(out, "ready")

        os.kill(p.pid, sig)

        assert p.wait(timeout=10) == 0, p.stderr.read().decode()
        got = [o for o in json_lines(out.read_text()) if isinstance(o, dict)]
        assert got and got[0]["signal"] == int(sig)
    finally:
        stop(p)
    assert gone(run, container_id)


def test_run_forwarded_sigterm_kills_unhandling_process(run, harness, bundle, container_id, leftovers):
    """Without a pid namespace the process takes SIGTERM's default action: 143."""
    bundle.remove_namespace("pid").probe("sleep", "30").write()
    p, _ = popen_run(harness, bundle, container_id)
    try:
        wait_running(run, container_id, p)
        t0 = time.monotonic()

        os.kill(p.pid, signal.SIGTERM)

        assert p.wait(timeout=10) == 128 + signal.SIGTERM, p.stderr.read().decode()
        assert time.monotonic() - t0 < 5
    finally:
        stop(p)
    assert gone(run, container_id)
    assert leftovers() == []
