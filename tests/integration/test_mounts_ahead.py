# SPDX-License-Identifier: GPL-2.0-or-later
"""What is made ahead (src/core/ahead.h): the network namespace, by a
helper begun as soon as config.json is read, and the part of the rootfs
the init sets up before it joins its cgroups, in its new mount (and IPC,
and network) namespaces: mounts of a type that needs nothing of what comes
later (proc, tmpfs, devpts, mqueue, sysfs) go first; everything else, and every
mount nested with one left for later or reached through a symlink, keeps
its place in the order. From inside, the result must be the one the
configured order gives."""

import json
import os
import socket
import subprocess

import pytest
from helpers.mountinfo import parse_mountinfo
from test_namespaces import namespace_holder, traversable_bundle  # noqa: F401 (fixture)
from test_run import popen_run, stop, wait_running

pytestmark = pytest.mark.needs_root


def mounts_of(run, bundle, container_id):
    """The container's mount table, with two markers added: a bind (never
    made ahead) listed before a tmpfs (made ahead when anything is)."""
    marker = bundle.path / "marker"
    marker.mkdir(exist_ok=True)
    bundle.add_mount("/home", "none", marker, ["bind"])
    bundle.add_mount("/run", "tmpfs", "tmpfs", ["size=1m"])
    bundle.probe("mounts").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    return parse_mountinfo(r.json()["mountinfo"])


def top(mounts, point):
    found = [m for m in mounts if m["point"] == point]
    assert found, f"no mount on {point}: {sorted(m['point'] for m in mounts)}"
    return found[-1]


def made_ahead(mounts):
    """Whether the marker tmpfs was mounted before the marker bind, though
    the config lists it after. mountinfo lists a namespace's mounts in the
    order they were made (their ids are reused, so no use here)."""
    points = [m["point"] for m in mounts]
    return points.index("/run") < points.index("/home")


def test_default_mounts_are_made_ahead(run, bundle, container_id):
    assert made_ahead(mounts_of(run, bundle, container_id))


def test_proc_is_made_ahead(run, bundle, container_id):
    """The init is in its pid namespace from birth: proc goes ahead too, so
    it comes before a bind listed first."""
    marker = bundle.path / "first"
    marker.mkdir()
    bundle.config["mounts"].insert(0, {"destination": "/mnt/first", "type": "none", "source": str(marker),
                                       "options": ["bind"]})
    points = [m["point"] for m in mounts_of(run, bundle, container_id)]
    assert points.index("/proc") < points.index("/mnt/first")


def test_nothing_ahead_with_a_user_namespace(run, traversable_bundle, container_id):
    bundle = traversable_bundle
    bundle.add_namespace("user")
    bundle.set("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    bundle.set("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    assert not made_ahead(mounts_of(run, bundle, container_id))


def test_tmpfs_over_proc_comes_after_proc(run, bundle, container_id):
    """A tmpfs on /proc/tty (listed after /proc) may only be mounted once proc
    is: it must end up on top of the proc mount, not under it."""
    bundle.add_mount("/proc/tty", "tmpfs", "tmpfs", ["size=1m"])
    mounts = mounts_of(run, bundle, container_id)
    over = top(mounts, "/proc/tty")
    assert over["fstype"] == "tmpfs"
    assert over["parent"] == top(mounts, "/proc")["id"]


def test_destination_through_a_symlink_keeps_its_order(run, bundle, container_id):
    """/plink -> /proc in the rootfs: /plink/tty is /proc/tty, which only the
    path resolved after proc is mounted shows. Nothing may be made on disk
    under the rootfs's own /proc either."""
    os.symlink("/proc", bundle.rootfs / "plink")
    bundle.add_mount("/plink/tty", "tmpfs", "tmpfs", ["size=1m"])
    mounts = mounts_of(run, bundle, container_id)
    over = top(mounts, "/proc/tty")
    assert over["fstype"] == "tmpfs"
    assert over["parent"] == top(mounts, "/proc")["id"]
    assert not (bundle.rootfs / "proc" / "tty").exists()


def test_sysfs_shows_the_containers_network(run, bundle, container_id):
    bundle.args("/bin/sh", "-c", "ls /sys/class/net").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.stdout.split() == ["lo"]


@pytest.mark.parametrize("mentioned", [False, True], ids=["plain", "network-mentioned"])
def test_sysfs_without_a_network_namespace(run, bundle, container_id, mentioned):
    """No new network namespace: /sys shows the host's devices, as with runc.
    A config that names "network" elsewhere has a namespace begun for it
    before it is parsed, dropped once the plan is known."""
    bundle.remove_namespace("network")
    if mentioned:
        bundle.set("annotations", {"network": "host"})
    bundle.args("/bin/sh", "-c", "ls /sys/class/net").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert sorted(r.stdout.split()) == sorted(os.listdir("/sys/class/net"))


@pytest.fixture
def named_netns():
    """A network namespace made the way Podman and CRI-O make one (ip netns),
    holding lo and one end of a veth pair."""
    name = f"ocirt-test-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "link", "add", f"v{os.getpid() % 100000}", "type", "veth", "peer", "name",
                        "ocirt-peer", "netns", name], check=True)
        yield f"/run/netns/{name}"
    finally:
        subprocess.run(["ip", "link", "del", f"v{os.getpid() % 100000}"], check=False)
        subprocess.run(["ip", "netns", "del", name], check=True)


