# SPDX-License-Identifier: GPL-2.0-or-later
"""CVE-2019-5736: a container overwriting the host's runtime binary.

The container's program is a script whose interpreter is `/proc/self/exe`.
When the runtime execs it, the kernel follows /proc/self/exe to the exe of
the process calling execve -- the runtime's own binary -- which then runs
inside the container as an ordinary process. Another process of the
container opens /proc/PID/exe with O_PATH, waits for it to exit, and reopens
it through /proc/self/fd/N for writing. ocirt defends by running the runtime
from a read-only overlayfs view of its binary for create, run and exec: the
launcher `ocirt` starts it that way (src/launcher/launcher.c), and the
runtime started otherwise re-executes itself so, or from a sealed memfd copy
(src/core/self-protect.c).

The attack is run for real, always against a copy of the binary under test
(`runtime_copy`), with tests/helpers/attacker as the container's process:
once with the protection (the copy must be unchanged) and once with it
switched off through OCIRT_TEST_UNPROTECTED_EXE=1 (the same attack must then
overwrite the copy, which shows the test can fail).

The script's interpreter line also passes `--log FIFO` to the binary it
starts, so that it blocks opening the fifo until the attacker holds its exe:
a real attacker races instead; the fifo makes the test deterministic."""

import errno
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.needs_root

OFF_ENV = "OCIRT_TEST_UNPROTECTED_EXE"
OVERLAYFS_SUPER_MAGIC = 0x794C7630
TMPFS_MAGIC = 0x01021994
F_GET_SEALS = getattr(fcntl, "F_GET_SEALS", 1034)
# F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE
REQUIRED_SEALS = 0x1 | 0x2 | 0x4 | 0x8
EVIL = "#!/proc/self/exe --log=/attack/fifo\n"


@pytest.fixture
def runtime_copy(ocirt, ocirt_runtime, tmp_path):
    """Private copies of the binaries under test, side by side as built: the
    attack may overwrite the runtime's. Returns the path of the runtime the
    launcher starts (the static build when there is one); the launcher,
    which the tests run, is `launcher_of` it."""
    d = tmp_path / "bin"
    d.mkdir()
    for f in Path(ocirt).parent.iterdir():
        if f.name in ("ocirt", "ocirt-runtime", "ocirt-runtime-static"):
            shutil.copy2(f, d / f.name)
    return d / Path(ocirt_runtime).name


def launcher_of(runtime):
    return runtime.parent / "ocirt"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fs_type(path):
    """statfs(2) f_type of what `path` leads to (stat -f follows links)."""
    out = subprocess.run(["stat", "-f", "-L", "-c", "%t", str(path)], check=True, capture_output=True, text=True)
    return int(out.stdout.strip(), 16)


def protection_of(path):
    """How the file behind `path` (a /proc/PID/exe) is kept from writes:
    "overlayfs", "memfd", or None when it is writable."""
    if fs_type(path) == OVERLAYFS_SUPER_MAGIC and os.statvfs(path).f_flag & os.ST_RDONLY:
        return "overlayfs"
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if fs_type(path) == TMPFS_MAGIC and fcntl.fcntl(fd, F_GET_SEALS) & REQUIRED_SEALS == REQUIRED_SEALS:
            return "memfd"
    except OSError:
        pass
    finally:
        os.close(fd)
    return None


def wait_for(predicate, what, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def with_binary(harness, binary, *args, env=None, timeout=60):
    """harness.run with another ocirt binary (the copy), same --root."""
    saved = harness.ocirt
    harness.ocirt = str(binary)
    try:
        return harness.run(*args, env=env, timeout=timeout)
    finally:
        harness.ocirt = saved


def install_runtime_libraries(rootfs, binary):
    """The shared libraries the runtime binary needs, at their host paths:
    it has to start inside the container for the attack to work (an image
    with a libc, as real images have). A static runtime needs none."""
    p = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
    if "not a dynamic executable" in p.stderr:
        return
    assert p.returncode == 0, p.stderr
    for line in p.stdout.splitlines():
        words = line.split()
        path = words[2] if "=>" in words and len(words) > 2 else words[0]
        if path.startswith("/"):
            dest = rootfs / path.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, dest)


