# SPDX-License-Identifier: GPL-2.0-or-later
"""pause, resume, update, ps and events, with runc's flags and output as
containerd and Podman use them (CLIENTS.md)."""

import json
import os
import subprocess

import pytest
from helpers.cgroups import container_cgroup, read, start_and_wait
from helpers.lifecycle import state, wait_for

pytestmark = pytest.mark.needs_root

READY = ["sh", "-c", "sleep 1000 & touch /ready; exec sleep 1000"]


def test_pause_and_resume_errors(run, bundle, container_id):
    bundle.args(*READY)
    start_and_wait(run, bundle, container_id)
    container_cgroup(run, container_id, "freezer")
    r = run("resume", container_id)
    assert r.rc != 0 and "container not paused" in r.stderr
    assert run("pause", container_id).rc == 0
    r = run("pause", container_id)
    assert r.rc != 0 and "container not running" in r.stderr
    assert run("resume", container_id).rc == 0
    assert run("kill", container_id, "KILL").rc == 0
    wait_for(lambda: state(run, container_id)["status"] == "stopped", 10, "the container to stop")
    r = run("pause", container_id)
    assert r.rc != 0 and "container not running" in r.stderr


def test_pause_unknown_container(run):
    r = run("pause", "nosuchcontainer")
    assert r.rc != 0 and "does not exist" in r.stderr


def test_update_flags_change_the_files(run, bundle, container_id):
    bundle.args(*READY).set("linux.resources", {"memory": {"limit": 67108864}, "pids": {"limit": 100}})
    start_and_wait(run, bundle, container_id)
    mem = container_cgroup(run, container_id, "memory")
    cpu = container_cgroup(run, container_id, "cpu")
    pids = container_cgroup(run, container_id, "pids")
    r = run("update", "--memory", "100m", "--memory-reservation", "50M", "--cpu-share", "300",
            "--cpu-period", "100000", "--cpu-quota", "30000", "--pids-limit", "50", container_id)
    assert r.rc == 0, r.stderr
    assert read(f"{mem}/memory.limit_in_bytes") == str(100 * 1024 * 1024)
    assert read(f"{mem}/memory.soft_limit_in_bytes") == str(50 * 1024 * 1024)
    assert read(f"{cpu}/cpu.shares") == "300"
    assert read(f"{cpu}/cpu.cfs_quota_us") == "30000"
    assert read(f"{pids}/pids.max") == "50"
    r = run("update", "--pids-limit", "-1", container_id)
    assert r.rc == 0, r.stderr
    assert read(f"{pids}/pids.max") == "max"


def test_update_swap_alone_keeps_the_memory_limit(run, bundle, container_id):
    """runc's update.bats: --memory-swap alone is fine on cgroup v1, the
    cgroup already has a memory limit."""
    bundle.args(*READY).set("linux.resources", {"memory": {"limit": 33554432}})
    start_and_wait(run, bundle, container_id)
    mem = container_cgroup(run, container_id, "memory")
    if not os.path.exists(f"{mem}/memory.memsw.limit_in_bytes"):
        pytest.skip("this kernel has no swap accounting (memory.memsw.*)")
    r = run("update", "--memory-swap", "96468992", container_id)
    assert r.rc == 0, r.stderr
    assert read(f"{mem}/memory.memsw.limit_in_bytes") == "96468992"
    assert read(f"{mem}/memory.limit_in_bytes") == "33554432"


def test_update_shorter_cpu_period_under_a_pod_limit(run, bundle, container_id):
    """runc's update.bats: under a parent limited to 50 %, a 30 % limit with a
    shorter period must apply (the quota has to be written first)."""
    pod = f"/sys/fs/cgroup/cpu/pod-{container_id}"
    os.mkdir(pod)
    try:
        with open(f"{pod}/cpu.cfs_quota_us", "w") as f:
            f.write("50000")
        bundle.args(*READY).set("linux.cgroupsPath", f"/pod-{container_id}/{container_id}")
        start_and_wait(run, bundle, container_id)
        cpu = container_cgroup(run, container_id, "cpu")
        r = run("update", "--cpu-period", "10000", "--cpu-quota", "3000", container_id)
        assert r.rc == 0, r.stderr
        assert (read(f"{cpu}/cpu.cfs_period_us"), read(f"{cpu}/cpu.cfs_quota_us")) == ("10000", "3000")
    finally:
        run("delete", "--force", container_id)
        for d in (f"/sys/fs/cgroup/{h}/pod-{container_id}" for h in os.listdir("/sys/fs/cgroup")):
            if os.path.isdir(d):
                os.rmdir(d)


