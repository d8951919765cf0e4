# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad input to create: refused with one clear stderr line naming the
problem, a non-zero exit, and nothing left behind (no state dir, process,
mount or cgroup), as DESIGN.md principle 2 and runtime.md demand."""

import json
import os

import pytest
from helpers.lifecycle import gone, pid_alive, state
from helpers.lifecycle import writable_rootfs  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.needs_root


def assert_refused(r, *words):
    """Non-zero exit, exactly one stderr line, containing every word (case-insensitive)."""
    assert r.rc != 0, f"expected a failure, got rc 0 (stdout {r.stdout!r})"
    lines = r.stderr_lines()
    assert len(lines) == 1, f"expected one stderr line, got:\n{r.stderr}"
    for w in words:
        assert w.lower() in lines[0].lower(), f"{w!r} not in {lines[0]!r}"
    return lines[0]


def assert_nothing_left(run, cid, root, leftovers):
    assert gone(run, cid)
    assert os.listdir(root) == []
    assert leftovers() == []


# --------------------------------------------------------------------------
# container ids


@pytest.mark.parametrize(
    "bad_id",
    ["../x", "a/b", ".", "..", "", ".hidden", "a b", "x" * 1025, "/abs", "a\nb", "tab\there"],
    ids=["dotdot-x", "slash", "dot", "dotdot", "empty", "leading-dot", "space", "1025-bytes", "absolute",
         "newline", "tab"],
)
def test_invalid_id_refused(run, harness, bundle, root, leftovers, bad_id):
    bundle.probe("signal-wait").write()

    r = run("create", "--bundle", bundle, bad_id)

    # Such ids can never name a state dir or cgroup; keep them out of the
    # harness's cgroup search ("" or "." would match every cgroup).
    harness.ids.remove(bad_id)
    line = assert_refused(r)
    assert "id" in line.lower()
    assert os.listdir(root) == []
    assert leftovers() == []
    assert not (root.parent / "x").exists()


def test_long_valid_id_works_or_fails_cleanly(run, harness, bundle, root, leftovers):
    """1024 bytes: a valid id, but longer than a file name can be. Either it
    works, or it fails with one line and leaves nothing."""
    cid = "l" * 1024
    bundle.probe("signal-wait").write()

    r = run("create", "--bundle", bundle, cid)

    if r.rc == 0:
        assert state(run, cid)["id"] == cid
        assert run("delete", "--force", cid).rc == 0
    else:
        assert len(r.stderr_lines()) == 1, r.stderr
        assert "too long" in r.stderr.lower() or "id" in r.stderr.lower()
    assert os.listdir(root) == []
    assert leftovers() == []


@pytest.mark.parametrize("shape", ["plain", "punctuation", "digits", "long"])
def test_valid_ids_accepted(run, harness, bundle, shape):
    # Unique ids: the harness looks for cgroups whose name contains the id.
    unique = harness.new_id("")
    good_id = {"plain": unique, "punctuation": f"A-b_c.d+{unique}",
               "digits": str(int(unique, 16)), "long": unique + "x" * 240}[shape]
    bundle.probe("signal-wait").write()

    r = run("create", "--bundle", bundle, good_id)

    assert r.rc == 0, r.stderr
    assert state(run, good_id)["id"] == good_id


def test_duplicate_id(run, bundle, make_bundle, container_id):
    bundle.probe("signal-wait").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    first = state(run, container_id)
    other = make_bundle()
    other.probe("signal-wait").write()

    r = run("create", "--bundle", other, container_id)

    assert_refused(r, f"container with id exists: {container_id}")
    after = state(run, container_id)
    assert after["status"] == "created"
    assert after["pid"] == first["pid"] and pid_alive(first["pid"])
    assert os.path.realpath(after["bundle"]) == os.path.realpath(bundle.path)
    from conftest import processes_in

    assert processes_in([other.path]) == []


# --------------------------------------------------------------------------
# bundle and config.json


def test_missing_bundle_dir(run, container_id, root, leftovers, tmp_path):
    missing = tmp_path / "no-such-bundle"
    r = run("create", "--bundle", missing, container_id)
    assert_refused(r, str(missing))
    assert_nothing_left(run, container_id, root, leftovers)


def test_bundle_without_config(run, bundle, container_id, root, leftovers):
    (bundle.path / "config.json").unlink()
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, "config.json", "no such file")
    assert_nothing_left(run, container_id, root, leftovers)


def test_malformed_json(run, bundle, container_id, root, leftovers):
    (bundle.path / "config.json").write_text('{"ociVersion": "1.0.2", "process": {')
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, "config.json")
    assert_nothing_left(run, container_id, root, leftovers)


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("process.args", "sh", ["process.args"]),
        ("process.user.uid", "1000", ["process.user.uid"]),
        ("process.cwd", "relative/dir", ["process.cwd"]),
        ("process.env", {"A": "b"}, ["process.env"]),
        ("process.terminal", "yes", ["process.terminal"]),
        ("root.path", 5, ["root.path"]),
        ("hostname", ["x"], ["hostname"]),
    ],
)
def test_wrong_field(run, bundle, container_id, root, leftovers, field, value, words):
    bundle.set(field, value).write()
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, *words)
    assert_nothing_left(run, container_id, root, leftovers)


def test_missing_rootfs(run, bundle, container_id, root, leftovers):
    bundle.set("root.path", "no-such-rootfs").write()
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, "root.path", "no-such-rootfs")
    assert_nothing_left(run, container_id, root, leftovers)


def test_missing_executable_bare_name(run, bundle, container_id, root, leftovers):
    bundle.args("no-such-program", "arg").write()
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, "no-such-program", "executable file not found in $PATH")
    assert_nothing_left(run, container_id, root, leftovers)


def test_missing_executable_absolute(run, bundle, container_id, root, leftovers):
    bundle.args("/no/such/program").write()
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, "/no/such/program", "no such file or directory")
    assert_nothing_left(run, container_id, root, leftovers)


def test_executable_not_executable(run, bundle, container_id, root, leftovers):
    (bundle.rootfs / "notexec").write_text("#!/bin/sh\n")
    os.chmod(bundle.rootfs / "notexec", 0o644)
    bundle.args("/notexec").write()
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, "/notexec", "permission denied")
    assert_nothing_left(run, container_id, root, leftovers)


def test_bind_mount_missing_source(run, bundle, container_id, root, leftovers, tmp_path):
    missing = tmp_path / "no-such-source"
    bundle.add_mount("/mnt/data", type="bind", source=missing, options=["rbind", "ro"]).write()
    r = run("create", "--bundle", bundle, container_id)
    line = assert_refused(r, "no such file")
    assert "/mnt/data" in line or str(missing) in line, line
    assert_nothing_left(run, container_id, root, leftovers)


@pytest.mark.parametrize("command", ["create", "run"])
def test_setup_failing_after_the_commit_leaves_nothing(run, bundle, container_id, root, leftovers, tmp_path,
                                                       command):
    """An init that asks its creator nothing is committed as soon as it is
    cloned, while it sets up: its failure then (a bind source that is not
    there) still undoes everything, and no pid file is written."""
    pid_file = tmp_path / "init.pid"
    bundle.add_mount("/mnt/data", type="bind", source=tmp_path / "no-such-source", options=["rbind"]).write()
    r = run(command, "--bundle", bundle, "--pid-file", pid_file, container_id)
    assert_refused(r, "no such file")
    assert not pid_file.exists()
    assert_nothing_left(run, container_id, root, leftovers)


def test_an_init_failing_at_once_reports_its_own_error(run, bundle, container_id, root, leftovers):
    """An init that fails right after it is let go (joining a namespace of
    the wrong type) may be gone before its creator commits it early: its own
    words must still be what the user reads, every time (the creator read
    its start time, found it gone, and said so instead, in about one run of
    six under the sanitizers)."""
    own = f"/proc/{os.getpid()}/ns/mnt"
    bundle.remove_namespace("uts").add_namespace("uts", own).set("hostname", "box").write()
    for i in range(20):
        r = run("run", "--bundle", bundle, f"{container_id}-{i}")
        assert_refused(r, own, "another type")
    assert_nothing_left(run, container_id, root, leftovers)


def test_unknown_namespace_type(run, bundle, container_id, root, leftovers):
    bundle.add_namespace("bogus").write()
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, "bogus")
    assert_nothing_left(run, container_id, root, leftovers)


def test_hostname_without_uts_namespace(run, bundle, container_id, root, leftovers):
    bundle.remove_namespace("uts").set("hostname", "box").write()
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, "hostname", "uts")
    assert_nothing_left(run, container_id, root, leftovers)
    assert os.uname().nodename != "box"


def test_cwd_missing_in_rootfs(run, bundle, container_id, root, leftovers):
    bundle.set("process.cwd", "/no/such/dir").write()
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, "process.cwd", "/no/such/dir")
    assert_nothing_left(run, container_id, root, leftovers)


def test_namespace_path_missing(run, bundle, container_id, root, leftovers, tmp_path):
    bundle.add_namespace("network", tmp_path / "no-such-ns").write()
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, "no-such-ns")
    assert_nothing_left(run, container_id, root, leftovers)


def test_hook_path_relative(run, bundle, container_id, root, leftovers):
    bundle.set("hooks", {"prestart": [{"path": "bin/true"}]}).write()
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r, "hooks.prestart", "absolute")
    assert_nothing_left(run, container_id, root, leftovers)


def test_config_is_not_an_object(run, bundle, container_id, root, leftovers):
    (bundle.path / "config.json").write_text(json.dumps(["not", "an", "object"]))
    r = run("create", "--bundle", bundle, container_id)
    assert_refused(r)
    assert_nothing_left(run, container_id, root, leftovers)


def test_pid_file_in_missing_dir(run, bundle, container_id, root, leftovers, tmp_path):
    bundle.probe("signal-wait").write()
    pid_file = tmp_path / "no-such-dir" / "init.pid"
    r = run("create", "--bundle", bundle, "--pid-file", pid_file, container_id)
    assert_refused(r, "pid")
    assert_nothing_left(run, container_id, root, leftovers)
