# SPDX-License-Identifier: GPL-2.0-or-later
"""The container's mount table as its process sees it (config.md "Mounts",
"Root"; config-linux.md "Rootfs Mount Propagation"): runc's default mounts,
extra mounts with their options, bind mounts, order, a read-only root,
propagation and --no-pivot."""

import ctypes
import errno
import json
import os
import re
import subprocess

import pytest
from helpers.mountinfo import parse_mountinfo, unescape

pytestmark = pytest.mark.needs_root


def json_lines(out):
    return [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]


def sh(bundle, script):
    bundle.args("/bin/sh", "-c", script)
    return bundle


def top(mounts, point):
    """The mount visible at `point` (the last one mounted there)."""
    found = [m for m in mounts if m["point"] == point]
    assert found, f"no mount on {point}: {sorted(m['point'] for m in mounts)}"
    return found[-1]


def host_mount_points():
    with open("/proc/self/mountinfo") as f:
        return sorted(unescape(line.split()[4]) for line in f)


def mounts_of(run, bundle, container_id, *extra_args):
    bundle.probe("mounts").write()
    r = run("run", *extra_args, "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    return parse_mountinfo(r.json()["mountinfo"])


@pytest.fixture
def host_dir(tmp_path):
    """A host directory outside the bundles, for bind-mount sources."""
    d = tmp_path / "hostsrc"
    d.mkdir()
    return d


@pytest.fixture
def host_submount(host_dir):
    """host_dir with a tmpfs mounted on host_dir/sub holding a marker file;
    unmounted after the test."""
    sub = host_dir / "sub"
    sub.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "ocirt-test-sub", str(sub)], check=True)
    try:
        (sub / "marker").write_text("from the submount")
        yield host_dir
    finally:
        subprocess.run(["umount", "-l", str(sub)], check=True)


def has_mount_setattr():
    """Whether the kernel has mount_setattr(2) (Linux 5.12), which a
    recursive read-only bind needs."""
    libc = ctypes.CDLL(None, use_errno=True)
    nr_mount_setattr = 442  # the same on every architecture (unified syscall table)
    r = libc.syscall(nr_mount_setattr, -1, b"", 0, None, 0)
    return not (r < 0 and ctypes.get_errno() == errno.ENOSYS)


# --------------------------------------------------------------------------
# runc's default mounts


def test_default_mounts(run, bundle, container_id):
    mounts = mounts_of(run, bundle, container_id)

    proc = top(mounts, "/proc")
    assert proc["fstype"] == "proc"

    dev = top(mounts, "/dev")
    assert dev["fstype"] == "tmpfs"
    assert "mode=755" in dev["super"]
    assert "nosuid" in dev["opts"]

    pts = top(mounts, "/dev/pts")
    assert pts["fstype"] == "devpts"
    assert {"ptmxmode=666", "mode=620", "gid=5"} <= pts["super"], pts["super"]
    assert {"nosuid", "noexec"} <= pts["opts"]

    shm = top(mounts, "/dev/shm")
    assert shm["fstype"] == "tmpfs"
    assert shm["source"] == "shm"
    assert "size=65536k" in shm["super"]
    assert {"nosuid", "noexec", "nodev"} <= shm["opts"]

    mq = top(mounts, "/dev/mqueue")
    assert mq["fstype"] == "mqueue"
    assert {"nosuid", "noexec", "nodev"} <= mq["opts"]

    sysfs = top(mounts, "/sys")
    assert sysfs["fstype"] == "sysfs"
    assert {"ro", "nosuid", "noexec", "nodev"} <= sysfs["opts"]

    # cgroup v2: one cgroup2 mount; v1 or hybrid: a tmpfs holding one mount
    # per hierarchy. Read-only either way.
    cg = top(mounts, "/sys/fs/cgroup")
    assert cg["fstype"] in ("cgroup2", "tmpfs", "cgroup")
    assert "ro" in cg["opts"]
    below = [m for m in mounts if m["point"].startswith("/sys/fs/cgroup/")]
    if cg["fstype"] == "tmpfs":
        assert below, "no cgroup hierarchy under the /sys/fs/cgroup tmpfs"
    for m in below:
        assert m["fstype"] in ("cgroup", "cgroup2"), m
        assert "ro" in m["opts"], m


