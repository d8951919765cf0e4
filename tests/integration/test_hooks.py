# SPDX-License-Identifier: GPL-2.0-or-later
"""The six hook kinds of config.md: when each runs, in which namespaces, with
which argv, env and state on stdin, and what a failing, hanging or
stdin-ignoring hook does to the operation."""

import json
import os
import time
from pathlib import Path

import pytest
from helpers.lifecycle import gone, json_lines, state, wait_file, wait_for, wait_status
from helpers.lifecycle import writable_rootfs  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.needs_root

HOOK = Path(__file__).resolve().parent / "helpers" / "hook.py"
PYTHON = "/usr/bin/python3"
RUNTIME_NS_KINDS = ("prestart", "createRuntime", "createContainer", "poststart", "poststop")


def py_hook(log, kind, status=0, argv0=None, env=None, timeout=None):
    h = {"path": PYTHON, "args": [argv0 or f"hook-{kind}", str(HOOK), str(log), kind]
         + ([str(status)] if status else [])}
    if env is not None:
        h["env"] = env
    if timeout is not None:
        h["timeout"] = timeout
    return h


def sh_hook(script, timeout=None, path="/bin/sh"):
    h = {"path": path, "args": ["sh", "-c", script]}
    if timeout is not None:
        h["timeout"] = timeout
    return h


# startContainer runs after pivot_root: its path resolves in the container,
# and it writes into the rootfs (busybox sh, no python there).
START_HOOK = sh_hook("mkdir -p /hooklog; cat > /hooklog/start.stdin; uname -n > /hooklog/start.hostname; "
                     "readlink /proc/self/ns/uts > /hooklog/start.uts; readlink /proc/self/ns/mnt > "
                     "/hooklog/start.mnt; echo \"$0|$X_START\" > /hooklog/start.args")


def records(log):
    try:
        return json_lines(Path(log).read_text())
    except FileNotFoundError:
        return []


def kinds(log):
    return [r["kind"] for r in records(log)]


def by_kind(log, kind):
    found = [r for r in records(log) if r["kind"] == kind]
    assert len(found) == 1, f"{kind}: {len(found)} records in {kinds(log)}"
    return found[0]


def host_ns(kind):
    return os.readlink(f"/proc/self/ns/{kind}")


def test_all_hooks_in_order(run, bundle, container_id, tmp_path):
    log = tmp_path / "hooks.log"
    hostname = "hooked-" + container_id[:8]
    bundle.set("hostname", hostname)
    bundle.set("hooks", {
        "prestart": [py_hook(log, "prestart")],
        "createRuntime": [py_hook(log, "createRuntime")],
        "createContainer": [py_hook(log, "createContainer")],
        "startContainer": [dict(START_HOOK, args=START_HOOK["args"] + ["start-arg"], env=["X_START=yes"])],
        "poststart": [py_hook(log, "poststart")],
        "poststop": [py_hook(log, "poststop")],
    })
    # The program notes whether startContainer ran before it.
    bundle.args("sh", "-c", "ls /hooklog > /prog.saw; exec /probe signal-wait > /out").write()

    r = run("create", "--bundle", bundle, container_id)

    assert r.rc == 0, r.stderr
    assert kinds(log) == ["prestart", "createRuntime", "createContainer"]
    s = state(run, container_id)
    pid, bundle_abs = s["pid"], os.path.realpath(bundle.path)
    for kind in ("prestart", "createRuntime", "createContainer"):
        rec = by_kind(log, kind)
        st = rec["state"]
        assert st["id"] == container_id, kind
        assert st["status"] in ("creating", "created"), (kind, st["status"])
        assert os.path.realpath(st["bundle"]) == bundle_abs, kind
        assert st["ociVersion"].startswith("1."), kind
        assert isinstance(st["pid"], int) and st["pid"] > 0, kind
    # runtime.md: the pid as the hook's namespace sees it (1 inside the container's).
    assert by_kind(log, "createContainer")["state"]["pid"] == 1
    for kind in ("prestart", "createRuntime"):
        rec = by_kind(log, kind)
        assert rec["state"]["pid"] == pid, kind
        # Runtime namespace: the host's uts and mount namespace.
        assert rec["ns"]["uts"] == host_ns("uts"), kind
        assert rec["ns"]["mnt"] == host_ns("mnt"), kind
        assert rec["hostname"] == os.uname().nodename, kind
    cc = by_kind(log, "createContainer")
    # Container namespace: the init's uts and mount namespace.
    assert cc["ns"]["uts"] == os.readlink(f"/proc/{pid}/ns/uts") != host_ns("uts")
    assert cc["ns"]["mnt"] == os.readlink(f"/proc/{pid}/ns/mnt") != host_ns("mnt")
    assert cc["hostname"] == hostname
    assert not (bundle.rootfs / "hooklog").exists(), "startContainer ran during create"

    r = run("start", container_id)

    assert r.rc == 0, r.stderr
    # poststart runs before start returns
    assert kinds(log) == ["prestart", "createRuntime", "createContainer", "poststart"]
    ps = by_kind(log, "poststart")
    assert ps["state"]["status"] == "running"
    assert ps["state"]["pid"] == pid
    assert ps["ns"]["mnt"] == host_ns("mnt")
    wait_file(bundle.rootfs / "out", "ready")
    hl = bundle.rootfs / "hooklog"
    start_state = json.loads((hl / "start.stdin").read_text())
    assert start_state["id"] == container_id
    assert start_state["pid"] == 1
    assert start_state["status"] in ("created", "running", "creating")
    assert os.path.realpath(start_state["bundle"]) == bundle_abs
    assert (hl / "start.hostname").read_text().strip() == hostname
    assert (hl / "start.uts").read_text().strip() == os.readlink(f"/proc/{pid}/ns/uts")
    assert (hl / "start.mnt").read_text().strip() == os.readlink(f"/proc/{pid}/ns/mnt")
    assert (hl / "start.args").read_text().strip() == "start-arg|yes"
    assert "start.stdin" in (bundle.rootfs / "prog.saw").read_text(), "startContainer must run before the program"

    assert run("kill", container_id, "KILL").rc == 0
    wait_status(run, container_id, "stopped")
    assert "poststop" not in kinds(log)

    r = run("delete", container_id)

    assert r.rc == 0, r.stderr
    assert kinds(log)[-1] == "poststop"
    post = by_kind(log, "poststop")
    assert post["state"]["id"] == container_id
    assert post["state"]["status"] == "stopped"
    assert os.path.realpath(post["state"]["bundle"]) == bundle_abs
    assert post["ns"]["mnt"] == host_ns("mnt")
    assert gone(run, container_id)


