# SPDX-License-Identifier: GPL-2.0-or-later
"""The container lifecycle commands against real containers: create, start,
state, kill, delete and list, as runtime.md and runc's command line define
them, plus the fds and log records that containerd and Podman depend on."""

import json
import os
import subprocess
import time
from datetime import datetime, timezone

import pytest
from helpers.lifecycle import RFC3339, gone, parse_rfc3339, json_lines, pid_alive, state, wait_file, wait_for, wait_status
from helpers.lifecycle import writable_rootfs  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.needs_root

WAITER = "sh -c 'exec /probe signal-wait > /out'"


def signal_waiter(bundle, path="/out"):
    """The process waits for one signal and writes it, as JSON, to `path` in the rootfs."""
    return bundle.args("sh", "-c", f"exec /probe signal-wait > {path}")


def create_running(run, bundle, cid):
    """create + start, and wait until the signal waiter is ready."""
    signal_waiter(bundle).write()
    r = run("create", "--bundle", bundle, cid)
    assert r.rc == 0, r.stderr
    r = run("start", cid)
    assert r.rc == 0, r.stderr
    wait_file(bundle.rootfs / "out", "ready")
    return state(run, cid)


def received_signal(bundle, path="out", timeout=10.0):
    text = wait_file(bundle.rootfs / path, '"signal"', timeout)
    return [o for o in json_lines(text) if isinstance(o, dict)][0]


# --------------------------------------------------------------------------
# create and state


def test_create_state_and_program_not_run(run, bundle, container_id):
    annotations = {"org.example.key": "value", "io.example/other": "x y"}
    bundle.set("annotations", annotations)
    bundle.args("sh", "-c", "touch /marker; exec /probe signal-wait > /out").write()
    before = datetime.now(timezone.utc)

    r = run("create", "--bundle", bundle, container_id)

    assert r.rc == 0, r.stderr
    assert r.stdout == ""
    s = state(run, container_id)
    assert s["status"] == "created"
    assert s["id"] == container_id
    assert isinstance(s["pid"], int) and s["pid"] > 0
    assert os.path.isdir(f"/proc/{s['pid']}") and pid_alive(s["pid"])
    assert s["ociVersion"].split(".")[0] == "1"
    assert os.path.isabs(s["bundle"])
    assert os.path.realpath(s["bundle"]) == os.path.realpath(bundle.path)
    assert os.path.realpath(s["rootfs"]) == os.path.realpath(bundle.rootfs)
    assert RFC3339.match(s["created"]), s["created"]
    created = parse_rfc3339(s["created"])
    assert abs((created - before).total_seconds()) < 60
    assert s["owner"] == ""  # runc leaves it empty in `state` (and names the user in `list`)
    assert s["annotations"] == annotations
    # The init already lives in the container's root, but the program has not run.
    st_root, st_rootfs = os.stat(f"/proc/{s['pid']}/root"), os.stat(bundle.rootfs)
    assert (st_root.st_dev, st_root.st_ino) == (st_rootfs.st_dev, st_rootfs.st_ino)
    time.sleep(0.2)
    assert not (bundle.rootfs / "marker").exists()
    assert not (bundle.rootfs / "out").exists()

    r = run("start", container_id)

    assert r.rc == 0, r.stderr
    wait_file(bundle.rootfs / "out", "ready")
    assert (bundle.rootfs / "marker").exists()
    s2 = state(run, container_id)
    assert s2["status"] == "running"
    assert s2["pid"] == s["pid"], "the init must exec the program in place"


def test_state_has_no_stale_annotations_when_config_has_none(run, bundle, container_id):
    bundle.delete("annotations")
    bundle.probe("signal-wait").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    s = state(run, container_id)
    assert s.get("annotations", {}) == {}