def test_root_is_the_only_mount_outside_the_configured_ones(run, bundle, container_id):
    """Nothing of the host's mount table is left after pivot_root."""
    mounts = mounts_of(run, bundle, container_id)
    host_only = {"/work", "/boot", "/home", "/mnt", "/opt", "/srv", "/var"}
    assert not host_only & {m["point"] for m in mounts}
    assert top(mounts, "/")["point"] == "/"


# --------------------------------------------------------------------------
# extra mounts and their options


def test_tmpfs_with_size_and_mode(run, bundle, container_id):
    bundle.add_mount("/mnt/t", "tmpfs", "tmpfs", ["size=1m", "mode=700"])
    sh(bundle, "/probe mounts; /probe stat /mnt/t").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    mounts, st = json_lines(r.stdout)
    m = top(parse_mountinfo(mounts["mountinfo"]), "/mnt/t")
    assert m["fstype"] == "tmpfs"
    assert {"size=1024k", "mode=700"} <= m["super"], m["super"]
    assert st["mode"] == 0o700


def test_bind_mount_read_write(run, bundle, container_id, host_dir):
    (host_dir / "existing").write_text("from the host")
    bundle.add_mount("/mnt/rw", "bind", host_dir, ["bind"])
    sh(bundle, "/probe read /mnt/rw/existing; /probe write /mnt/rw/new from-the-container").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    read, write = json_lines(r.stdout)
    assert read["content"] == "from the host"
    assert write.get("written") is True, write
    assert (host_dir / "new").read_text() == "from-the-container"


def test_bind_mount_read_only(run, bundle, container_id, host_dir):
    (host_dir / "existing").write_text("from the host")
    bundle.add_mount("/mnt/ro", "bind", host_dir, ["bind", "ro"])
    sh(bundle, "/probe read /mnt/ro/existing; /probe write /mnt/ro/new x; /probe mounts").write()
    r = run("run", "--bundle", bundle, container_id)
    read, write, mounts = json_lines(r.stdout)
    assert read["content"] == "from the host"
    assert write["errno"] == errno.EROFS, write
    assert not (host_dir / "new").exists()
    assert "ro" in top(parse_mountinfo(mounts["mountinfo"]), "/mnt/ro")["opts"]


def test_bind_mount_without_type(run, bundle, container_id, host_dir):
    """A mount with "bind" in its options and no type is a bind mount (runc)."""
    (host_dir / "existing").write_text("typeless")
    bundle.add_mount("/mnt/nt", None, host_dir, ["rbind"])
    bundle.probe("read", "/mnt/nt/existing").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.json()["content"] == "typeless"


def test_bind_mount_of_a_single_file(run, bundle, container_id, tmp_path):
    f = tmp_path / "hostfile.txt"
    f.write_text("one file")
    bundle.add_mount("/etc/hostfile.txt", "bind", f, ["bind", "ro"])
    sh(bundle, "/probe read /etc/hostfile.txt; /probe stat /etc/hostfile.txt").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    read, st = json_lines(r.stdout)
    assert read["content"] == "one file"
    assert st["type"] == "file"


def test_rbind_takes_submounts(run, bundle, container_id, host_submount):
    bundle.add_mount("/mnt/r", "bind", host_submount, ["rbind"])
    bundle.probe("read", "/mnt/r/sub/marker").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.json()["content"] == "from the submount"


def test_plain_bind_leaves_submounts_out(run, bundle, container_id, host_submount):
    bundle.add_mount("/mnt/b", "bind", host_submount, ["bind"])
    bundle.probe("ls", "/mnt/b/sub").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.json()["entries"] == []


def test_recursive_read_only(run, bundle, container_id, host_submount):
    if not has_mount_setattr():
        pytest.skip("the kernel has no mount_setattr(2) (Linux >= 5.12), needed for rro")
    bundle.add_mount("/mnt/rro", "bind", host_submount, ["rbind", "rro"])
    sh(bundle, "/probe write /mnt/rro/x x; /probe write /mnt/rro/sub/x x; /probe mounts").write()
    r = run("run", "--bundle", bundle, container_id)
    top_write, sub_write, mounts = json_lines(r.stdout)
    assert top_write["errno"] == errno.EROFS, top_write
    assert sub_write["errno"] == errno.EROFS, sub_write
    table = parse_mountinfo(mounts["mountinfo"])
    assert "ro" in top(table, "/mnt/rro")["opts"]
    assert "ro" in top(table, "/mnt/rro/sub")["opts"]
    # The host's submount is still writable.
    (host_submount / "sub" / "after").write_text("ok")