def test_hook_argv_and_env_exact(run, bundle, container_id, tmp_path):
    log = tmp_path / "hooks.log"
    env = ["key1=value1", "WITH_SPACE=a b", "EMPTY="]
    bundle.set("hooks", {
        "prestart": [py_hook(log, "prestart", argv0="custom-argv0", env=env)],
        "createRuntime": [py_hook(log, "createRuntime", argv0="/path/as/argv0", env=[])],
        "poststop": [py_hook(log, "poststop", argv0="zero", env=["ONLY=this"])],
    })
    bundle.probe("signal-wait").write()

    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert run("delete", "--force", container_id).rc == 0

    pre = by_kind(log, "prestart")
    assert pre["argv"] == ["custom-argv0", str(HOOK), str(log), "prestart"]
    assert pre["env"] == env
    cr = by_kind(log, "createRuntime")
    assert cr["argv"] == ["/path/as/argv0", str(HOOK), str(log), "createRuntime"]
    assert cr["env"] == []
    post = by_kind(log, "poststop")
    assert post["argv"][0] == "zero"
    assert post["env"] == ["ONLY=this"]


def test_several_hooks_of_one_kind_run_in_order(run, bundle, container_id, tmp_path):
    log = tmp_path / "hooks.log"
    bundle.set("hooks", {"createRuntime": [py_hook(log, f"cr{i}") for i in range(4)]})
    bundle.probe("signal-wait").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert kinds(log) == ["cr0", "cr1", "cr2", "cr3"]


