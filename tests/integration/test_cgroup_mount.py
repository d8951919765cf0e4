# SPDX-License-Identifier: GPL-2.0-or-later
"""The `cgroup` mount entry on a v1 or hybrid host: a read-only tmpfs with one
directory per v1 hierarchy, each the container's own cgroup of it bound there
(or, with a cgroup namespace, that hierarchy mounted anew). Without a cgroup
or user namespace the runtime builds that tree while the init joins its
cgroups (mount_cgroup_tree), and the init only attaches it; otherwise the
init makes it. Either way the container must see the same thing."""

import os

import pytest
from helpers.cgroups import mounts as host_cgroup_mounts
from helpers.mountinfo import parse_mountinfo
from test_mounts import json_lines, sh, top
from test_namespaces import traversable_bundle  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.needs_root,
    pytest.mark.skipif(not any(host_cgroup_mounts().get(k) for k in host_cgroup_mounts() if k),
                       reason="no v1 cgroup hierarchy on this host: the cgroup entry is cgroup2 here"),
]


def with_marker(bundle):
    """A bind listed just before the cgroup entry: the init mounts it after
    it joined its cgroups, so mountinfo (which lists a namespace's mounts in
    the order they were made) tells whether the cgroup tree was made before
    it, by the runtime, or after it, by the init."""
    marker = bundle.path / "marker"
    marker.mkdir(exist_ok=True)
    at = next(i for i, m in enumerate(bundle.config["mounts"]) if m.get("type") == "cgroup")
    bundle.config["mounts"].insert(at, {"destination": "/home", "type": "none", "source": str(marker),
                                        "options": ["bind"]})
    sh(bundle, "/probe mounts; /probe cgroup").write()
    return bundle


def inside(run, bundle, container_id):
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    mounts, cgroup = json_lines(r.stdout)
    return parse_mountinfo(mounts["mountinfo"]), cgroup["cgroup"]


def made_before_marker(mounts):
    points = [m["point"] for m in mounts]
    return points.index("/sys/fs/cgroup") < points.index("/home")


def hierarchies(mounts):
    return [m for m in mounts if m["point"].startswith("/sys/fs/cgroup/")]


def controllers_of(m):
    """The controllers a cgroup mount's superblock options name, as
    /proc/self/cgroup writes them ("cpu,cpuacct", "name=systemd")."""
    skip = {"rw", "ro", "nosuid", "nodev", "noexec", "relatime", "xattr", "clone_children"}
    return {o for o in m["super"] if o not in skip and not o.startswith("release_agent=")}


def cgroup_paths(lines):
    """{frozenset of controllers: path} from /proc/self/cgroup lines."""
    paths = {}
    for line in lines:
        _, ctrls, path = line.split(":", 2)
        if ctrls:
            paths[frozenset(ctrls.split(","))] = path
    return paths


def check_tree(mounts, lines, fresh):
    """The read-only tmpfs and, below it, every v1 hierarchy of the host, each
    showing the container's cgroup (or, `fresh`, a new mount's root)."""
    cg = top(mounts, "/sys/fs/cgroup")
    assert cg["fstype"] == "tmpfs" and "ro" in cg["opts"] and "mode=755" in cg["super"], cg
    below = hierarchies(mounts)
    paths = cgroup_paths(lines)
    want = {frozenset(k.split(",")) for k in host_cgroup_mounts() if k}
    got = {frozenset(controllers_of(m)) for m in below}
    assert {frozenset([c]) for w in want for c in w} <= {frozenset([c]) for g in got for c in g}, (want, got)
    for m in below:
        assert m["fstype"] == "cgroup" and {"ro", "nosuid", "nodev", "noexec"} <= m["opts"], m
        assert m["root"] == ("/" if fresh else paths[frozenset(controllers_of(m))]), (m, paths)


def test_the_runtime_builds_it(run, bundle, container_id):
    mounts, lines = inside(run, with_marker(bundle), container_id)
    assert made_before_marker(mounts), [m["point"] for m in mounts]
    check_tree(mounts, lines, fresh=False)
    assert all(container_id in p for p in cgroup_paths(lines).values()), lines


def test_read_only_as_the_entry_says(run, bundle, container_id):
    """Read-write when the entry does not say "ro" (a tree the runtime made
    carries the entry's options too)."""
    bundle = with_marker(bundle)
    entry = next(m for m in bundle.config["mounts"] if m.get("type") == "cgroup")
    entry["options"] = [o for o in entry.get("options", []) if o != "ro"]
    bundle.write()
    mounts, _ = inside(run, bundle, container_id)
    assert made_before_marker(mounts)
    assert "rw" in top(mounts, "/sys/fs/cgroup")["opts"]
    assert all("rw" in m["opts"] for m in hierarchies(mounts))


def test_with_a_cgroup_namespace_the_init_mounts_each_anew(run, bundle, container_id):
    bundle = with_marker(bundle)
    bundle.add_namespace("cgroup")
    bundle.write()
    mounts, lines = inside(run, bundle, container_id)
    assert not made_before_marker(mounts)
    check_tree(mounts, lines, fresh=True)


def test_in_a_user_namespace_the_init_binds_them(run, traversable_bundle, container_id):
    bundle = with_marker(traversable_bundle)
    bundle.add_namespace("user")
    bundle.set("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    bundle.set("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])
    bundle.write()
    mounts, lines = inside(run, bundle, container_id)
    assert not made_before_marker(mounts)
    check_tree(mounts, lines, fresh=False)


def test_a_second_cgroup_entry_is_the_inits(run, bundle, container_id):
    """Only the first entry's tree is built ahead; a second one, elsewhere,
    is made by the init in its place in the order."""
    bundle = with_marker(bundle)
    bundle.add_mount("/mnt/cg", "cgroup", "cgroup", ["ro", "nosuid", "nodev", "noexec"])
    bundle.write()
    mounts, lines = inside(run, bundle, container_id)
    points = [m["point"] for m in mounts]
    assert points.index("/sys/fs/cgroup") < points.index("/home") < points.index("/mnt/cg")
    assert {m["root"] for m in mounts if m["point"].startswith("/mnt/cg/")} == \
           {m["root"] for m in hierarchies(mounts)}


def test_nothing_is_left_when_the_init_fails_after_it(run, bundle, container_id, root, leftovers):
    """The tree the runtime sent goes with an init that fails before it
    attaches it (here: the bind listed before it has no source)."""
    bundle = with_marker(bundle)
    os.rmdir(bundle.path / "marker")
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert "(/home)" in r.stderr, r.stderr
    assert os.listdir(root) == []
    assert leftovers() == []