def test_sysfs_of_a_joined_network_namespace(run, bundle, container_id, named_netns):
    """Joined by path, as Podman and CRI-O pass it: the init enters it
    before it mounts sysfs ahead."""
    bundle.add_namespace("network", named_netns)
    bundle.args("/bin/sh", "-c", "ls /sys/class/net").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert sorted(r.stdout.split()) == ["lo", "ocirt-peer"]
    assert made_ahead(mounts_of(run, bundle, container_id + "-m"))


def test_network_namespace_in_a_user_namespace(run, traversable_bundle, container_id):
    """A new user namespace must own the network namespace: the one begun
    before the config was parsed is dropped, the init makes its own."""
    bundle = traversable_bundle
    bundle.add_namespace("user")
    bundle.set("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    bundle.set("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    bundle.args("/bin/sh", "-c", "ls /sys/class/net; cat /proc/self/uid_map").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.stdout.split()[0] == "lo"
    assert r.stdout.split()[1:] == ["0", "100000", "65536"]


@pytest.fixture
def host_queue(tmp_path):
    """A POSIX message queue of the host's IPC namespace, made through an
    mqueue mount of our own."""
    d = tmp_path / "mq"
    d.mkdir()
    subprocess.run(["mount", "-t", "mqueue", "ocirt-test-mq", str(d)], check=True)
    try:
        (d / "ocirt-test-queue").touch()
        yield "ocirt-test-queue"
    finally:
        (d / "ocirt-test-queue").unlink(missing_ok=True)
        subprocess.run(["umount", str(d)], check=True)


def test_mqueue_is_the_containers(run, bundle, container_id, host_queue):
    bundle.args("/bin/sh", "-c", "ls -A /dev/mqueue; echo end").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.stdout.split() == ["end"], r.stdout


@pytest.fixture
def ipcns_holder():
    """A process in an IPC namespace of its own; yields the path of it."""
    with namespace_holder("ipc") as pid:
        yield f"/proc/{pid}/ns/ipc"


def test_mqueue_of_a_joined_ipc_namespace(run, bundle, container_id, host_queue, ipcns_holder):
    """Joined by path: the init enters it before it mounts mqueue ahead, so
    /dev/mqueue shows that namespace's queues (none), not the host's."""
    bundle.add_namespace("ipc", ipcns_holder)
    bundle.args("/bin/sh", "-c", "readlink /proc/self/ns/ipc; ls -A /dev/mqueue; echo end").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.stdout.split() == [os.readlink(ipcns_holder), "end"], r.stdout


def test_mqueue_without_an_ipc_namespace(run, bundle, container_id, host_queue):
    """No new IPC namespace: /dev/mqueue is the host's queues, as with runc."""
    bundle.remove_namespace("ipc")
    bundle.args("/bin/sh", "-c", "ls -A /dev/mqueue").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert host_queue in r.stdout.split()


def test_failing_mount_ahead_is_the_containers_error(run, bundle, container_id, root, leftovers):
    """The init fails while the runtime makes its v1 cgroups, before or
    after SYNC_PROCEED reaches it (timing decides, so several rounds): its
    own error is what the user reads, and nothing is left."""
    bundle.add_mount("/mnt/bad", "tmpfs", "tmpfs", ["size=not-a-size"])
    bundle.probe("exit", "0").write()
    for i in range(10):
        r = run("run", "--bundle", bundle, f"{container_id}-{i}")
        assert r.rc != 0
        assert len(r.stderr_lines()) == 1, r.stderr
        assert "(/mnt/bad)" in r.stderr, r.stderr
        assert os.listdir(root) == []
    assert leftovers() == []


def test_network_namespace_the_text_does_not_show(run, bundle, container_id):
    """A "network" spelled with an escape is not seen in the text, so no
    helper is begun; the init makes the namespace itself, with lo up."""
    bundle.args("/bin/sh", "-c", "ls /sys/class/net; cat /sys/class/net/lo/flags").write()
    path = bundle.path / "config.json"
    text = path.read_text()
    assert text.count('"network"') == 1
    path.write_text(text.replace('"network"', '"netw\\u006frk"'))
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    names, flags = r.stdout.split()
    assert names == "lo"
    assert int(flags, 16) & 0x1, "lo is not up"


def test_the_helper_is_reaped(run, harness, bundle, container_id):
    """While a foreground `run` waits, the runtime's only child is the init:
    the helper that made the network namespace is gone and reaped."""
    bundle.probe("sleep", "30").write()
    p, _ = popen_run(harness, bundle, container_id)
    try:
        wait_running(run, container_id, p)
        init = json.loads(run("state", container_id).stdout)["pid"]
        children = []
        for task in os.listdir(f"/proc/{p.pid}/task"):
            children += open(f"/proc/{p.pid}/task/{task}/children").read().split()
        assert children == [str(init)]
    finally:
        stop(p)
    run("delete", "--force", container_id)


# --------------------------------------------------------------------------
# the network namespace's helper: begun by the launcher, or by the runtime


def net_report(bundle):
    bundle.args("/bin/sh", "-c", "cat /sys/class/net/lo/flags; readlink /proc/self/ns/net").write()


def check_fresh_net(out):
    flags, ns = out.split()
    assert int(flags, 16) & 0x1, "lo is not up"
    assert ns != os.readlink("/proc/self/ns/net"), "the container is in the host's network namespace"


def traced_run(binary, root, bundle, container_id, trace):
    # Under strace, LeakSanitizer (in the sanitizer build) cannot stop the
    # world to scan for leaks and aborts instead: leaks are left to the
    # untraced runs.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=clone,execve,execveat,wait4", "-o", str(trace),
                        binary, "--root", str(root), "run", "--bundle", str(bundle.path), container_id],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout, trace.read_text().splitlines()


