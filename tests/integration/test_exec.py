# SPDX-License-Identifier: GPL-2.0-or-later
"""`ocirt exec`: a new process in a running container, with runc's flags.

The exec'd process must be in every namespace, the cgroup and the root of the
container, inherit the container's process (env, cwd, user, capabilities,
rlimits, no_new_privs, seccomp) with the flags layered on top, and leave
nothing behind once the container is deleted. The probe reports, as JSON,
what the exec'd process sees; the host's view of the container's init comes
from /proc/<init pid>."""

import fcntl
import json
import os
import pty
import select
import signal
import subprocess
import termios
import threading
import time

import pytest
from helpers.cgroups import cgroup_dir, mounts
from helpers.console import ConsoleSocket, read_until
from helpers.lifecycle import pid_alive, state, wait_for, wait_file, wait_status

pytestmark = pytest.mark.needs_root

NAMESPACES = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
CAP_SYS_ADMIN = 21
CAP_NET_RAW = 13


# --------------------------------------------------------------------------
# helpers


def start(run, bundle, cid, *args):
    """`run -d` of the bundle with process.args (default `sleep 1000`);
    returns the host pid of the container's init."""
    bundle.args(*(args or ("sleep", "1000"))).write()
    r = run("run", "-d", "--bundle", bundle, cid)
    assert r.rc == 0, r.stderr
    s = state(run, cid)
    assert s["status"] == "running", s
    return s["pid"]


def probe(run, cid, *section, flags=()):
    """exec [FLAGS] ID /probe SECTION...; the parsed JSON."""
    r = run("exec", *flags, cid, "/probe", *section)
    assert r.rc == 0, f"exec {' '.join(map(str, flags))} /probe {' '.join(section)}: rc {r.rc}: {r.stderr}"
    return r.json()


def assert_refused(r, *words):
    """Exit 255 (exec's own failure), one stderr line holding every word."""
    assert r.rc == 255, f"expected rc 255, got {r.rc} (stdout {r.stdout!r}, stderr {r.stderr!r})"
    lines = r.stderr_lines()
    assert len(lines) == 1, f"expected one stderr line, got:\n{r.stderr}"
    for w in words:
        assert w.lower() in lines[0].lower(), f"{w!r} not in {lines[0]!r}"
    return lines[0]


def host_status(pid):
    """{name: value} of /proc/PID/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            out[name] = value.strip()
    return out


def host_ns(pid):
    """{kind: "kind:[inode]"} of the namespaces of PID (those the kernel has)."""
    return {kind: os.readlink(f"/proc/{pid}/ns/{kind}") for kind in NAMESPACES
            if os.path.exists(f"/proc/self/ns/{kind}")}


def host_cgroup_lines(pid):
    with open(f"/proc/{pid}/cgroup") as f:
        return [line for line in f.read().splitlines() if line]


def has_bit(hexmask, bit):
    return bool(int(hexmask, 16) >> bit & 1)


def write_process(tmp_path, process, name="process.json"):
    path = tmp_path / name
    path.write_text(process if isinstance(process, str) else json.dumps(process))
    return path


def read_pid_file(path, timeout=5.0):
    text = wait_file(path, "", timeout=timeout)
    assert text.strip().isdigit(), f"pid file holds {text!r}"
    return int(text)


def same_file(a, b):
    sa, sb = os.stat(a), os.stat(b)
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


@pytest.fixture
def console():
    c = ConsoleSocket()
    yield c
    c.close()


# --------------------------------------------------------------------------
# output and exit status


@pytest.mark.parametrize("status", [0, 3, 42])
def test_output_and_exit_status_propagate(run, bundle, container_id, status):
    start(run, bundle, container_id)
    r = run("exec", container_id, "sh", "-c", f"echo to-stdout; echo to-stderr >&2; exit {status}")
    assert r.rc == status, r.stderr
    assert r.stdout == "to-stdout\n"
    assert r.stderr == "to-stderr\n"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGUSR1])
def test_killed_by_signal_exits_128_plus_n(run, bundle, container_id, sig):
    start(run, bundle, container_id)
    r = run("exec", container_id, "sh", "-c", f"kill -{int(sig)} $$; sleep 5")
    assert r.rc == 128 + sig, (r.rc, r.stderr)
    assert state(run, container_id)["status"] == "running", "the container must outlive its exec'd process"


def test_stdin_reaches_the_process(run, bundle, container_id):
    start(run, bundle, container_id)
    r = run("exec", container_id, "sh", "-c", "read line; echo got:$line", input="hello\n")
    assert r.rc == 0, r.stderr
    assert r.stdout == "got:hello\n"


# --------------------------------------------------------------------------
# where the exec'd process lives


def test_joins_every_namespace_of_the_container(run, bundle, container_id):
    bundle.add_namespace("cgroup")
    init = start(run, bundle, container_id)
    want = host_ns(init)
    mine = host_ns(os.getpid())
    # The container must have namespaces of its own, or equality proves nothing.
    for kind in ("ipc", "mnt", "net", "pid", "uts", "cgroup"):
        assert want[kind] != mine[kind], f"the container has no {kind} namespace of its own"

    seen = probe(run, container_id, "ns")

    for kind in want:
        assert seen[kind] == want[kind], f"{kind}: exec'd process in {seen[kind]}, init in {want[kind]}"
    assert seen["pid_for_children"] == want["pid"]


def test_joins_namespace_the_container_joined(run, make_bundle, harness):
    """A container that joins another's network namespace by path: the
    exec'd process is in that one too."""
    first, second = make_bundle(), make_bundle()
    cid1, cid2 = harness.new_id(), harness.new_id()
    init1 = start(run, first, cid1)
    second.add_namespace("network", f"/proc/{init1}/ns/net")
    init2 = start(run, second, cid2)
    assert host_ns(init2)["net"] == host_ns(init1)["net"]

    seen = probe(run, cid2, "ns")

    assert seen["net"] == host_ns(init1)["net"]
    assert seen["mnt"] == host_ns(init2)["mnt"]