def test_pid_file_relative_to_callers_cwd(run, bundle, container_id, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bundle.probe("signal-wait").write()

    r = run("create", "--bundle", bundle, "--pid-file", "init.pid", container_id, cwd=elsewhere)

    assert r.rc == 0, r.stderr
    assert not (bundle.path / "init.pid").exists(), "a relative --pid-file is relative to the caller's cwd"
    text = (elsewhere / "init.pid").read_text()
    assert text.strip() == str(state(run, container_id)["pid"])
    assert text.strip().isdigit()


def test_pid_file_absolute(run, bundle, container_id, tmp_path):
    bundle.probe("signal-wait").write()
    pid_file = tmp_path / "sub" / "c.pid"
    (tmp_path / "sub").mkdir()

    r = run("create", "--bundle", bundle, "--pid-file", pid_file, container_id)

    assert r.rc == 0, r.stderr
    assert int(pid_file.read_text()) == state(run, container_id)["pid"]


def test_create_like_containerd_cwd_bundle_relative_rootfs(run, bundle, container_id):
    """containerd: cwd = the bundle, --bundle absolute, root.path "rootfs",
    --pid-file in the bundle."""
    bundle.set("root.path", "rootfs").probe("signal-wait").write()

    r = run("create", "--bundle", bundle, "--pid-file", bundle.path / "init.pid", container_id,
            cwd=bundle.path)

    assert r.rc == 0, r.stderr
    s = state(run, container_id)
    assert s["status"] == "created"
    assert int((bundle.path / "init.pid").read_text()) == s["pid"]
    assert os.path.realpath(s["rootfs"]) == os.path.realpath(bundle.rootfs)


def test_create_relative_bundle_is_stored_absolute(run, bundle, container_id):
    bundle.set("root.path", "rootfs").probe("signal-wait").write()

    r = run("create", "--bundle", bundle.path.name, container_id, cwd=bundle.path.parent)

    assert r.rc == 0, r.stderr
    s = state(run, container_id)
    assert os.path.isabs(s["bundle"])
    assert os.path.realpath(s["bundle"]) == os.path.realpath(bundle.path)


def test_create_default_bundle_is_cwd(run, bundle, container_id):
    bundle.probe("signal-wait").write()

    r = run("create", container_id, cwd=bundle.path)

    assert r.rc == 0, r.stderr
    assert os.path.realpath(state(run, container_id)["bundle"]) == os.path.realpath(bundle.path)


def test_state_unknown(run):
    r = run("state", "nosuchcontainer")
    assert r.rc != 0
    assert "does not exist" in r.stderr
    assert "nosuchcontainer" in r.stderr
    assert r.stdout == ""


# --------------------------------------------------------------------------
# start


def test_start_running_then_stopped(run, bundle, container_id):
    bundle.args("sh", "-c", "touch /started; while [ ! -e /go ]; do usleep 10000; done; exit 0").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    pid = state(run, container_id)["pid"]

    r = run("start", container_id)

    assert r.rc == 0, r.stderr
    wait_file(bundle.rootfs / "started")
    s = state(run, container_id)
    assert s["status"] == "running"
    assert s["pid"] == pid
    (bundle.rootfs / "go").write_text("")
    s = wait_status(run, container_id, "stopped")
    assert s["pid"] == 0
    assert not pid_alive(pid)


def test_start_twice_fails_and_keeps_running(run, bundle, container_id):
    s = create_running(run, bundle, container_id)

    r = run("start", container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "running" in r.stderr
    s2 = state(run, container_id)
    assert s2["status"] == "running" and s2["pid"] == s["pid"]
    assert pid_alive(s["pid"])


def test_start_stopped_fails(run, bundle, container_id):
    bundle.probe("exit", "0").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert run("start", container_id).rc == 0
    wait_status(run, container_id, "stopped")

    r = run("start", container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "stopped" in r.stderr
    assert state(run, container_id)["status"] == "stopped"


def test_start_unknown(run):
    r = run("start", "nosuchcontainer")
    assert r.rc != 0
    assert "container `nosuchcontainer` does not exist" in r.stderr
    assert len(r.stderr_lines()) == 1, r.stderr


def test_create_without_process_then_start_fails(run, bundle, container_id):
    del bundle.config["process"]
    bundle.write()

    r = run("create", "--bundle", bundle, container_id)

    assert r.rc == 0, r.stderr
    s = state(run, container_id)
    assert s["status"] == "created"
    assert pid_alive(s["pid"])

    r = run("start", container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "process" in r.stderr
    assert run("delete", "--force", container_id).rc == 0
    assert gone(run, container_id)


@pytest.mark.parametrize("detach", [False, True], ids=["foreground", "detached"])
def test_run_without_process_refused_before_anything_exists(run, bundle, container_id, leftovers, detach):
    """`run` always starts what it creates, and start needs a process
    (config.md): refused up front, with start's words, leaving nothing."""
    del bundle.config["process"]
    bundle.write()

    r = run("run", *(["--detach"] if detach else []), "--bundle", bundle, container_id)

    assert r.rc != 0
    assert r.stderr_lines() == ["ocirt: cannot start a container that has no process"], r.stderr
    assert "does not exist" in run("state", container_id).stderr
    assert leftovers() == []


# --------------------------------------------------------------------------
# kill


@pytest.mark.parametrize(
    "spec, number",
    [(None, 15), ("TERM", 15), ("SIGTERM", 15), ("15", 15), ("SIGUSR1", 10), ("USR1", 10), ("10", 10),
     ("SIGHUP", 1), ("sigint", 2), ("SIGRTMIN+1", 35)],
)
def test_kill_delivers_signal(run, bundle, container_id, spec, number):
    create_running(run, bundle, container_id)

    r = run("kill", container_id, *([spec] if spec else []))

    assert r.rc == 0, r.stderr
    got = received_signal(bundle)
    assert got["signal"] == number
    assert got["sender_pid"] == 0, "a signal from the parent pid namespace has sender pid 0 inside"
    wait_status(run, container_id, "stopped")


@pytest.mark.parametrize("spec", ["KILL", "SIGKILL", "9"])
def test_kill_sigkill(run, bundle, container_id, spec):
    s = create_running(run, bundle, container_id)

    r = run("kill", container_id, spec)

    assert r.rc == 0, r.stderr
    s2 = wait_status(run, container_id, "stopped")
    assert s2["pid"] == 0
    wait_for(lambda: not pid_alive(s["pid"]), 5, "the init to die")
    assert '"signal"' not in (bundle.rootfs / "out").read_text()


@pytest.mark.parametrize("spec", ["SIGFOO", "FOO", "65", "99999", "", "9x"])
def test_kill_unknown_signal(run, bundle, container_id, spec):
    s = create_running(run, bundle, container_id)

    r = run("kill", container_id, spec)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert f"{spec}" in r.stderr
    assert "signal" in r.stderr.lower()
    time.sleep(0.1)
    s2 = state(run, container_id)
    assert s2["status"] == "running" and s2["pid"] == s["pid"]
    assert (bundle.rootfs / "out").read_text().strip() == "ready"


def test_kill_created_container(run, bundle, container_id):
    """A created container can be killed (containerd kills before start)."""
    bundle.probe("signal-wait").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    pid = state(run, container_id)["pid"]

    r = run("kill", container_id, "KILL")

    assert r.rc == 0, r.stderr
    wait_for(lambda: not pid_alive(pid), 5, "the init to die")
    assert wait_status(run, container_id, "stopped")["pid"] == 0


def test_kill_stopped_container(run, bundle, container_id):
    bundle.probe("exit", "0").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert run("start", container_id).rc == 0
    wait_status(run, container_id, "stopped")

    r = run("kill", container_id, "KILL")

    assert r.rc != 0
    assert "container not running" in r.stderr
    assert len(r.stderr_lines()) == 1, r.stderr


def test_kill_unknown_container(run):
    r = run("kill", "nosuchcontainer", "KILL")
    assert r.rc != 0
    assert "does not exist" in r.stderr


def test_kill_all_reaches_every_process(run, bundle, container_id):
    """pid 1 (sh, no handler) ignores USR1; only --all reaches its child."""
    bundle.args("sh", "-c", "/probe signal-wait > /child.out & wait").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert run("start", container_id).rc == 0
    wait_file(bundle.rootfs / "child.out", "ready")

    # Without --all only the init gets it, and drops it.
    assert run("kill", container_id, "USR1").rc == 0
    time.sleep(0.3)
    assert (bundle.rootfs / "child.out").read_text().strip() == "ready"
    assert state(run, container_id)["status"] == "running"

    r = run("kill", "--all", container_id, "USR1")

    assert r.rc == 0, r.stderr
    assert received_signal(bundle, "child.out")["signal"] == 10
    wait_status(run, container_id, "stopped")


def test_kill_all_sigkill_leaves_no_process(run, bundle, container_id):
    bundle.args("sh", "-c", "sleep 100 & sleep 100 & exec /probe signal-wait > /out").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert run("start", container_id).rc == 0
    wait_file(bundle.rootfs / "out", "ready")
    from conftest import processes_in

    wait_for(lambda: len(processes_in([bundle.path])) >= 3, 5, "three processes in the container")

    r = run("kill", "--all", container_id, "KILL")

    assert r.rc == 0, r.stderr
    wait_for(lambda: not processes_in([bundle.path]), 5, "every process of the container to die")
    wait_status(run, container_id, "stopped")


# --------------------------------------------------------------------------
# delete


def test_delete_stopped(run, bundle, container_id, root, leftovers):
    bundle.probe("exit", "0").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert (root / container_id).is_dir()
    assert run("start", container_id).rc == 0
    wait_status(run, container_id, "stopped")

    r = run("delete", container_id)

    assert r.rc == 0, r.stderr
    assert r.stdout == ""
    assert not (root / container_id).exists()
    assert gone(run, container_id)
    assert leftovers() == []


def test_delete_running_without_force_fails(run, bundle, container_id, root):
    s = create_running(run, bundle, container_id)

    r = run("delete", container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "running" in r.stderr
    assert (root / container_id).is_dir()
    s2 = state(run, container_id)
    assert s2["status"] == "running" and s2["pid"] == s["pid"]
    assert pid_alive(s["pid"])
    assert (bundle.rootfs / "out").read_text().strip() == "ready"


def test_delete_force_running(run, bundle, container_id, root, leftovers):
    s = create_running(run, bundle, container_id)

    r = run("delete", "--force", container_id)

    assert r.rc == 0, r.stderr
    assert not pid_alive(s["pid"])
    assert not (root / container_id).exists()
    assert gone(run, container_id)
    assert leftovers() == []


def test_delete_created(run, bundle, container_id, root, leftovers):
    bundle.args("sh", "-c", "touch /marker").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    pid = state(run, container_id)["pid"]

    r = run("delete", container_id)

    assert r.rc == 0, r.stderr
    wait_for(lambda: not pid_alive(pid), 5, "the init of the deleted container to die")
    assert not (root / container_id).exists()
    assert gone(run, container_id)
    assert leftovers() == []
    assert not (bundle.rootfs / "marker").exists(), "a deleted created container must never run its program"


def test_delete_unknown(run):
    r = run("delete", "nosuchcontainer")
    assert r.rc != 0
    assert "does not exist" in r.stderr
    # runc (delete.bats "delete --force ignore not exist"): forcing the
    # removal of what is not there succeeds, silently.
    r = run("delete", "--force", "nosuchcontainer")
    assert (r.rc, r.stderr) == (0, "")


def test_delete_force_stopped_and_twice(run, bundle, container_id):
    """Podman runs `delete --force` after every exit."""
    bundle.probe("exit", "0").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert run("start", container_id).rc == 0
    wait_status(run, container_id, "stopped")

    assert run("delete", "--force", container_id).rc == 0
    assert run("delete", "--force", container_id) == (0, "", "")
    assert "does not exist" in run("state", container_id).stderr


# --------------------------------------------------------------------------
# list


def test_list(run, make_bundle, harness):
    b1, b2 = make_bundle(), make_bundle()
    c1, c2 = harness.new_id("a"), harness.new_id("b")
    b1.probe("signal-wait").write()
    assert run("create", "--bundle", b1, c1).rc == 0
    create_running(run, b2, c2)
    pid1, pid2 = state(run, c1)["pid"], state(run, c2)["pid"]

    r = run("list")

    assert r.rc == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    rows = {line.split()[0]: line.split() for line in lines[1:] if line.strip()}
    assert set(rows) == {c1, c2}
    assert rows[c1][1:3] == [str(pid1), "created"]
    assert rows[c2][1:3] == [str(pid2), "running"]
    assert os.path.realpath(rows[c1][3]) == os.path.realpath(b1.path)
    assert RFC3339.match(rows[c2][4])

    r = run("list", "--format", "json")

    assert r.rc == 0, r.stderr
    items = json.loads(r.stdout)
    assert isinstance(items, list) and len(items) == 2
    by_id = {i["id"]: i for i in items}
    assert set(by_id) == {c1, c2}
    for key in ("id", "pid", "status", "bundle", "created", "owner"):
        assert all(key in i for i in items), key
    assert (by_id[c1]["pid"], by_id[c1]["status"]) == (pid1, "created")
    assert (by_id[c2]["pid"], by_id[c2]["status"]) == (pid2, "running")
    assert os.path.realpath(by_id[c2]["bundle"]) == os.path.realpath(b2.path)
    assert by_id[c1]["owner"] == "root", "runc's list names the owner of the state"

    for args in (("-q",), ("--quiet",)):
        r = run("list", *args)
        assert r.rc == 0, r.stderr
        assert sorted(r.stdout.split()) == sorted([c1, c2])


def test_list_empty(run):
    r = run("list", "--format", "json")
    assert r.rc == 0, r.stderr
    assert json.loads(r.stdout) == []
    r = run("list")
    assert r.rc == 0, r.stderr
    assert r.stdout.split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]


def test_list_shows_stopped(run, bundle, container_id):
    bundle.probe("exit", "0").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert run("start", container_id).rc == 0
    wait_status(run, container_id, "stopped")
    items = json.loads(run("list", "--format", "json").stdout)
    assert [(i["id"], i["status"], i["pid"]) for i in items] == [(container_id, "stopped", 0)]


def test_list_unknown_format(run):
    r = run("list", "--format", "yaml")
    assert r.rc != 0
    assert "yaml" in r.stderr
    assert len(r.stderr_lines()) == 1, r.stderr
    assert r.stdout == ""


# --------------------------------------------------------------------------
# inherited fds (containerd's fd 3, Podman's fd 5) and --preserve-fds


def create_with_fd(harness, bundle, cid, fd, target, extra=(), stdout=None):
    """ocirt create with `target` open at fd `fd` (as containerd's shim and
    conmon leave one), through a shell that opens it without CLOEXEC."""
    harness.ids.append(cid)
    args = [harness.ocirt, "--root", str(harness.root), "create", "--bundle", str(bundle), *extra, cid]
    # stderr to a file, not a pipe: the container keeps its copy open.
    err_path = harness.tmp_path / f"create-fd{fd}.err"
    with open(err_path, "wb") as err:
        p = subprocess.run(["/bin/sh", "-c", f'exec "$@" {fd}<>"$T"', "sh", *args],
                           env=dict(os.environ, T=str(target)), stdin=subprocess.DEVNULL, stdout=stdout,
                           stderr=err, timeout=60)
    return p.returncode, err_path.read_text(errors="replace")


def fds_seen(run, harness, bundle, cid, fd, extra=()):
    target = harness.tmp_path / "inherited"
    target.write_text("")
    out_path = harness.tmp_path / "probe-fds.out"
    bundle.probe("fds").write()
    with open(out_path, "wb") as out:
        rc, err = create_with_fd(harness, bundle, cid, fd, target, extra, stdout=out)
    assert rc == 0, err
    assert run("start", cid).rc == 0
    wait_status(run, cid, "stopped")
    fds = json.loads(out_path.read_text())["fds"]
    return {f["fd"]: f["target"] for f in fds}, str(target)


@pytest.mark.parametrize("fd", [3, 5])
def test_inherited_fd_does_not_reach_container(run, harness, bundle, container_id, fd):
    fds, target = fds_seen(run, harness, bundle, container_id, fd)
    assert sorted(fds) == [0, 1, 2]
    assert target not in fds.values()
    assert fds[1].endswith("probe-fds.out")


def test_preserve_fds_keeps_fd_3(run, harness, bundle, container_id):
    fds, target = fds_seen(run, harness, bundle, container_id, 3, ("--preserve-fds", "1"))
    assert sorted(fds) == [0, 1, 2, 3]
    assert fds[3] == target


def test_preserve_fds_does_not_keep_fd_5(run, harness, bundle, container_id):
    fds, target = fds_seen(run, harness, bundle, container_id, 5, ("--preserve-fds", "1"))
    assert 5 not in fds
    assert target not in fds.values()


def test_pass_fds_not_leaked(run, bundle, container_id, tmp_path):
    """Any fd the caller leaves open (here a high number) stays outside."""
    target = tmp_path / "high-fd"
    fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        bundle.args("sh", "-c", "exec /probe fds > /fds.json").write()
        r = run("create", "--bundle", bundle, container_id, pass_fds=(fd,))
    finally:
        os.close(fd)
    assert r.rc == 0, r.stderr
    assert run("start", container_id).rc == 0
    wait_status(run, container_id, "stopped")
    fds = {f["fd"]: f["target"] for f in json.loads((bundle.rootfs / "fds.json").read_text())["fds"]}
    assert sorted(fds) == [0, 1, 2]
    assert str(target) not in fds.values()


# --------------------------------------------------------------------------
# --log FILE --log-format json: one error record per failure


def error_records(path):
    records = json_lines(path.read_text())
    return records, [r for r in records if r.get("level") == "error"]


def test_log_json_state_unknown(run, tmp_path):
    log = tmp_path / "log.json"

    r = run("--log", log, "--log-format", "json", "state", "nosuchcontainer")

    assert r.rc != 0
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    rec = json.loads(lines[0])
    assert rec["level"] == "error"
    assert "does not exist" in rec["msg"]
    assert "nosuchcontainer" in rec["msg"]
    assert RFC3339.match(rec["time"]), rec["time"]


def test_log_json_failed_create(run, bundle, container_id, tmp_path, leftovers):
    log = tmp_path / "log.json"
    bundle.args("/does/not/exist").write()

    r = run("--log", log, "--log-format", "json", "create", "--bundle", bundle, container_id)

    assert r.rc != 0
    records, errors = error_records(log)
    assert len(errors) == 1, records
    assert "/does/not/exist" in errors[0]["msg"]
    assert "no such file or directory" in errors[0]["msg"].lower()
    assert gone(run, container_id)
    assert leftovers() == []


def test_log_json_appends(run, tmp_path):
    """containerd reads the last error record: each call appends."""
    log = tmp_path / "log.json"
    run("--log", log, "--log-format", "json", "state", "first")
    run("--log", log, "--log-format", "json", "kill", "second")
    records, errors = error_records(log)
    assert len(errors) == 2, records
    assert "first" in errors[0]["msg"] and "second" in errors[1]["msg"]
