# SPDX-License-Identifier: GPL-2.0-or-later
"""linux.resources against real containers: each limit lands in the
container's cgroup and bites, devices are filtered, and no cgroup outlives
the container (config-linux.md "Control groups")."""

import json
import os
import subprocess
import time

import pytest
from helpers.cgroups import container_cgroup, exists, mounts, no_swap, read, start_and_wait
from helpers.lifecycle import state, wait_file, wait_for

pytestmark = pytest.mark.needs_root

READY = ["sh", "-c", "touch /ready; exec sleep 1000"]


def test_memory_limit_written(run, bundle, container_id):
    bundle.args(*READY).set("linux.resources.memory", {"limit": 33554432, "swap": 67108864, "reservation": 16777216})
    start_and_wait(run, bundle, container_id)
    d = container_cgroup(run, container_id, "memory")
    assert read(f"{d}/memory.limit_in_bytes") == "33554432"
    assert read(f"{d}/memory.soft_limit_in_bytes") == "16777216"
    if exists(f"{d}/memory.memsw.limit_in_bytes"):
        assert read(f"{d}/memory.memsw.limit_in_bytes") == "67108864"


def test_cpu_and_cpuset_files(run, bundle, container_id):
    bundle.args(*READY).set("linux.resources.cpu",
                            {"shares": 256, "quota": 20000, "period": 50000, "cpus": "0", "mems": "0"})
    start_and_wait(run, bundle, container_id)
    d = container_cgroup(run, container_id, "cpu")
    assert read(f"{d}/cpu.shares") == "256"
    assert read(f"{d}/cpu.cfs_quota_us") == "20000"
    assert read(f"{d}/cpu.cfs_period_us") == "50000"
    s = container_cgroup(run, container_id, "cpuset")
    assert read(f"{s}/cpuset.cpus") == "0"
    assert read(f"{s}/cpuset.mems") == "0"
    # The process is confined to CPU 0.
    pid = state(run, container_id)["pid"]
    assert os.sched_getaffinity(pid) == {0}


def test_pids_limit_bites(run, bundle, container_id):
    # The forks happen in a subshell (ash gives up at the first failed
    # fork); after it, builtins only: even `touch` would need a fork.
    script = "(for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done) 2>/err; echo > /ready; exec sleep 1000"
    bundle.args("sh", "-c", script).set("linux.resources.pids", {"limit": 5})
    start_and_wait(run, bundle, container_id)
    d = container_cgroup(run, container_id, "pids")
    assert read(f"{d}/pids.max") == "5"
    assert int(read(f"{d}/pids.current")) <= 5
    err = (bundle.rootfs / "err").read_text()
    assert "fork" in err or "Resource temporarily unavailable" in err, err