@pytest.fixture
def searchable_bundle(bundle):
    """The bundle with o+x on every directory up to /: the container's root
    is an unprivileged host uid that must reach its rootfs."""
    changed = []
    d = bundle.rootfs
    while d != d.parent:
        mode = d.stat().st_mode & 0o7777
        if mode & 0o001 == 0:
            changed.append((d, mode))
            os.chmod(d, mode | 0o001)
        d = d.parent
    yield bundle
    for d, mode in changed:
        os.chmod(d, mode)


def test_joins_a_user_namespace(run, searchable_bundle, container_id, tmp_path):
    bundle = searchable_bundle
    bundle.add_namespace("user")
    bundle.set("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    bundle.set("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    init = start(run, bundle, container_id)
    assert host_ns(init)["user"] != host_ns(os.getpid())["user"]

    seen = probe(run, container_id, "ns")
    assert seen["user"] == host_ns(init)["user"]
    ids = probe(run, container_id, "ids")
    assert (ids["uid"], ids["gid"]) == (0, 0)

    pid_file = tmp_path / "exec.pid"
    r = run("exec", "-d", "--pid-file", pid_file, "-u", "1000:1000", container_id, "sleep", "1000")
    assert r.rc == 0, r.stderr
    host = host_status(read_pid_file(pid_file))
    # uid 1000 inside is 101000 outside, through the container's mapping.
    assert host["Uid"].split()[0] == "101000", host["Uid"]
    assert host["Gid"].split()[0] == "101000", host["Gid"]


def test_joins_a_time_namespace(run, bundle, container_id):
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("the kernel has no time namespaces")
    bundle.add_namespace("time")
    bundle.set("linux.timeOffsets", {"boottime": {"secs": 86400 * 10, "nanosecs": 0}})
    init = start(run, bundle, container_id)

    seen = probe(run, container_id, "ns")
    uptime = float(probe(run, container_id, "read", "/proc/uptime")["content"].split()[0])

    assert seen["time"] == host_ns(init)["time"]
    with open("/proc/uptime") as f:
        host_uptime = float(f.read().split()[0])
    assert uptime > host_uptime + 86400 * 9, (uptime, host_uptime)


def test_joins_the_cgroup_of_the_container(run, bundle, container_id):
    init = start(run, bundle, container_id)
    want = host_cgroup_lines(init)
    assert want != host_cgroup_lines(os.getpid()), "the container is in the test's own cgroup"

    seen = probe(run, container_id, "cgroup")["cgroup"]
    inside_init = probe(run, container_id, "read", "/proc/1/cgroup")["content"].splitlines()

    # Same cgroup namespace (none of its own here): the same text as the host's view.
    assert seen == want
    assert seen == [line for line in inside_init if line]


def test_joins_the_cgroup_under_a_cgroup_namespace(run, bundle, container_id):
    bundle.add_namespace("cgroup")
    start(run, bundle, container_id)

    seen = probe(run, container_id, "cgroup")["cgroup"]
    inside_init = probe(run, container_id, "read", "/proc/1/cgroup")["content"].splitlines()

    # Both read through the container's cgroup namespace, whose root is
    # the container's cgroup: the exec'd process is at its root.
    assert seen == [line for line in inside_init if line]
    assert all(line.split(":", 2)[2] == "/" for line in seen), seen


def test_sees_the_container_root_pid_namespace_and_hostname(run, bundle, container_id):
    marker = f"exec-marker-{container_id}"
    (bundle.rootfs / marker).write_text("inside\n")
    bundle.set("hostname", "exec-host")
    start(run, bundle, container_id)

    stat = probe(run, container_id, "stat", f"/{marker}")
    assert stat["type"] == "file"
    listing = probe(run, container_id, "ls", "/")["entries"]
    assert sorted(listing) == sorted(os.listdir(bundle.rootfs))
    pid = probe(run, container_id, "pid")
    assert 1 < pid["pid"] < 100, pid
    assert pid["ppid"] == 0, "the parent of the exec'd process is outside the container's pid namespace"
    assert probe(run, container_id, "hostname")["hostname"] == "exec-host"
    # Another process: pid 1 is the container's init.
    assert probe(run, container_id, "read", "/proc/1/cmdline")["content"].split("\0")[0] == "sleep"


# --------------------------------------------------------------------------
# what it inherits from the container's process


def test_inherits_the_container_process(run, bundle, container_id):
    caps = bundle.get("process.capabilities")
    for kind in ("bounding", "effective", "permitted"):
        caps[kind] = caps[kind] + ["CAP_NET_RAW"]
    bundle.setenv("FROM_CONFIG", "yes")
    bundle.set("process.cwd", "/tmp")
    bundle.set("process.user", {"uid": 1000, "gid": 1001, "additionalGids": [2000, 2001]})
    bundle.set("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": 777, "hard": 888},
                                   {"type": "RLIMIT_CORE", "soft": 4096, "hard": 8192}])
    bundle.set("process.noNewPrivileges", True)
    bundle.set("process.user.umask", 0o027)
    bundle.set("process.oomScoreAdj", 123)
    init = start(run, bundle, container_id)
    host = host_status(init)

    seen = probe(run, container_id, "all")

    assert seen["env"]["env"] == bundle.get("process.env")
    assert seen["cwd"]["cwd"] == "/tmp"
    ids = seen["ids"]
    assert (ids["uid"], ids["euid"], ids["gid"], ids["egid"]) == (1000, 1000, 1001, 1001)
    assert sorted(ids["groups"]) == [2000, 2001]
    for k in ("CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb"):
        assert seen["caps"][k] == host[k], f"{k}: exec'd {seen['caps'][k]}, init {host[k]}"
    # Non-root without ambient capabilities: execve empties the effective
    # set (for runc too), so the bounding set is where the config shows.
    assert has_bit(seen["caps"]["CapBnd"], CAP_NET_RAW)
    assert not has_bit(seen["caps"]["CapBnd"], CAP_SYS_ADMIN)
    assert seen["rlimits"]["RLIMIT_NOFILE"] == {"soft": 777, "hard": 888}
    assert seen["rlimits"]["RLIMIT_CORE"] == {"soft": 4096, "hard": 8192}
    assert seen["nnp"]["NoNewPrivs"] == "1"
    assert ids["umask"] == 0o027
    assert seen["oom-score"]["oom_score_adj"] == 123


