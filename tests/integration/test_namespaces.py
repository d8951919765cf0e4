# SPDX-License-Identifier: GPL-2.0-or-later
"""Namespaces as the container's process sees them (config-linux.md,
"Namespaces", "User namespace mappings", "Offset for Time Namespace"):
new ones where the config asks, the host's where it does not, joined ones
by path, and the settings that live in them (hostname, loopback, id maps,
clock offsets)."""

import contextlib
import json
import os
import signal
import subprocess
import time

import pytest

pytestmark = pytest.mark.needs_root

# probe ns key -> config namespace type
NS_TYPES = {"pid": "pid", "ipc": "ipc", "uts": "uts", "mnt": "mount", "net": "network"}


def host_ns(name):
    return os.readlink(f"/proc/self/ns/{name}")


def json_lines(out):
    """Every JSON object the container printed, one per line."""
    return [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]


def sh(bundle, script):
    bundle.args("/bin/sh", "-c", script)
    return bundle


def ns_inode(link):
    """4026531836 of "pid:[4026531836]"."""
    return int(link.split("[", 1)[1].rstrip("]"))


@contextlib.contextmanager
def namespace_holder(kind, *more):
    """A process in a new namespace of `kind` ("net", "ipc"...; `unshare`
    options in `more` add others); yields its pid once it is in it.
    `unshare` execs `sleep` in place."""
    p = subprocess.Popen(["unshare", f"--{kind}", *more, "sleep", "100"])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if os.readlink(f"/proc/{p.pid}/ns/{kind}") != host_ns(kind):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or p.poll() is not None:
                pytest.fail(f"unshare --{kind} did not start a process in a new {kind} namespace")
            time.sleep(0.01)
        yield p.pid
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()


@pytest.fixture
def netns_holder():
    """A process in a new network namespace (and a new uts one, for the
    wrong-type test); yields its pid."""
    with namespace_holder("net", "--uts") as pid:
        yield pid


def test_default_config_gives_new_namespaces(run, bundle, container_id):
    bundle.probe("all").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    data = r.json()
    assert data["pid"]["pid"] == 1
    for probe_name in NS_TYPES:
        assert data["ns"][probe_name] != host_ns(probe_name), probe_name


@pytest.mark.parametrize("ns_type,probe_name", [("pid", "pid"), ("ipc", "ipc"), ("uts", "uts"),
                                                ("network", "net")])
def test_namespace_not_in_config_is_the_hosts(run, bundle, container_id, ns_type, probe_name):
    bundle.remove_namespace(ns_type)
    if ns_type == "uts":
        # A hostname needs a uts namespace of the container's own.
        bundle.delete("hostname")
        bundle.delete("domainname")
    bundle.probe("all").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    data = r.json()
    assert data["ns"][probe_name] == host_ns(probe_name)
    # The others are still new.
    for other in NS_TYPES:
        if other != probe_name:
            assert data["ns"][other] != host_ns(other), other
    if ns_type == "pid":
        assert data["pid"]["pid"] != 1


def test_new_network_namespace_has_loopback_up(run, bundle, container_id):
    sh(bundle, "/probe ls /sys/class/net; /probe read /sys/class/net/lo/flags").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    listing, flags = json_lines(r.stdout)
    assert listing["entries"] == ["lo"], listing
    assert int(flags["content"].strip(), 16) & 0x1, f"lo is not up: flags {flags['content']!r}"


def test_hostname_and_domainname(run, bundle, container_id):
    bundle.set("hostname", "box-one")
    bundle.set("domainname", "example.test")
    bundle.probe("all").write()
    before = os.uname().nodename
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    data = r.json()
    assert data["hostname"]["hostname"] == "box-one"
    assert data["domainname"]["domainname"] == "example.test"
    assert os.uname().nodename == before


def test_join_network_namespace_by_path(run, bundle, container_id, netns_holder):
    path = f"/proc/{netns_holder}/ns/net"
    bundle.add_namespace("network", path)
    bundle.probe("ns").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    data = r.json()
    assert ns_inode(data["net"]) == os.stat(path).st_ino
    assert data["net"] != host_ns("net")
    # The other namespaces are still new ones.
    assert data["uts"] != host_ns("uts") and data["uts"] != os.readlink(f"/proc/{netns_holder}/ns/uts")


def test_join_path_of_the_wrong_type_fails_cleanly(run, bundle, container_id, netns_holder, leftovers):
    path = f"/proc/{netns_holder}/ns/uts"
    bundle.add_namespace("network", path)
    bundle.probe("ns").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert path in r.stderr, r.stderr
    assert r.stdout == ""
    assert leftovers() == []


def test_join_path_that_is_not_a_namespace_fails_cleanly(run, bundle, container_id, leftovers, tmp_path):
    path = tmp_path / "not-a-namespace"
    path.write_text("")
    bundle.add_namespace("ipc", path)
    bundle.probe("ns").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert str(path) in r.stderr, r.stderr
    assert leftovers() == []