def helper_clones(lines, pid):
    """(line number, helper pid) of each clone(CLONE_VM) made by `pid`."""
    return [(i, line.rsplit("=", 1)[1].strip()) for i, line in enumerate(lines)
            if line.split()[0] == pid and "clone(" in line and "CLONE_VM" in line]


def test_the_launcher_begins_the_network_namespace(ocirt, root, bundle, container_id, tmp_path):
    """Through the launcher the helper is cloned before the runtime is even
    executed; the runtime then takes it over (reaps it) and begins none."""
    net_report(bundle)
    out, lines = traced_run(ocirt, root, bundle, container_id, tmp_path / "trace")
    check_fresh_net(out)
    us = lines[0].split()[0]
    started = next(i for i, line in enumerate(lines) if line.split()[0] == us and "execveat(" in line)
    clones = helper_clones(lines, us)
    assert [i < started for i, _ in clones] == [True], lines
    helper = clones[0][1]
    assert any(line.split()[0] == us and f"wait4({helper}," in line for line in lines[started:]), lines


def test_a_run_that_fails_first_reaps_the_launchers_helper(ocirt, root, bundle, container_id, tmp_path):
    """A create or run that fails before it takes the helper over (here: an
    option value only the runtime checks) still reaps it before exiting."""
    net_report(bundle)
    trace = tmp_path / "trace"
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=clone,execveat,wait4,exit_group", "-o", str(trace),
                        ocirt, "--root", str(root), "run", "--preserve-fds", "many", "--bundle", str(bundle.path),
                        container_id], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode != 0
    assert "--preserve-fds" in r.stderr
    lines = trace.read_text().splitlines()
    us = lines[0].split()[0]
    clones = helper_clones(lines, us)
    assert len(clones) == 1, lines
    reaped = [i for i, line in enumerate(lines) if line.split()[0] == us and f"wait4({clones[0][1]}," in line]
    exited = [i for i, line in enumerate(lines) if line.split()[0] == us and "exit_group(" in line]
    assert reaped and exited and reaped[0] < exited[0], lines