def test_update_resources_from_stdin_as_podman(run, bundle, container_id):
    bundle.args(*READY)
    start_and_wait(run, bundle, container_id)
    mem = container_cgroup(run, container_id, "memory")
    cpu = container_cgroup(run, container_id, "cpu")
    doc = {"memory": {"limit": 100663296, "swap": 201326592}, "cpu": {"quota": 25000, "period": 100000}}
    r = run("update", "--resources", "-", container_id, input=json.dumps(doc))
    assert r.rc == 0, r.stderr
    assert read(f"{mem}/memory.limit_in_bytes") == "100663296"
    if os.path.exists(f"{mem}/memory.memsw.limit_in_bytes"):
        assert read(f"{mem}/memory.memsw.limit_in_bytes") == "201326592"
    assert read(f"{cpu}/cpu.cfs_quota_us") == "25000"


def test_update_rejects_bad_input_and_changes_nothing(run, bundle, container_id, tmp_path):
    bundle.args(*READY).set("linux.resources.memory", {"limit": 67108864})
    start_and_wait(run, bundle, container_id)
    mem = container_cgroup(run, container_id, "memory")
    for args in (["--memory", "lots"], ["--blkio-weight", "5000"], ["--cpu-share", "-3"]):
        r = run("update", *args, container_id)
        assert r.rc != 0 and "update" in r.stderr, (args, r.stderr)
    bad = tmp_path / "bad.json"
    bad.write_text('{"memory": {"limit": 100, "swap": 10}}')
    r = run("update", "--resources", bad, container_id)
    assert r.rc != 0 and "swap" in r.stderr
    bad.write_text('{"memory": {"limit": "x"}}')
    r = run("update", "-r", bad, container_id)
    assert r.rc != 0 and "memory.limit" in r.stderr
    assert read(f"{mem}/memory.limit_in_bytes") == "67108864"


def test_ps_lists_the_container_processes(run, bundle, container_id):
    bundle.args(*READY)
    s = start_and_wait(run, bundle, container_id)
    container_cgroup(run, container_id, "pids")
    r = run("ps", "--format", "json", container_id)
    assert r.rc == 0, r.stderr
    pids = json.loads(r.stdout)
    assert s["pid"] in pids and len(pids) == 2
    for pid in pids:
        assert os.path.exists(f"/proc/{pid}")
    r = run("ps", container_id)
    assert r.rc == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "PID" in lines[0].split()
    assert len(lines) == 3 and all("sleep" in line for line in lines[1:])
    # ps options after the id go to ps(1).
    r = run("ps", container_id, "-o", "pid,comm")
    assert r.rc == 0, r.stderr
    assert r.stdout.splitlines()[0].split() == ["PID", "COMMAND"]
    assert sorted(int(line.split()[0]) for line in r.stdout.splitlines()[1:]) == sorted(pids)


def test_ps_bad_format(run, bundle, container_id):
    r = run("ps", "--format", "yaml", "whatever")
    assert r.rc != 0 and "format" in r.stderr


def test_events_stats(run, bundle, container_id):
    bundle.args(*READY).set("linux.resources", {"memory": {"limit": 67108864}, "pids": {"limit": 77}})
    start_and_wait(run, bundle, container_id)
    container_cgroup(run, container_id, "memory")
    r = run("events", "--stats", container_id)
    assert r.rc == 0, r.stderr
    ev = json.loads(r.stdout)
    assert ev["type"] == "stats" and ev["id"] == container_id
    data = ev["data"]
    assert data["memory"]["usage"]["limit"] == 67108864
    assert data["memory"]["usage"]["usage"] > 0
    assert data["pids"] == {"current": 2, "limit": 77}
    assert data["cpu"]["usage"]["total"] > 0
    assert isinstance(data["blkio"], dict) and isinstance(data["hugetlb"], dict)


def test_events_stream_ends_with_the_container(run, bundle, container_id, ocirt, root):
    bundle.args(*READY)
    start_and_wait(run, bundle, container_id)
    container_cgroup(run, container_id, "memory")
    p = subprocess.Popen([ocirt, "--root", str(root), "events", "--interval", "100ms", container_id],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(p.stdout.readline())
        assert first["type"] == "stats"
        assert run("kill", container_id, "KILL").rc == 0
        p.wait(timeout=10)
        assert p.returncode == 0, p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_systemd_cgroup_needs_systemd(run, bundle, container_id, leftovers):
    if os.path.isdir("/run/systemd/system"):
        pytest.skip("systemd runs here")
    bundle.args("true").write()
    r = run("--systemd-cgroup", "create", "--bundle", bundle, container_id)
    if r.rc == 0:
        pytest.skip("create does not plan cgroups yet")
    assert "systemd is not running: --systemd-cgroup needs it" in r.stderr
    assert leftovers() == []