@pytest.mark.parametrize("flags", [["nosuid"], ["nodev"], ["noexec"], ["nosuid", "nodev", "noexec"]])
def test_mount_flags_visible(run, bundle, container_id, flags):
    bundle.add_mount("/mnt/f", "tmpfs", "tmpfs", flags + ["size=1m"])
    mounts = mounts_of(run, bundle, container_id)
    m = top(mounts, "/mnt/f")
    assert set(flags) <= m["opts"], m["opts"]
    for other in {"nosuid", "nodev", "noexec"} - set(flags):
        assert other not in m["opts"]


def test_noexec_prevents_exec(run, bundle, container_id):
    bundle.add_mount("/mnt/x", "tmpfs", "tmpfs", ["noexec", "size=2m"])
    bundle.set("root.readonly", False)
    sh(bundle, "cp /probe /mnt/x/p && /mnt/x/p exit 0; echo rc=$?").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert "rc=126" in r.stdout, r.stdout + r.stderr


def test_relative_destination_is_relative_to_root(run, bundle, container_id):
    bundle.add_mount("mnt/rel", "tmpfs", "tmpfs", ["size=1m"])
    mounts = mounts_of(run, bundle, container_id)
    assert top(mounts, "/mnt/rel")["fstype"] == "tmpfs"


def test_missing_destination_is_created(run, bundle, container_id):
    assert not (bundle.rootfs / "a").exists()
    bundle.add_mount("/a/b/c", "tmpfs", "tmpfs", ["size=1m"])
    mounts = mounts_of(run, bundle, container_id)
    assert top(mounts, "/a/b/c")["fstype"] == "tmpfs"


def test_missing_file_destination_of_a_file_bind_is_a_file(run, bundle, container_id, tmp_path):
    f = tmp_path / "single"
    f.write_text("single")
    bundle.add_mount("/new/dir/single", "bind", f, ["bind"])
    bundle.probe("read", "/new/dir/single").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.json()["content"] == "single"


def test_mounts_applied_in_order(run, bundle, container_id):
    bundle.add_mount("/mnt/o", "tmpfs", "tmpfs", ["size=1m"])
    bundle.add_mount("/mnt/o/inner", "tmpfs", "tmpfs", ["size=2m"])
    mounts = mounts_of(run, bundle, container_id)
    outer = top(mounts, "/mnt/o")
    inner = top(mounts, "/mnt/o/inner")
    assert "size=1024k" in outer["super"]
    assert "size=2048k" in inner["super"]
    assert inner["parent"] == outer["id"]


def test_later_mount_covers_an_earlier_one(run, bundle, container_id):
    bundle.add_mount("/mnt/same", "tmpfs", "tmpfs", ["size=1m"])
    bundle.add_mount("/mnt/same", "tmpfs", "tmpfs", ["size=2m"])
    mounts = mounts_of(run, bundle, container_id)
    assert "size=2048k" in top(mounts, "/mnt/same")["super"]


# --------------------------------------------------------------------------
# the root


def test_readonly_root(run, bundle, container_id):
    bundle.set("root.readonly", True)
    sh(bundle, "/probe write /x x; /probe write /dev/shm/x x; /probe read /proc/self/status;"
               " /probe write /dev/null x; /probe mounts").write()
    r = run("run", "--bundle", bundle, container_id)
    root_write, shm_write, proc_read, null_write, mounts = json_lines(r.stdout)
    assert root_write["errno"] == errno.EROFS, root_write
    assert shm_write.get("written") is True, shm_write
    assert "Name:" in proc_read["content"]
    assert null_write.get("written") is True, null_write
    assert "ro" in top(parse_mountinfo(mounts["mountinfo"]), "/")["opts"]
    assert not (bundle.rootfs / "x").exists()


def test_writable_root(run, bundle, container_id):
    bundle.set("root.readonly", False)
    sh(bundle, "/probe write /x from-inside; /probe mounts").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    write, mounts = json_lines(r.stdout)
    assert write.get("written") is True, write
    assert "rw" in top(parse_mountinfo(mounts["mountinfo"]), "/")["opts"]
    assert (bundle.rootfs / "x").read_text() == "from-inside"