def test_the_runtime_alone_begins_its_own(ocirt_runtime, root, bundle, container_id, tmp_path):
    """Started without the launcher, the runtime begins the helper itself."""
    net_report(bundle)
    out, lines = traced_run(ocirt_runtime, root, bundle, container_id, tmp_path / "trace")
    check_fresh_net(out)
    us = lines[0].split()[0]
    clones = helper_clones(lines, us)
    assert len(clones) == 1, lines
    assert any(line.split()[0] == us and f"wait4({clones[0][1]}," in line for line in lines), lines


def forged_hand_over(runtime, root, bundle, container_id, out, pid_of):
    """Execs the runtime from a child of ours after making, as the launcher
    would, a socket (with our own network namespace waiting in it) and a
    child of that process, and naming them in the environment: `pid_of`
    gives the pid named from that child's."""
    host_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
    pid = os.fork()
    if pid == 0:
        try:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            socket.send_fds(theirs, [b"x"], [host_ns])
            sleeper = subprocess.Popen(["sleep", "0.1"])
            os.set_inheritable(ours.fileno(), True)
            os.environ["OCIRT_AHEAD_NET"] = f"{ours.fileno()}:{pid_of(sleeper.pid)}"
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.execv(runtime, [runtime, "--root", str(root), "run", "--bundle", str(bundle.path), container_id])
        finally:
            os._exit(127)
    os.close(host_ns)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with open(out) as f:
        return f.read()


def test_a_hand_over_that_is_not_the_launchers(ocirt_runtime, root, bundle, container_id, tmp_path):
    """What the environment names is taken only if it is a sequenced-packet
    socket this process made and a child of its own; even then, the
    runtime's own network namespace sent through it is no new one: the
    container gets a new one all the same."""
    net_report(bundle)
    for i, pid_of in enumerate((lambda child: 1, lambda child: child)):
        out = forged_hand_over(ocirt_runtime, root, bundle, f"{container_id}-{i}", tmp_path / f"out{i}", pid_of)
        check_fresh_net(out)


def _cpuset_v1_resets_affinity():
    with open("/proc/self/cgroup") as f:
        return any("cpuset" in line.split(":")[1].split(",") for line in f if line.count(":") >= 2)


@pytest.mark.skipif(_cpuset_v1_resets_affinity(),
                    reason="joining a v1 cpuset cgroup resets a task's CPU affinity here, whatever the "
                           "init was moved to; the init's own return to every CPU is what hosts without "
                           "a v1 cpuset hierarchy need")
def test_the_container_gets_every_cpu(run, bundle, container_id):
    """The init is moved off the runtime's CPU while both work; the
    container's process must get back every CPU the runtime had."""
    bundle.args("/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    with open("/proc/self/status") as f:
        ours = [line.strip() for line in f if line.startswith("Cpus_allowed_list")]
    assert r.stdout.split("\n")[0].strip() == ours[0]