def test_inherits_no_new_privileges_false(run, bundle, container_id):
    bundle.set("process.noNewPrivileges", False)
    init = start(run, bundle, container_id)
    assert host_status(init)["NoNewPrivs"] == "0"

    assert probe(run, container_id, "nnp")["NoNewPrivs"] == "0"


def test_inherits_root_capabilities(run, bundle, container_id):
    """runc's default: root with three capabilities; the exec'd process has
    exactly the init's sets, not the full set ocirt itself runs with."""
    init = start(run, bundle, container_id)
    host = host_status(init)

    caps = probe(run, container_id, "caps")

    for k in ("CapBnd", "CapEff", "CapPrm"):
        assert caps[k] == host[k], f"{k}: exec'd {caps[k]}, init {host[k]}"
    assert not has_bit(caps["CapBnd"], CAP_SYS_ADMIN)


# --------------------------------------------------------------------------
# flags on top


def test_env_adds_and_replaces(run, bundle, container_id):
    bundle.setenv("KEEP", "kept").setenv("REPLACED", "old")
    start(run, bundle, container_id)

    flags = ("--env", "REPLACED=new", "-e", "ADDED=1", "-e", "WITH=eq=sign")
    env = probe(run, container_id, "env", flags=flags)["env"]

    assert "KEEP=kept" in env
    assert [e for e in env if e.startswith("REPLACED=")] == ["REPLACED=new"]
    assert "ADDED=1" in env
    assert "WITH=eq=sign" in env
    assert any(e.startswith("PATH=") for e in env)


def test_cwd_flag(run, bundle, container_id):
    start(run, bundle, container_id)
    assert probe(run, container_id, "cwd")["cwd"] == "/"
    assert probe(run, container_id, "cwd", flags=("--cwd", "/etc"))["cwd"] == "/etc"


def test_user_flag(run, bundle, container_id):
    init = start(run, bundle, container_id)
    ids = probe(run, container_id, "ids", flags=("--user", "1000:1000"))
    assert (ids["uid"], ids["euid"], ids["gid"], ids["egid"]) == (1000, 1000, 1000, 1000)
    ids = probe(run, container_id, "ids", flags=("-u", "1234:5678"))
    assert (ids["uid"], ids["gid"]) == (1234, 5678)
    # The container's own process is untouched.
    assert host_status(init)["Uid"].split()[0] == "0"


def test_user_flag_without_gid_keeps_the_config_gid(run, bundle, container_id):
    """runc: `-u UID` changes only the uid; the gid stays the config's."""
    bundle.set("process.user", {"uid": 0, "gid": 500})
    start(run, bundle, container_id)

    ids = probe(run, container_id, "ids", flags=("-u", "1000"))

    assert ids["uid"] == 1000
    assert ids["gid"] == 500, f"runc keeps process.user.gid for `-u UID`: {ids}"


def test_additional_gids_flag(run, bundle, container_id):
    start(run, bundle, container_id)
    flags = ("--additional-gids", "3000", "-g", "3001", "-u", "1000:1000")
    ids = probe(run, container_id, "ids", flags=flags)
    assert sorted(ids["groups"]) == [3000, 3001]
    assert ids["gid"] == 1000


def test_additional_gids_flag_adds_to_the_config_gids(run, bundle, container_id):
    """runc appends -g to process.user.additionalGids."""
    bundle.set("process.user", {"uid": 0, "gid": 0, "additionalGids": [2000]})
    start(run, bundle, container_id)

    ids = probe(run, container_id, "ids", flags=("-g", "3000"))

    assert sorted(ids["groups"]) == [2000, 3000], ids


def test_cap_flag_adds_to_bounding_effective_permitted(run, bundle, container_id):
    init = start(run, bundle, container_id)
    assert not has_bit(host_status(init)["CapBnd"], CAP_SYS_ADMIN)

    caps = probe(run, container_id, "caps", flags=("--cap", "CAP_SYS_ADMIN", "-c", "CAP_NET_RAW"))

    for k in ("CapBnd", "CapEff", "CapPrm"):
        assert has_bit(caps[k], CAP_SYS_ADMIN), f"{k} {caps[k]} lacks CAP_SYS_ADMIN"
        assert has_bit(caps[k], CAP_NET_RAW), f"{k} {caps[k]} lacks CAP_NET_RAW"
    # What the container had stays.
    host = host_status(init)
    for k in ("CapBnd", "CapEff", "CapPrm"):
        assert int(caps[k], 16) & int(host[k], 16) == int(host[k], 16)
    # And the container's own process did not gain it.
    assert not has_bit(host["CapBnd"], CAP_SYS_ADMIN)