def hostile_bundle(make_bundle, attack_dir, attacker_binary, binary):
    b = make_bundle()
    install_runtime_libraries(b.rootfs, binary)
    shutil.copy(attacker_binary, b.rootfs / "attacker")
    evil = b.rootfs / "bin" / "evil"
    evil.write_text(EVIL)
    evil.chmod(0o755)
    b.add_mount("/attack", "bind", attack_dir, ["bind", "rw"])
    return b


def start_attacker(harness, make_bundle, attacker_binary, binary, env):
    """Container A: the attacker as its process, watching /proc. Returns its
    id, the shared directory and the init's host pid."""
    attack = harness.tmp_path / "attack"
    attack.mkdir()
    os.mkfifo(attack / "fifo")
    a = hostile_bundle(make_bundle, attack, attacker_binary, binary)
    a.args("/attacker", "exe-overwrite", "/attack").write()
    cid = harness.new_id("attacker")
    r = with_binary(harness, launcher_of(binary), "run", "-d", "--bundle", a, cid, env=env)
    assert r.rc == 0, r.stderr
    wait_for(lambda: (attack / "ready").exists(), "the attacker to start")
    pid = json.loads(harness.run("state", cid).stdout)["pid"]
    return cid, attack, pid


def trigger(harness, make_bundle, attacker_binary, binary, how, env):
    """Makes the runtime copy exec /bin/evil next to the attacker, by `exec`
    into its container or by `run` of a second container sharing its pid
    namespace (a pod); returns the attacker's findings."""
    cid, attack, apid = start_attacker(harness, make_bundle, attacker_binary, binary, env)
    if how == "exec":
        r = with_binary(harness, launcher_of(binary), "exec", cid, "/bin/evil", env=env)
    else:
        b = hostile_bundle(make_bundle, attack, attacker_binary, binary)
        b.add_namespace("pid", f"/proc/{apid}/ns/pid").args("/bin/evil").write()
        r = with_binary(harness, launcher_of(binary), "run", "--bundle", b, harness.new_id("victim"), env=env)
    # The victim is the runtime binary failing on the command `/bin/evil`.
    assert "/bin/evil" in r.stderr, r.stderr
    wait_for(lambda: (attack / "result.json").exists(), "the attacker's result")
    return json.loads((attack / "result.json").read_text())


@pytest.mark.parametrize("how", ["exec", "run"])
def test_container_cannot_overwrite_the_runtime(harness, make_bundle, attacker_binary, runtime_copy, how):
    before = sha256(runtime_copy)
    found = trigger(harness, make_bundle, attacker_binary, runtime_copy, how, env=None)
    assert found["error"] is None, found
    assert found["victim"] > 0, found
    assert not found["written"], found
    # Read-only overlayfs: EROFS; a sealed memfd: ETXTBSY while it runs, then EPERM.
    refused = found["open_errno"] in (errno.EROFS, errno.EPERM, errno.ETXTBSY) or found["write_errno"] == errno.EPERM
    assert refused, found
    assert sha256(runtime_copy) == before


@pytest.mark.parametrize("how", ["exec", "run"])
def test_the_attack_works_without_the_protection(harness, make_bundle, attacker_binary, runtime_copy, how):
    """The control: the same attack with the protection switched off (root on
    the host only) overwrites the copy, so the test above can fail."""
    before = sha256(runtime_copy)
    env = dict(os.environ, **{OFF_ENV: "1"})
    found = trigger(harness, make_bundle, attacker_binary, runtime_copy, how, env=env)
    assert found["error"] is None, found
    assert found["written"], found
    assert sha256(runtime_copy) != before
    assert runtime_copy.read_bytes().startswith(b"#!/bin/sh\necho overwritten")


def test_init_waiting_in_created_runs_from_a_protected_file(run, bundle, container_id, ocirt_runtime):
    """Between create and start the init still is the runtime's binary, in
    the container's namespaces: its exe must be a file nobody can write."""
    bundle.args("true").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    pid = json.loads(run("state", container_id).stdout)["pid"]
    exe = f"/proc/{pid}/exe"
    assert protection_of(exe) == "overlayfs"
    with pytest.raises(OSError) as e:
        os.open(exe, os.O_WRONLY | os.O_CLOEXEC)
    assert e.value.errno == errno.EROFS
    # The very program, seen through the read-only view (no copy was made).
    assert sha256(exe) == sha256(ocirt_runtime)
    assert os.stat(exe).st_ino == os.stat(ocirt_runtime).st_ino
    assert run("start", container_id).rc == 0