def test_root_path_relative_to_bundle(run, bundle, container_id):
    (bundle.path / "rootfs").rename(bundle.path / "other")
    bundle.rootfs = bundle.path / "other"
    bundle.set("root.path", "other")
    bundle.probe("ls", "/").write()
    try:
        r = run("run", "--bundle", bundle, container_id)
    finally:
        (bundle.path / "other").rename(bundle.path / "rootfs")
        bundle.rootfs = bundle.path / "rootfs"
    assert r.rc == 0, r.stderr
    assert "probe" in r.json()["entries"]


@pytest.fixture
def shared_bundle(bundle):
    """The bundle directory made a shared mount of its own (the host's / is
    not necessarily shared), so that propagation from the host is
    observable; undone after the test, before the leftover check."""
    path = str(bundle.path)
    subprocess.run(["mount", "--bind", path, path], check=True)
    try:
        subprocess.run(["mount", "--make-shared", path], check=True)
        yield bundle
    finally:
        subprocess.run(["umount", "-l", path], check=True)


def root_optional(run, bundle, container_id, propagation):
    if propagation is None:
        bundle.delete("linux.rootfsPropagation")
    else:
        bundle.set("linux.rootfsPropagation", propagation)
    mounts = mounts_of(run, bundle, container_id)
    return top(mounts, "/")["optional"]


def test_rootfs_propagation_shared(run, shared_bundle, container_id):
    optional = root_optional(run, shared_bundle, container_id, "shared")
    assert any(o.startswith("shared:") for o in optional), optional


def test_rootfs_propagation_default_is_rslave(run, shared_bundle, container_id):
    """Without rootfsPropagation, runc makes every mount a slave: the root
    still receives the host's mount events."""
    optional = root_optional(run, shared_bundle, container_id, None)
    assert any(o.startswith("master:") for o in optional), optional
    assert not any(o.startswith("shared:") for o in optional), optional


def test_rootfs_propagation_slave(run, shared_bundle, container_id):
    optional = root_optional(run, shared_bundle, container_id, "slave")
    assert any(o.startswith("master:") for o in optional), optional
    assert not any(o.startswith("shared:") for o in optional), optional


def test_rootfs_propagation_private(run, shared_bundle, container_id):
    optional = root_optional(run, shared_bundle, container_id, "private")
    assert optional == [], optional


def test_rootfs_propagation_unbindable(run, shared_bundle, container_id):
    optional = root_optional(run, shared_bundle, container_id, "unbindable")
    assert "unbindable" in optional, optional


def test_slave_rootfs_receives_host_mounts(run, shared_bundle, container_id, tmp_path):
    """With slave propagation, a mount made on the host under the bundle
    while the container runs shows up inside; nothing made inside leaks out."""
    bundle = shared_bundle
    bundle.set("linux.rootfsPropagation", "slave")
    (bundle.rootfs / "late").mkdir()
    bundle.probe("signal-wait").write()
    r = run("create", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    late = str(bundle.rootfs / "late")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "ocirt-late", late], check=True)
    try:
        with open(f"{late}/marker", "w") as f:
            f.write("late")
        pid = int(json.loads(run("state", container_id).stdout)["pid"])
        with open(f"/proc/{pid}/root/late/marker") as f:
            assert f.read() == "late"
    finally:
        subprocess.run(["umount", "-l", late], check=True)
        run("delete", "--force", container_id)


def test_no_pivot(run, bundle, container_id):
    sh(bundle, "/probe ls /; /probe ls /..; /probe ls /../../..; /probe stat /probe").write()
    r = run("run", "--no-pivot", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    root, dotdot, far, probe = json_lines(r.stdout)
    assert "probe" in root["entries"]
    assert sorted(dotdot["entries"]) == sorted(root["entries"])
    assert sorted(far["entries"]) == sorted(root["entries"])
    host_only = set(os.listdir("/")) - set(os.listdir(bundle.rootfs))
    assert not host_only & set(far["entries"])
    assert probe["type"] == "file"


def test_host_mount_table_untouched(run, bundle, container_id, host_dir):
    before = host_mount_points()
    bundle.add_mount("/mnt/t", "tmpfs", "tmpfs", ["size=1m"])
    bundle.add_mount("/mnt/b", "bind", host_dir, ["rbind"])
    bundle.probe("mounts").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert host_mount_points() == before