def test_cap_flag_unknown_capability_warned_and_ignored(run, bundle, container_id):
    """runc warns about a capability it does not know and runs the process."""
    start(run, bundle, container_id)
    r = run("exec", "--cap", "CAP_NO_SUCH_THING", container_id, "sh", "-c", "echo ran")
    assert r.rc == 0, r.stderr
    assert r.stdout == "ran\n"
    assert "CAP_NO_SUCH_THING" in r.stderr


def test_no_new_privs_flag(run, bundle, container_id):
    bundle.set("process.noNewPrivileges", False)
    start(run, bundle, container_id)
    assert probe(run, container_id, "nnp")["NoNewPrivs"] == "0"
    nnp = probe(run, container_id, "nnp", flags=("--no-new-privs",))
    assert nnp["NoNewPrivs"] == "1"
    assert nnp["prctl"] == 1


def test_command_options_are_not_exec_options(run, bundle, container_id):
    """Everything after the id is the command: its own `-e`/`--cwd` are args."""
    start(run, bundle, container_id)
    r = run("exec", container_id, "echo", "-e", "--cwd", "/x")
    assert r.rc == 0, r.stderr
    assert r.stdout.strip() == "--cwd /x"


# --------------------------------------------------------------------------
# --process FILE


def test_process_file_is_taken_exactly(run, bundle, container_id, tmp_path):
    bundle.setenv("FROM_CONFIG", "yes")
    start(run, bundle, container_id)
    path = write_process(tmp_path, {
        "args": ["/probe", "all"],
        "env": ["ONLY=this", "PATH=/bin"],
        "cwd": "/etc",
        "user": {"uid": 1000, "gid": 1001, "additionalGids": [3000]},
        "noNewPrivileges": True,
    })

    r = run("exec", "--process", path, container_id)

    assert r.rc == 0, r.stderr
    seen = r.json()
    assert seen["env"]["env"] == ["ONLY=this", "PATH=/bin"]
    assert seen["cwd"]["cwd"] == "/etc"
    assert (seen["ids"]["uid"], seen["ids"]["gid"], seen["ids"]["groups"]) == (1000, 1001, [3000])
    assert seen["nnp"]["NoNewPrivs"] == "1"


def test_process_file_short_option_and_exit_status(run, bundle, container_id, tmp_path):
    start(run, bundle, container_id)
    path = write_process(tmp_path, {"args": ["sh", "-c", "echo from-file; exit 9"], "cwd": "/",
                                    "env": ["PATH=/bin:/sbin"]})
    r = run("exec", "-p", path, container_id)
    assert r.rc == 9, r.stderr
    assert r.stdout == "from-file\n"


@pytest.mark.parametrize("text, words", [
    ("{not json", []),
    ('{"args": "true", "cwd": "/"}', ["args"]),
    ('{"args": ["true"], "cwd": 5}', ["cwd"]),
    ('{"args": ["true"], "cwd": "/", "user": {"uid": "root", "gid": 0}}', ["uid"]),
    ('["true"]', []),
], ids=["bad-json", "args-string", "cwd-number", "uid-string", "not-an-object"])
def test_invalid_process_file_refused(run, bundle, container_id, tmp_path, text, words):
    start(run, bundle, container_id)
    path = write_process(tmp_path, text)
    r = run("exec", "--process", path, container_id)
    assert_refused(r, *words)


def test_missing_process_file_refused(run, bundle, container_id, tmp_path):
    start(run, bundle, container_id)
    r = run("exec", "--process", tmp_path / "nope.json", container_id)
    assert_refused(r, "nope.json")


def test_process_file_without_args_refused(run, bundle, container_id, tmp_path):
    start(run, bundle, container_id)
    path = write_process(tmp_path, {"cwd": "/", "env": ["PATH=/bin"]})
    r = run("exec", "--process", path, container_id)
    assert_refused(r, "args")


# --------------------------------------------------------------------------
# --detach, --pid-file


def test_detach_with_pid_file(run, bundle, container_id, tmp_path):
    init = start(run, bundle, container_id)
    pid_file = tmp_path / "exec.pid"

    t0 = time.monotonic()
    r = run("exec", "--detach", "--pid-file", pid_file, container_id, "/probe", "sleep", "1000")
    elapsed = time.monotonic() - t0

    assert r.rc == 0, r.stderr
    assert elapsed < 5, f"exec -d took {elapsed:.1f} s: it must not wait for the process"
    pid = read_pid_file(pid_file)
    assert pid_alive(pid), "the pid file's process is not running"
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        assert f.read().split(b"\0")[:2] == [b"/probe", b"sleep"]
    assert host_ns(pid) == host_ns(init)
    assert host_cgroup_lines(pid) == host_cgroup_lines(init)
    assert same_file(f"/proc/{pid}/root", f"/proc/{init}/root")
    assert state(run, container_id)["status"] == "running"


def test_detach_short_option(run, bundle, container_id, tmp_path):
    start(run, bundle, container_id)
    pid_file = tmp_path / "exec.pid"
    r = run("exec", "-d", "--pid-file", pid_file, container_id, "sleep", "1000")
    assert r.rc == 0, r.stderr
    assert pid_alive(read_pid_file(pid_file))