@pytest.mark.parametrize("started", ["launcher", "runtime"])
def test_the_launcher_starts_the_runtime_protected_once(harness, bundle, container_id, ocirt, ocirt_runtime,
                                                        started):
    """The launcher `ocirt` makes the read-only view itself: the runtime it
    starts for `run` finds its file protected and starts only once. Started
    from its own path, the runtime re-executes itself, and its debug log says
    so: the check can fail."""
    bundle.args("true").write()
    log = harness.tmp_path / "debug.log"
    binary = ocirt if started == "launcher" else ocirt_runtime
    r = with_binary(harness, binary, "--debug", "--log", log, "run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    reexecuted = "re-executing from a read-only overlayfs view" in log.read_text()
    assert reexecuted == (started == "runtime"), log.read_text()


def test_runtime_keeps_its_pid_argv_environment_and_name(harness, run, bundle, container_id, ocirt):
    """The re-execution is invisible to callers: the same pid (pid files and
    the caller's wait rely on it), the same argv and environment, and the
    command's name for ps and pgrep."""
    bundle.probe("sleep", "30").write()
    args = [ocirt, "--root", str(harness.root), "run", "--bundle", str(bundle), container_id]
    harness.ids.append(container_id)
    env = dict(os.environ, OCIRT_TEST_MARKER="kept")
    with open(harness.tmp_path / "run.out", "wb") as out:
        p = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    try:
        wait_for(lambda: run("state", container_id).stdout.find('"running"') >= 0, "the container to run")
        assert protection_of(f"/proc/{p.pid}/exe") == "overlayfs"
        with open(f"/proc/{p.pid}/cmdline", "rb") as f:
            assert f.read().split(b"\0")[:-1] == [a.encode() for a in args]
        with open(f"/proc/{p.pid}/environ", "rb") as f:
            assert b"OCIRT_TEST_MARKER=kept" in f.read().split(b"\0")
        with open(f"/proc/{p.pid}/comm") as f:
            assert f.read().strip() == os.path.basename(ocirt)[:15]
    finally:
        run("kill", container_id, "KILL")
        p.wait(timeout=30)


def _holds_open(pid, path):
    """Has process `pid` an fd open on `path`?"""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                return True
        except OSError:
            pass
    return False


def _full_fifo(path):
    """A reader of the fifo at `path` whose buffer is already full: the next
    write of whoever opens it blocks until the returned fd is drained."""
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    filler = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        while True:
            os.write(filler, b"x" * 4096)
    except BlockingIOError:
        pass
    finally:
        os.close(filler)
    return reader


def test_sealed_memfd_without_overlayfs_and_switch_ignored_in_a_user_namespace(runtime_copy, tmp_path):
    """In a user namespace (a rootless caller) overlayfs cannot be mounted on
    the host's mount namespace: the runtime, started from its path, runs
    from a sealed memfd copy of itself.
    OCIRT_TEST_UNPROTECTED_EXE=1 is ignored there (not root on the host).
    The log is a full fifo: the re-executed runtime blocks on its first log
    record (the error about the missing container) until the test has looked."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is not installed (util-linux)")
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    original = os.stat(runtime_copy)
    before = sha256(runtime_copy)
    reader = _full_fifo(fifo)
    args = ["unshare", "--user", "--map-root-user", str(runtime_copy), "--root", str(tmp_path / "state"),
            "--log", str(fifo), "exec", "no-such-container", "true"]
    p = subprocess.Popen(args, env=dict(os.environ, **{OFF_ENV: "1"}), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        exe = f"/proc/{p.pid}/exe"

        def reexecuted():
            assert p.poll() is None, p.stderr.read()
            st = os.stat(exe)
            # Neither unshare nor the copy itself any more.
            # ...and holding the log open again: drained before that, the
            # fifo would have no writer, read as empty, and leave the runtime
            # blocked in its open for a reader that never comes.
            return os.path.basename(os.readlink(exe)) != "unshare" and (st.st_dev, st.st_ino) != (
                original.st_dev, original.st_ino) and _holds_open(p.pid, fifo)

        wait_for(reexecuted, "the runtime to re-execute itself")
        assert protection_of(exe) == "memfd"
        try:
            w = os.open(exe, os.O_WRONLY | os.O_CLOEXEC)
        except OSError as e:
            assert e.errno in (errno.ETXTBSY, errno.EPERM), e
        else:
            with pytest.raises(OSError) as e:
                os.write(w, b"x")
            os.close(w)
            assert e.value.errno == errno.EPERM
        os.set_blocking(reader, True)
        with os.fdopen(reader, "rb") as f:
            reader = -1
            f.read()
        _, err = p.communicate(timeout=30)
    finally:
        if reader >= 0:
            os.close(reader)
        if p.poll() is None:
            p.kill()
            p.wait()
    # The same argv reached the second image: it looked for that container.
    assert b"no-such-container" in err, err
    assert sha256(runtime_copy) == before


# --------------------------------------------------------------------------
# the overlay's mount, handed from the launcher to the runtime

MOUNT_FD_ENV = "OCIRT_EXE_OVERLAY_MOUNT_FD"

# A createRuntime hook (run by the runtime after it cloned the init): what
# the runtime got at its exec, and what it and the init hold now.
HANDOVER_HOOK = r"""
import json, os, sys
state = json.load(sys.stdin)
def overlay_fds(pid):
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        path = f"/proc/{pid}/fd/{fd}"
        try:
            if os.path.isdir(path) and os.statvfs(path).f_flag & os.ST_RDONLY:
                found.append(int(fd))
        except OSError:
            pass
    return [fd for fd in found if os.popen(f"stat -f -L -c %t /proc/{pid}/fd/{fd}").read().strip() == "794c7630"]
with open(f"/proc/{os.getppid()}/environ", "rb") as f:
    environ = [e.decode() for e in f.read().split(b"\0") if e]
json.dump({"environ": environ, "runtime": overlay_fds(os.getppid()), "init": overlay_fds(state["pid"])},
          open(sys.argv[1], "w"))
"""


def test_the_launcher_hands_its_overlay_mount_to_the_runtime(harness, bundle, container_id, tmp_path):
    """The launcher does not dissolve the overlay's mount before it executes
    the runtime (that waits for an RCU grace period): it hands the mount's
    fd over, named in the environment, and the runtime closes it before it
    clones the init, which never holds it."""
    out = tmp_path / "handover.json"
    bundle.args("true").set("hooks", {"createRuntime": [
        {"path": sys.executable, "args": ["hook", "-c", HANDOVER_HOOK, str(out)]}]}).write()
    r = harness.run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    seen = json.loads(out.read_text())
    named = [e.split("=", 1)[1] for e in seen["environ"] if e.startswith(MOUNT_FD_ENV + "=")]
    assert len(named) == 1, seen["environ"]
    assert int(named[0]) > 2
    assert seen["runtime"] == [], seen
    assert seen["init"] == [], seen


@pytest.mark.parametrize("started", ["launcher", "runtime"])
def test_a_callers_fd_named_as_the_mount_is_left_alone(harness, bundle, container_id, ocirt, ocirt_runtime,
                                                        tmp_path, started):
    """The name is checked, not trusted: a caller's fd 3 named by it (here
    the one --preserve-fds passes on) is not an overlay's mount, and reaches
    the container untouched."""
    target = tmp_path / "passed"
    target.write_text("")
    bundle.probe("fds").write()
    binary = ocirt if started == "launcher" else ocirt_runtime
    harness.ids.append(container_id)
    args = [str(binary), "--root", str(harness.root), "run", "--preserve-fds", "1", "--bundle", str(bundle),
            container_id]
    p = subprocess.run(["/bin/sh", "-c", 'exec "$@" 3<>"$T"', "sh", *args],
                       env=dict(os.environ, T=str(target), **{MOUNT_FD_ENV: "3"}), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    fds = {f["fd"]: f["target"] for f in json.loads(p.stdout)["fds"]}
    assert fds.get(3) == str(target), fds