@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer"])
def test_failing_create_hook(run, bundle, container_id, tmp_path, root, leftovers, kind):
    log = tmp_path / "hooks.log"
    bundle.set("hooks", {
        kind: [py_hook(log, kind, status=7)],
        "poststop": [py_hook(log, "poststop")],
    })
    bundle.args("sh", "-c", "touch /ran").write()

    r = run("create", "--bundle", bundle, container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert kind in r.stderr
    assert "7" in r.stderr
    assert gone(run, container_id)
    assert os.listdir(root) == []
    assert leftovers() == []
    assert not (bundle.rootfs / "ran").exists()
    # runtime.md: a failed create hook continues the lifecycle at step 12, so poststop runs.
    assert kinds(log) == [kind, "poststop"]


def test_failing_poststart_hook(run, bundle, container_id, tmp_path, leftovers):
    """runtime.md step 9: error, stop the container, destroy it, poststop."""
    log = tmp_path / "hooks.log"
    bundle.set("hooks", {"poststart": [py_hook(log, "poststart", status=4)],
                         "poststop": [py_hook(log, "poststop")]})
    bundle.args("sh", "-c", "exec /probe signal-wait > /out").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    pid = state(run, container_id)["pid"]

    r = run("start", container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "poststart" in r.stderr
    assert by_kind(log, "poststart")["state"]["status"] == "running"
    assert kinds(log) == ["poststart", "poststop"]
    wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 5, "the container's process to die")
    assert gone(run, container_id)
    assert leftovers() == []


def test_failing_start_container_hook(run, bundle, container_id, tmp_path, leftovers):
    log = tmp_path / "hooks.log"
    bundle.set("hooks", {"startContainer": [sh_hook("exit 5")], "poststop": [py_hook(log, "poststop")]})
    bundle.args("sh", "-c", "touch /ran").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    pid = state(run, container_id)["pid"]

    r = run("start", container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "startContainer" in r.stderr
    wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 5, "the init to die")
    assert not (bundle.rootfs / "ran").exists()
    assert kinds(log) == ["poststop"]
    assert gone(run, container_id)
    assert leftovers() == []


def test_failing_start_container_hook_in_run(run, bundle, container_id, tmp_path, root, leftovers):
    """`run` lets the init go on at the commit, with no exec.fifo: the
    hook's failure comes back over the sync socket instead."""
    log = tmp_path / "hooks.log"
    bundle.set("hooks", {"startContainer": [sh_hook("exit 5")], "poststop": [py_hook(log, "poststop")]})
    bundle.args("sh", "-c", "touch /ran").write()

    r = run("run", "--bundle", bundle, container_id)

    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "startContainer" in r.stderr
    assert not (bundle.rootfs / "ran").exists()
    assert kinds(log) == ["poststop"]
    assert gone(run, container_id)
    assert os.listdir(root) == []
    assert leftovers() == []


def test_hook_timeout(run, bundle, container_id, tmp_path, root, leftovers):
    marker = tmp_path / "hook-finished"
    bundle.set("hooks", {"prestart": [sh_hook(f"sleep 10; touch {marker}", timeout=1)]})
    bundle.probe("signal-wait").write()
    t0 = time.monotonic()

    r = run("create", "--bundle", bundle, container_id, timeout=30)

    elapsed = time.monotonic() - t0
    assert r.rc != 0
    assert elapsed < 5, f"create took {elapsed:.1f} s with a 1 s hook timeout"
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "prestart" in r.stderr and "timed out" in r.stderr
    assert gone(run, container_id)
    assert os.listdir(root) == []
    assert leftovers() == []


def test_failing_poststop_hook_only_warns(run, bundle, container_id, tmp_path, root):
    log = tmp_path / "hooks.log"
    bundle.set("hooks", {"poststop": [py_hook(log, "poststop", status=9), py_hook(log, "poststop2")]})
    bundle.probe("exit", "0").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert run("start", container_id).rc == 0
    wait_status(run, container_id, "stopped")

    r = run("delete", container_id)

    assert r.rc == 0, r.stderr
    assert "poststop" in r.stderr
    # config.md: a failing poststop hook is only a warning; the rest still run.
    assert kinds(log) == ["poststop", "poststop2"]
    assert gone(run, container_id)
    assert os.listdir(root) == []


def test_hook_not_reading_stdin_with_big_state(run, bundle, container_id, tmp_path):
    """A hook that exits without reading its stdin (larger than a pipe
    buffer) must not fail the operation nor kill the runtime with SIGPIPE."""
    bundle.set("annotations", {f"org.example.key{i}": "v" * 1000 for i in range(300)})
    nothing = {"path": "/bin/true", "args": ["true"]}
    bundle.set("hooks", {"prestart": [nothing], "createRuntime": [nothing], "poststart": [nothing],
                         "poststop": [nothing]})
    bundle.probe("exit", "0").write()

    r = run("create", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert len(state(run, container_id)["annotations"]) == 300
    r = run("start", container_id)
    assert r.rc == 0, r.stderr
    wait_status(run, container_id, "stopped")
    r = run("delete", container_id)
    assert r.rc == 0, r.stderr
    assert r.stderr == ""
    assert gone(run, container_id)


def test_hook_gets_whole_big_state(run, bundle, container_id, tmp_path):
    log = tmp_path / "hooks.log"
    annotations = {f"org.example.key{i}": "v" * 1000 for i in range(300)}
    bundle.set("annotations", annotations)
    bundle.set("hooks", {"createRuntime": [py_hook(log, "createRuntime")]})
    bundle.probe("signal-wait").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert by_kind(log, "createRuntime")["state"]["annotations"] == annotations


def test_poststop_runs_on_delete_force_of_running(run, bundle, container_id, tmp_path):
    log = tmp_path / "hooks.log"
    bundle.set("hooks", {"poststop": [py_hook(log, "poststop")]})
    bundle.args("sh", "-c", "exec /probe signal-wait > /out").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    assert run("start", container_id).rc == 0
    wait_file(bundle.rootfs / "out", "ready")

    assert run("delete", "--force", container_id).rc == 0

    assert kinds(log) == ["poststop"]
    assert by_kind(log, "poststop")["state"]["id"] == container_id