def test_pid_file_relative_to_the_caller_cwd(run, bundle, container_id, tmp_path):
    start(run, bundle, container_id)
    where = tmp_path / "cwd"
    where.mkdir()
    r = run("exec", "-d", "--pid-file", "rel.pid", container_id, "sleep", "1000", cwd=where)
    assert r.rc == 0, r.stderr
    assert pid_alive(read_pid_file(where / "rel.pid"))


def test_pid_file_foreground(run, bundle, container_id, tmp_path):
    """Without -d the pid file is written too, before the process ends."""
    start(run, bundle, container_id)
    pid_file = tmp_path / "exec.pid"
    r = run("exec", "--pid-file", pid_file, container_id, "/probe", "pid")
    assert r.rc == 0, r.stderr
    assert read_pid_file(pid_file) > 1


# --------------------------------------------------------------------------
# terminals


def test_tty_with_console_socket(run, bundle, container_id, console):
    start(run, bundle, container_id)
    r = run("exec", "-t", "-d", "--console-socket", console.path, container_id,
            "sh", "-c", "/probe tty; echo done; exec /probe signal-wait")
    assert r.rc == 0, r.stderr
    master = console.receive()
    assert master >= 0, "no fd arrived on the console socket"
    assert os.isatty(master)

    out = read_until(master, b"ready").replace(b"\r\n", b"\n").decode(errors="replace")
    objs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(objs) == 1, out
    for fd in ("0", "1", "2"):
        assert objs[0][fd]["isatty"] is True, objs[0]
    assert objs[0]["0"]["ttyname"].startswith("/dev/pts/"), objs[0]
    assert objs[0]["foreground_pgrp"] > 0, "the pty must be the controlling terminal"
    assert "done" in out


def drain(fd, timeout=0.3):
    """What is readable on fd now (until it stays quiet for `timeout`)."""
    data = b""
    while select.select([fd], [], [], timeout)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


def _controlling_tty():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_tty_foreground_under_a_pty(ocirt, root, bundle, run, container_id):
    """ocirt exec -t run from a terminal (its stdio the slave of a pty that is
    its controlling terminal): the output is relayed, the status propagates."""
    start(run, bundle, container_id)
    master, slave = os.openpty()
    out = b""
    try:
        p = subprocess.Popen([ocirt, "--root", str(root), "exec", "-t", container_id,
                              "sh", "-c", "tty; echo hello-from-tty; exit 7"],
                             stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                             preexec_fn=_controlling_tty)
        # The test keeps the slave open: on Linux the master's unread data
        # can be lost once the last slave fd is closed.
        deadline = time.monotonic() + 15
        while p.poll() is None:
            assert time.monotonic() < deadline, "ocirt exec -t did not exit"
            out += drain(master, 0.05)
        out += drain(master)
    finally:
        os.close(slave)
        os.close(master)
    text = out.replace(b"\r\n", b"\n").decode(errors="replace")
    assert p.returncode == 7, text
    assert "hello-from-tty" in text
    assert "/dev/pts/" in text, text
    assert "not a tty" not in text


def test_tty_foreground_output_of_a_quick_process_is_kept(ocirt, root, bundle, run, container_id, tmp_path):
    """A process that writes and exits at once: its output still reaches the
    terminal, every time (a race between its exit and the relay loses it;
    --pid-file widens the window between the start and the relay)."""
    start(run, bundle, container_id)
    lost = []
    runs = 30
    for i in range(runs):
        pid, master = pty.fork()
        if pid == 0:
            try:
                os.execv(ocirt, [ocirt, "--root", str(root), "exec", "-t", "--pid-file", str(tmp_path / "p"),
                                 container_id, "sh", "-c", f"echo quick-{i}; exit 5"])
            finally:
                os._exit(127)
        try:
            out = b""
            deadline = time.monotonic() + 15
            while True:
                out += drain(master, 0.05)
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                assert time.monotonic() < deadline, "ocirt exec -t did not exit"
            out += drain(master)
        finally:
            os.close(master)
        assert os.waitstatus_to_exitcode(status) == 5, out
        if f"quick-{i}".encode() not in out:
            lost.append(i)
    assert lost == [], f"the output of runs {lost} of {runs} never reached the terminal"


def test_tty_foreground_without_a_terminal_on_stdin(run, bundle, container_id):
    """exec -t from a script (stdio not a terminal): the pty output is
    relayed to ocirt's stdout and the exit status propagates."""
    start(run, bundle, container_id)
    r = run("exec", "-t", container_id, "sh", "-c", "tty; echo relayed; exit 4")
    assert r.rc == 4, r.stderr
    out = r.stdout.replace("\r\n", "\n")
    assert "relayed" in out, out
    assert "/dev/pts/" in out, out


def test_without_tty_stdio_is_not_a_terminal(run, bundle, container_id):
    start(run, bundle, container_id)
    tty = probe(run, container_id, "tty")
    assert tty["0"]["isatty"] is False and tty["1"]["isatty"] is False


# --------------------------------------------------------------------------
# refusals


