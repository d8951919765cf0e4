# SPDX-License-Identifier: GPL-2.0-or-later
"""The part of the rootfs that the runtime sets up ahead of the init, on a
thread in the container's new mount (and IPC, and network) namespaces:
mounts of a type that needs nothing of the init (tmpfs, devpts, mqueue,
sysfs) go first; everything else, and every mount nested with one left to
the init or reached through a symlink, keeps its place in the order. From
inside, the result must be the one the configured order gives."""

import os
import subprocess

import pytest
from helpers.mountinfo import parse_mountinfo
from test_namespaces import traversable_bundle  # noqa: F401 (fixture)

pytestmark = pytest.mark.needs_root


def mounts_of(run, bundle, container_id):
    bundle.probe("mounts").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    return parse_mountinfo(r.json()["mountinfo"])


def top(mounts, point):
    found = [m for m in mounts if m["point"] == point]
    assert found, f"no mount on {point}: {sorted(m['point'] for m in mounts)}"
    return found[-1]


def made_ahead(mounts):
    """Whether /dev was mounted before /proc (which only the init can mount),
    though the config lists /proc first. mountinfo lists a namespace's mounts
    in the order they were made (their ids are reused, so no use here)."""
    points = [m["point"] for m in mounts]
    return points.index("/dev") < points.index("/proc")


def test_default_mounts_are_made_ahead(run, bundle, container_id):
    assert made_ahead(mounts_of(run, bundle, container_id))


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
    """Joined by path, as Podman and CRI-O pass it: the thread that mounts
    sysfs ahead enters it first."""
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


def test_mqueue_without_an_ipc_namespace(run, bundle, container_id, host_queue):
    """No new IPC namespace: /dev/mqueue is the host's queues, as with runc."""
    bundle.remove_namespace("ipc")
    bundle.args("/bin/sh", "-c", "ls -A /dev/mqueue").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert host_queue in r.stdout.split()


def test_failing_mount_ahead_is_the_containers_error(run, bundle, container_id, root, leftovers):
    bundle.add_mount("/mnt/bad", "tmpfs", "tmpfs", ["size=not-a-size"])
    bundle.probe("exit", "0").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "(/mnt/bad)" in r.stderr, r.stderr
    assert os.listdir(root) == []
    assert leftovers() == []