@pytest.fixture
def traversable_bundle(bundle):
    """A bundle whose directories can be searched by others: the container's
    root maps to an unprivileged host uid that must reach its rootfs."""
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


def test_user_namespace_with_mappings(run, traversable_bundle, container_id):
    bundle = traversable_bundle
    bundle.add_namespace("user")
    bundle.set("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    bundle.set("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    sh(bundle, "/probe ids; /probe read /proc/self/uid_map; /probe read /proc/self/gid_map;"
               " /probe ns").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    ids, uid_map, gid_map, ns = json_lines(r.stdout)
    assert (ids["uid"], ids["gid"], ids["euid"]) == (0, 0, 0)
    assert [line.split() for line in uid_map["content"].splitlines()] == [["0", "100000", "65536"]]
    assert [line.split() for line in gid_map["content"].splitlines()] == [["0", "100000", "65536"]]
    assert ns["user"] != host_ns("user")


def test_user_namespace_bind_source_out_of_its_reach(run, traversable_bundle, container_id, tmp_path):
    """A bind source the container's root cannot reach (a 0700 host directory
    owned by the host's root) is still mounted: the runtime clones it before
    the user namespace (runc's userns.bats "inaccessible mounts")."""
    bundle = traversable_bundle
    outer = tmp_path / "inaccessible"
    (outer / "dir").mkdir(parents=True)
    (outer / "dir" / "foo.txt").write_text("hello\n")
    os.chmod(outer, 0o700)
    bundle.add_namespace("user")
    bundle.set("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    bundle.set("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    bundle.add_mount("/tmp", source=outer / "dir", options=["bind"])
    bundle.probe("read", "/tmp/foo.txt").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.json()["content"] == "hello\n"


def test_user_namespace_without_mappings_is_an_error(run, bundle, container_id, leftovers):
    bundle.add_namespace("user")
    bundle.delete("linux.uidMappings")
    bundle.delete("linux.gidMappings")
    bundle.probe("ns").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert r.stdout == ""
    assert r.stderr.strip()
    assert leftovers() == []


def test_mappings_without_user_namespace_are_an_error(run, bundle, container_id, leftovers):
    bundle.remove_namespace("user")
    bundle.set("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    bundle.set("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    bundle.probe("ns").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert r.stdout == ""
    assert r.stderr.strip()
    assert leftovers() == []


def test_cgroup_namespace_hides_the_cgroup_path(run, bundle, container_id):
    # A cgroup of its own, so that without the namespace the paths would not be "/".
    bundle.set("linux.cgroupsPath", f"/{container_id}")
    bundle.add_namespace("cgroup")
    sh(bundle, "/probe cgroup; /probe ns").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    cgroup, ns = json_lines(r.stdout)
    assert cgroup["cgroup"], cgroup
    for line in cgroup["cgroup"]:
        assert line.split(":", 2)[2] == "/", line
    assert ns["cgroup"] != host_ns("cgroup")


def test_without_cgroup_namespace_the_path_is_visible(run, bundle, container_id):
    bundle.set("linux.cgroupsPath", f"/{container_id}")
    bundle.remove_namespace("cgroup")
    sh(bundle, "/probe cgroup; /probe ns").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    cgroup, ns = json_lines(r.stdout)
    assert any(container_id in line for line in cgroup["cgroup"]), cgroup
    assert ns["cgroup"] == host_ns("cgroup")


def read_uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def test_time_namespace_offsets(run, bundle, container_id):
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("the kernel has no time namespaces (CONFIG_TIME_NS)")
    offset = 1000000
    bundle.add_namespace("time")
    bundle.set("linux.timeOffsets", {"monotonic": {"secs": offset},
                                     "boottime": {"secs": offset, "nanosecs": 0}})
    sh(bundle, "/probe read /proc/self/timens_offsets; /probe read /proc/uptime; /probe ns").write()
    before = read_uptime()
    r = run("run", "--bundle", bundle, container_id)
    after = read_uptime()
    assert r.rc == 0, r.stderr
    offsets, uptime, ns = json_lines(r.stdout)
    table = {f[0]: (int(f[1]), int(f[2])) for f in (line.split() for line in offsets["content"].splitlines())}
    assert table["monotonic"] == (offset, 0)
    assert table["boottime"] == (offset, 0)
    inside = float(uptime["content"].split()[0])
    assert before + offset - 1 <= inside <= after + offset + 1
    assert ns["time"] != host_ns("time")


def test_duplicate_namespace_type_is_an_error(run, bundle, container_id, leftovers):
    bundle.config["linux"]["namespaces"].append({"type": "ipc"})
    bundle.probe("ns").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert "ipc" in r.stderr, r.stderr
    assert leftovers() == []