def test_oom_kill_is_reported_by_events(run, bundle, container_id, ocirt, root, tmp_path):
    # dd reads 128 MiB into one buffer: far beyond the 32 MiB limit, no swap.
    script = ("while [ ! -e /go ]; do sleep 0.05; done; dd if=/dev/zero of=/dev/null bs=128M count=1; "
              "echo $? > /done; exec sleep 1000")
    bundle.args("sh", "-c", script).set("linux.resources.memory", no_swap(33554432))
    bundle.set("root.readonly", False).write()
    r = run("create", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    container_cgroup(run, container_id, "memory")
    assert run("start", container_id).rc == 0
    out = open(tmp_path / "events.out", "w+")
    events = subprocess.Popen([ocirt, "--root", str(root), "events", "--interval", "1s", container_id],
                              stdout=out, stderr=subprocess.STDOUT)
    try:
        time.sleep(0.5)  # let it register for OOM notifications
        (bundle.rootfs / "go").touch()
        status = wait_file(bundle.rootfs / "done", "\n", timeout=20).strip()
        assert status != "0", "dd was not killed"

        def oom_seen():
            out.seek(0)
            return [e for e in map(json.loads, filter(None, out.read().splitlines())) if e["type"] == "oom"]

        ooms = wait_for(oom_seen, 10, "an oom event")
        assert ooms[0]["id"] == container_id
    finally:
        events.kill()
        events.wait()
        out.close()


def _open_device_script(path):
    return f"if (exec 3<{path}); then echo opened; else echo denied; fi > /result; touch /ready; exec sleep 1000"


def test_devices_deny_blocks_a_node(run, bundle, container_id):
    # The default config denies every device but the standard ones: a node
    # made inside (mknod is allowed) cannot be opened.
    bundle.args("sh", "-c", "mknod /fuse c 10 229 2>/mknod.err; " + _open_device_script("/fuse"))
    caps = bundle.config["process"]["capabilities"]
    for kind in caps:
        caps[kind] = sorted(set(caps[kind]) | {"CAP_MKNOD"})
    start_and_wait(run, bundle, container_id)
    d = container_cgroup(run, container_id, "devices")
    assert (bundle.rootfs / "fuse").is_char_device(), (bundle.rootfs / "mknod.err").read_text()
    assert (bundle.rootfs / "result").read_text().strip() == "denied"
    rules = read(f"{d}/devices.list").splitlines()
    assert "c 1:3 rwm" in rules  # /dev/null stays usable
    assert "a *:* rwm" not in rules


@pytest.mark.parametrize("allowed", [False, True])
def test_linux_devices_need_an_allow_rule(run, bundle, container_id, allowed):
    """A linux.devices node is created; opening it is what
    linux.resources.devices says (runc: dev.bats "device cgroup deny")."""
    bundle.args("sh", "-c", _open_device_script("/dev/fuse"))
    bundle.config["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                                          "fileMode": 0o600, "uid": 0, "gid": 0}]
    if allowed:
        bundle.config["linux"]["resources"]["devices"].append(
            {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rw"})
    start_and_wait(run, bundle, container_id)
    container_cgroup(run, container_id, "devices")
    assert (bundle.rootfs / "result").read_text().strip() == ("opened" if allowed else "denied")


def test_pause_freezes_the_processes(run, bundle, container_id):
    bundle.args(*READY)
    s = start_and_wait(run, bundle, container_id)
    d = container_cgroup(run, container_id, "freezer")
    assert run("pause", container_id).rc == 0
    assert state(run, container_id)["status"] == "paused"
    assert read(f"{d}/freezer.state") == "FROZEN"
    with open(f"/proc/{s['pid']}/status") as f:
        st = [line for line in f if line.startswith("State:")][0]
    assert "D" in st or "T" in st, st
    assert run("resume", container_id).rc == 0
    assert state(run, container_id)["status"] == "running"
    assert read(f"{d}/freezer.state") == "THAWED"


def test_delete_removes_every_cgroup_even_nested(run, bundle, container_id):
    bundle.args("sh", "-c", "sleep 1000 & touch /ready; exec sleep 1000")
    s = start_and_wait(run, bundle, container_id)
    dirs = {c: container_cgroup(run, container_id, c) for c in mounts() if c in ("memory", "pids", "freezer", "")}
    # A process of the container moves itself into a sub-cgroup it made.
    child = [p for p in open(f"{dirs['pids']}/cgroup.procs").read().split() if int(p) != s["pid"]][0]
    for d in dirs.values():
        os.mkdir(f"{d}/sub")
        with open(f"{d}/sub/cgroup.procs", "w") as f:
            f.write(child)
    assert run("delete", "--force", container_id).rc == 0
    for d in dirs.values():
        assert not exists(d), d


def test_unified_on_v1_controller_is_refused(run, bundle, container_id, leftovers):
    if "memory" not in mounts():
        pytest.skip("memory is not a v1 controller here")
    bundle.args("true").set("linux.resources.unified", {"memory.max": "1000000"}).write()
    r = run("create", "--bundle", bundle, container_id)
    if r.rc == 0:
        pytest.skip("create does not plan cgroups yet")
    assert "unified" in r.stderr
    assert leftovers() == []