def test_exec_in_a_created_container(run, bundle, container_id):
    """runc lets exec into a created container: the init has set everything
    up and waits for `start`; the exec'd process is in its namespaces."""
    bundle.args("sleep", "1000").write()
    r = run("create", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    init = state(run, container_id)["pid"]

    seen = probe(run, container_id, "ns")

    for kind in ("ipc", "mnt", "net", "pid", "uts"):
        assert seen[kind] == host_ns(init)[kind], kind
    assert state(run, container_id)["status"] == "created", "exec must not start the container"
    assert run("start", container_id).rc == 0
    assert state(run, container_id)["status"] == "running"


def test_refused_in_a_stopped_container(run, bundle, container_id):
    start(run, bundle, container_id, "sleep", "0.2")
    wait_status(run, container_id, "stopped")
    r = run("exec", container_id, "true")
    assert_refused(r, "stopped")


def test_refused_for_an_unknown_id(run, harness):
    r = run("exec", harness.new_id(), "true")
    assert_refused(r, "does not exist")


def test_refused_in_a_paused_container(run, bundle, container_id):
    start(run, bundle, container_id)
    assert run("pause", container_id).rc == 0
    try:
        r = run("exec", container_id, "true", timeout=10)
        assert_refused(r, "cannot exec in a paused container")
    finally:
        assert run("resume", container_id).rc == 0


def test_refused_without_a_command(run, bundle, container_id):
    start(run, bundle, container_id)
    assert_refused(run("exec", container_id), "missing")


def test_refused_without_an_id(run):
    assert_refused(run("exec"), "id")


def test_refused_for_a_missing_executable(run, bundle, container_id):
    start(run, bundle, container_id)
    r = run("exec", container_id, "no-such-command")
    assert_refused(r, "no-such-command", "executable file not found in $PATH")
    r = run("exec", container_id, "/no/such/file")
    assert_refused(r, "/no/such/file")


def test_refused_console_socket_without_tty(run, bundle, container_id, console):
    start(run, bundle, container_id)
    r = run("exec", "-d", "--console-socket", console.path, container_id, "true")
    assert_refused(r, "console socket")


def test_refused_tty_detached_without_console_socket(run, bundle, container_id):
    start(run, bundle, container_id)
    r = run("exec", "-t", "-d", container_id, "true")
    assert_refused(r, "console socket")


def test_refused_unknown_option(run, bundle, container_id):
    start(run, bundle, container_id)
    assert_refused(run("exec", "--no-such-option", container_id, "true"), "no-such-option")


@pytest.mark.parametrize("flags", [("-u", "abc"), ("-u", "-1"), ("-g", "x"), ("--preserve-fds", "-1")],
                         ids=["user-word", "user-negative", "gid-word", "preserve-fds-negative"])
def test_refused_bad_flag_values(run, bundle, container_id, flags):
    start(run, bundle, container_id)
    assert_refused(run("exec", *flags, container_id, "true"), flags[1])


def test_refused_missing_cwd(run, bundle, container_id):
    start(run, bundle, container_id)
    r = run("exec", "--cwd", "/no/such/dir", container_id, "true")
    assert_refused(r, "/no/such/dir")


def test_concurrent_execs(run, bundle, container_id):
    start(run, bundle, container_id)
    results = [None] * 6

    def one(i):
        results[i] = run("exec", "-e", f"N={i}", container_id, "sh", "-c", "echo $N; /probe pid")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    pids = set()
    for i, r in enumerate(results):
        assert r is not None and r.rc == 0, r
        first, last = r.stdout.strip().splitlines()[0], r.stdout.strip().splitlines()[-1]
        assert first == str(i)
        pids.add(json.loads(last)["pid"])
    assert len(pids) == len(results)


def test_failed_exec_leaves_the_container_running(run, bundle, container_id):
    init = start(run, bundle, container_id)
    assert run("exec", container_id, "no-such-command").rc == 255
    assert pid_alive(init)
    assert state(run, container_id)["status"] == "running"
    # Only the init is left in the container.
    ps = probe(run, container_id, "ls", "/proc")["entries"]
    pids = sorted(int(e) for e in ps if e.isdigit())
    assert pids[0] == 1 and len(pids) == 2, pids  # the init and the probe itself


# --------------------------------------------------------------------------
# paused containers


def test_ignore_paused_runs_once_resumed(ocirt, root, run, bundle, container_id, tmp_path):
    start(run, bundle, container_id)
    assert run("pause", container_id).rc == 0
    out = tmp_path / "exec-paused.out"
    with open(out, "wb") as f:
        p = subprocess.Popen([ocirt, "--root", str(root), "exec", "--ignore-paused", container_id,
                              "/probe", "pid"], stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
    try:
        resumed = {}

        def resume():
            time.sleep(0.5)
            resumed["before"] = p.poll()
            resumed["result"] = run("resume", container_id)

        t = threading.Thread(target=resume)
        t.start()
        t.join(timeout=30)
        rc = p.wait(timeout=15)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
            run("resume", container_id)
    text = out.read_text()
    assert resumed["result"].rc == 0, resumed["result"].stderr
    assert rc == 0, text
    assert json.loads(text.strip().splitlines()[-1])["pid"] > 1
    assert resumed["before"] is None, "the exec'd process ran while the container was paused"
    assert state(run, container_id)["status"] == "running"


# --------------------------------------------------------------------------
# file descriptors


def probe_fds(r):
    assert r.rc == 0, r.stderr
    return {d["fd"]: d["target"] for d in r.json()["fds"]}


def test_caller_fds_do_not_leak(run, bundle, container_id, tmp_path):
    start(run, bundle, container_id)
    secret = tmp_path / "secret-fd-file"
    secret.write_text("x")
    fd = os.open(secret, os.O_RDONLY)
    try:
        r = run("exec", container_id, "/probe", "fds", pass_fds=(fd,))
    finally:
        os.close(fd)
    fds = probe_fds(r)
    assert sorted(fds) == [0, 1, 2], fds


def _run_with_fd3(ocirt, root, path, *args):
    """ocirt ARGS with `path` open on fd 3 (through a shell redirection)."""
    cmd = [ocirt, "--root", str(root)] + [str(a) for a in args]
    return subprocess.run(["/bin/sh", "-c", 'exec "$@" 3<"$FD3_PATH"', "sh"] + cmd,
                          env=dict(os.environ, FD3_PATH=str(path)), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def test_preserve_fds_keeps_fd_3(ocirt, root, run, bundle, container_id, tmp_path):
    start(run, bundle, container_id)
    passed = tmp_path / "passed-fd-file"
    passed.write_text("content-of-fd-3\n")

    r = _run_with_fd3(ocirt, root, passed, "exec", "--preserve-fds", "1", container_id,
                      "/probe", "fds")
    assert r.returncode == 0, r.stderr
    fds = {d["fd"]: d["target"] for d in json.loads(r.stdout)["fds"]}
    assert sorted(fds) == [0, 1, 2, 3], fds
    assert fds[3].endswith("passed-fd-file"), fds

    r = _run_with_fd3(ocirt, root, passed, "exec", "--preserve-fds", "1", container_id,
                      "cat", "/proc/self/fd/3")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "content-of-fd-3\n"

    # Without the flag the same fd 3 is closed.
    r = _run_with_fd3(ocirt, root, passed, "exec", container_id, "/probe", "fds")
    assert r.returncode == 0, r.stderr
    assert sorted(d["fd"] for d in json.loads(r.stdout)["fds"]) == [0, 1, 2]


# --------------------------------------------------------------------------
# seccomp


def errno_profile():
    return {"defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}


MKDIR = "mkdir /tmp/exec-dir 2>&1; echo rc=$?; test -d /tmp/exec-dir && echo exists || echo absent"


@pytest.mark.parametrize("no_new_privs", [True, False], ids=["nnp", "no-nnp"])
@pytest.mark.parametrize("user", [None, "1000:1000"], ids=["root", "uid1000"])
def test_seccomp_filter_applies_to_exec(run, bundle, container_id, no_new_privs, user):
    bundle.add_mount("/tmp", type="tmpfs", source="tmpfs", options=["nosuid", "nodev", "mode=1777"])
    bundle.set("process.noNewPrivileges", no_new_privs)
    bundle.set("linux.seccomp", errno_profile())
    start(run, bundle, container_id)

    flags = ("-u", user) if user else ()
    r = run("exec", *flags, container_id, "sh", "-c", MKDIR)

    assert r.rc == 0, r.stderr
    assert "Operation not permitted" in r.stdout, r.stdout
    assert "rc=1" in r.stdout and "absent" in r.stdout, r.stdout
    status = probe(run, container_id, "seccomp", flags=flags)
    assert status["Seccomp"] == "2", status


def test_seccomp_control_without_filter(run, bundle, container_id):
    """The same command without linux.seccomp makes the directory: the test
    above fails for the filter's sake, not the mount's."""
    bundle.add_mount("/tmp", type="tmpfs", source="tmpfs", options=["nosuid", "nodev", "mode=1777"])
    start(run, bundle, container_id)
    r = run("exec", "-u", "1000:1000", container_id, "sh", "-c", MKDIR)
    assert r.rc == 0, r.stderr
    assert "rc=0" in r.stdout and "exists" in r.stdout, r.stdout
    assert probe(run, container_id, "seccomp")["Seccomp"] == "0"


# --------------------------------------------------------------------------
# --cgroup


def make_sub_cgroups(init, cid, name):
    """mkdir NAME in each of the container's cgroup directories (cpuset's
    cpus and mems copied down, or v1 refuses tasks); returns the dirs."""
    made = []
    for controller in mounts():
        d = cgroup_dir(init, controller)
        if d is None or not os.path.isdir(d):
            continue
        if not d.rstrip("/").endswith("/" + cid):
            pytest.skip(f"the container's {controller or 'cgroup2'} cgroup is not named after it: {d}")
        sub = os.path.join(d, name)
        os.mkdir(sub)
        made.append(sub)
        for knob in ("cpuset.cpus", "cpuset.mems"):
            if os.path.exists(os.path.join(sub, knob)):
                with open(os.path.join(d, knob)) as src, open(os.path.join(sub, knob), "w") as dst:
                    dst.write(src.read())
    return made


def test_cgroup_flag_joins_a_sub_cgroup(run, bundle, container_id):
    init = start(run, bundle, container_id)
    lines = host_cgroup_lines(init)
    made = make_sub_cgroups(init, container_id, "exec-sub")
    try:
        r = run("exec", "--cgroup", "exec-sub", container_id, "/probe", "cgroup")
        assert r.rc == 0, r.stderr
        seen = r.json()["cgroup"]
        assert len(seen) == len(lines), (seen, lines)
        for line, want in zip(seen, lines):
            assert line == want.rstrip("/") + "/exec-sub", (line, want)
        # The init stays where it was.
        assert host_cgroup_lines(init) == lines

        # delete removes the sub-cgroups the container's cgroup holds.
        r = run("delete", "--force", container_id)
        assert r.rc == 0, r.stderr
        assert [d for d in made if os.path.exists(d)] == []
    finally:
        for sub in made:
            try:
                os.rmdir(sub)
            except OSError:
                pass


def test_cgroup_flag_per_controller(run, bundle, container_id):
    """CONTROLLER:PATH joins PATH in that controller's hierarchy only; a
    general spec covers the rest, whatever the order; "/" is the top."""
    init = start(run, bundle, container_id)
    lines = host_cgroup_lines(init)
    made = make_sub_cgroups(init, container_id, "sub-a") + make_sub_cgroups(init, container_id, "sub-b")
    try:
        r = run("exec", "--cgroup", "memory:sub-a", "--cgroup", "/sub-b", container_id, "/probe", "cgroup")
        assert r.rc == 0, r.stderr
        for line, want in zip(r.json()["cgroup"], lines):
            controllers = line.split(":")[1].split(",")
            sub = "sub-a" if "memory" in controllers else "sub-b"
            assert line == want.rstrip("/") + "/" + sub, (line, want)
        r = run("exec", "--cgroup", "/", container_id, "/probe", "cgroup")
        assert r.rc == 0, r.stderr
        assert r.json()["cgroup"] == lines
    finally:
        run("delete", "--force", container_id)
        for sub in reversed(made):
            try:
                os.rmdir(sub)
            except OSError:
                pass


def test_cgroup_flag_missing_sub_cgroup_refused(run, bundle, container_id):
    """Worded as runc's error: callers (and runc's tests) match it."""
    start(run, bundle, container_id)
    for spec in ("no-such-sub", "memory:no-such-sub"):
        r = run("exec", "--cgroup", spec, container_id, "true")
        assert_refused(r, "no-such-sub")
        assert " adding pid " in r.stderr and "/no-such-sub/cgroup.procs: no such file " in r.stderr, r.stderr


def test_cgroup_flag_unknown_controller_refused(run, bundle, container_id):
    start(run, bundle, container_id)
    r = run("exec", "--cgroup", "whaaat:/", container_id, "true")
    assert_refused(r, "unknown controller `whaaat`")


@pytest.mark.parametrize("sub", ["../escape", "..", "a/../../b", "memory:../x"])
def test_cgroup_flag_escape_refused(run, bundle, container_id, sub):
    start(run, bundle, container_id)
    assert_refused(run("exec", "--cgroup", sub, container_id, "true"), "is not a sub cgroup path")


# --------------------------------------------------------------------------
# signals


def test_sigterm_is_forwarded(ocirt, root, run, bundle, container_id):
    start(run, bundle, container_id)
    p = subprocess.Popen([ocirt, "--root", str(root), "exec", container_id, "/probe", "signal-wait"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = b""
        deadline = time.monotonic() + 10
        while not line.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([p.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(p.stdout.fileno(), 1)
                if not chunk:
                    break
                line += chunk
        assert line == b"ready\n", line
        time.sleep(0.1)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, err
    got = json.loads(out.decode().strip().splitlines()[-1])
    assert got["signal"] == signal.SIGTERM, got
    assert got["sender_pid"] == 0, "the signal comes from outside the container's pid namespace"
    assert state(run, container_id)["status"] == "running"


def children_of(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def test_sigterm_during_setup_is_forwarded(ocirt, root, run, bundle, container_id):
    """A signal that reaches `ocirt exec` before the process runs is passed
    on once it does, as runc does (its handler is set up before the start),
    instead of killing ocirt and orphaning the half-made process. The window
    is made wide by exec --ignore-paused into a paused container: the new
    process is frozen until resume."""
    start(run, bundle, container_id)
    assert run("pause", container_id).rc == 0
    p = subprocess.Popen([ocirt, "--root", str(root), "exec", "--ignore-paused", container_id,
                          "/probe", "signal-wait"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        wait_for(lambda: children_of(p.pid), 10, "ocirt exec to clone the process")
        time.sleep(0.2)
        assert p.poll() is None, "exec finished in a paused container"
        p.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        assert run("resume", container_id).rc == 0
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
        run("resume", container_id)
    assert p.returncode >= 0, f"ocirt exec was killed by signal {-p.returncode}: stderr {err!r}"
    # Forwarded before the probe blocked it (143) or after (the probe reports it).
    if p.returncode == 0:
        assert json.loads(out.decode().strip().splitlines()[-1])["signal"] == signal.SIGTERM
    else:
        assert p.returncode == 128 + signal.SIGTERM, (p.returncode, out, err)
    # Nothing of the exec is left in the container, not even a zombie.
    pids = sorted(int(e) for e in probe(run, container_id, "ls", "/proc")["entries"] if e.isdigit())
    assert len(pids) == 2, f"processes in the container: {pids} (the init and the probe expected)"


# --------------------------------------------------------------------------
# nothing leaks


def test_detached_process_dies_with_the_container(run, bundle, container_id, tmp_path, leftovers):
    start(run, bundle, container_id)
    pid_file = tmp_path / "exec.pid"
    assert run("exec", "-d", "--pid-file", pid_file, container_id, "sleep", "1000").rc == 0
    pid = read_pid_file(pid_file)
    assert pid_alive(pid)

    r = run("delete", "--force", container_id)

    assert r.rc == 0, r.stderr
    wait_for(lambda: not pid_alive(pid), 5, f"exec'd process {pid} to die")
    assert leftovers() == []


def test_detached_process_dies_with_a_container_without_pid_namespace(run, bundle, container_id, tmp_path,
                                                                      leftovers):
    """Without a pid namespace killing the init does not take the others
    along: delete must kill every process of the container's cgroup."""
    bundle.remove_namespace("pid")
    start(run, bundle, container_id)
    pid_file = tmp_path / "exec.pid"
    assert run("exec", "-d", "--pid-file", pid_file, container_id, "sleep", "1000").rc == 0
    pid = read_pid_file(pid_file)
    assert pid_alive(pid)

    r = run("delete", "--force", container_id)

    assert r.rc == 0, r.stderr
    wait_for(lambda: not pid_alive(pid), 5, f"exec'd process {pid} to die")
    assert leftovers() == []


def test_exec_leaves_no_state_behind(run, bundle, container_id, root):
    start(run, bundle, container_id)
    before = sorted(os.listdir(root / container_id))
    assert run("exec", container_id, "true").rc == 0
    assert run("exec", container_id, "no-such-command").rc == 255
    assert sorted(os.listdir(root / container_id)) == before
