# SPDX-License-Identifier: GPL-2.0-or-later
"""Masked and read-only paths, sysctls (config-linux.md), and the defences
against a hostile rootfs or config: symlinked mount destinations, a
symlinked /proc or /dev/null, a cwd through a leaked fd (CVE-2024-21626),
`..` in a destination. Each defence test checks that the HOST is untouched."""

import errno
import json
import os
import re
import shutil

import pytest
from helpers.mountinfo import parse_mountinfo, unescape

pytestmark = pytest.mark.needs_root

MASKED_FILES = ["/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                "/proc/sched_debug"]
MASKED_DIRS = ["/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware"]
READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]


def json_lines(out):
    return [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]


def sh(bundle, script):
    bundle.args("/bin/sh", "-c", script)
    return bundle


def top(mounts, point):
    found = [m for m in mounts if m["point"] == point]
    assert found, f"no mount on {point}"
    return found[-1]


def host_mountinfo():
    with open("/proc/self/mountinfo") as f:
        return sorted((unescape(line.split()[3]), unescape(line.split()[4])) for line in f)


def file_facts(path):
    st = os.lstat(path)
    with open(path, "rb") as f:
        return (st.st_mode, st.st_uid, st.st_gid, st.st_ino, f.read())


def require_host_path(path):
    if not os.path.exists(path):
        pytest.skip(f"{path} does not exist on this kernel")


def read_sysctl(name):
    with open("/proc/sys/" + name.replace(".", "/")) as f:
        return f.read().strip()


# --------------------------------------------------------------------------
# masked paths


@pytest.mark.parametrize("path", MASKED_FILES)
def test_default_masked_file_is_dev_null(run, bundle, container_id, path):
    require_host_path(path)
    sh(bundle, f"/probe stat {path}; /probe read {path}").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    st, content = json_lines(r.stdout)
    assert st["type"] == "char" and (st["major"], st["minor"]) == (1, 3), st
    assert content["content"] == ""


@pytest.mark.parametrize("path", MASKED_DIRS)
def test_default_masked_dir_is_empty_and_read_only(run, bundle, container_id, path):
    require_host_path(path)
    if not os.listdir(path):
        pytest.skip(f"{path} is empty on this host: masking it would not show")
    sh(bundle, f"/probe ls {path}; /probe mounts; /probe write {path}/x x").write()
    r = run("run", "--bundle", bundle, container_id)
    listing, mounts, write = json_lines(r.stdout)
    assert listing["entries"] == []
    m = top(parse_mountinfo(mounts["mountinfo"]), path)
    assert m["fstype"] == "tmpfs"
    assert "ro" in m["opts"]
    assert write["errno"] == errno.EROFS, write


def test_masked_path_in_the_rootfs(run, bundle, container_id):
    (bundle.rootfs / "etc" / "secret").write_text("hidden")
    (bundle.rootfs / "home" / "user").mkdir()
    (bundle.rootfs / "home" / "user" / "file").write_text("hidden")
    bundle.set("linux.maskedPaths", ["/etc/secret", "/home"])
    sh(bundle, "/probe read /etc/secret; /probe ls /home").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    secret, home = json_lines(r.stdout)
    assert secret["content"] == ""
    assert home["entries"] == []
    assert (bundle.rootfs / "etc" / "secret").read_text() == "hidden"


def test_masked_path_that_does_not_exist_is_ignored(run, bundle, container_id):
    bundle.set("linux.maskedPaths", ["/proc/kcore", "/no/such/path"])
    bundle.probe("ls", "/").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert "no" not in r.json()["entries"]


# --------------------------------------------------------------------------
# read-only paths


@pytest.mark.parametrize("path", READONLY)
def test_default_readonly_path_is_a_read_only_mount(run, bundle, container_id, path):
    require_host_path(path)
    bundle.probe("mounts").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    m = top(parse_mountinfo(r.json()["mountinfo"]), path)
    assert "ro" in m["opts"], m


def test_proc_sys_write_fails_with_erofs(run, bundle, container_id):
    # kernel/hostname is the uts namespace's own: harmless even if writable.
    bundle.probe("write", "/proc/sys/kernel/hostname", "changed").write()
    before = read_sysctl("kernel.hostname")
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 1
    assert r.json()["errno"] == errno.EROFS, r.stdout
    assert read_sysctl("kernel.hostname") == before


def test_readonly_path_in_the_rootfs(run, bundle, container_id):
    bundle.set("root.readonly", False)
    bundle.set("linux.readonlyPaths", ["/var"])
    sh(bundle, "/probe write /var/x x; /probe write /x x").write()
    r = run("run", "--bundle", bundle, container_id)
    var_write, root_write = json_lines(r.stdout)
    assert var_write["errno"] == errno.EROFS, var_write
    assert root_write.get("written") is True, root_write


# --------------------------------------------------------------------------
# sysctl


def test_sysctl_in_network_namespace(run, bundle, container_id):
    name = "net.ipv4.ip_forward"
    host_before = read_sysctl(name)
    value = "0" if host_before == "1" else "1"
    bundle.set("linux.sysctl", {name: value})
    data = run_probe_ok(run, bundle, container_id, "sysctl", name)
    assert data["value"] == value
    assert read_sysctl(name) == host_before


def test_sysctl_in_ipc_namespace(run, bundle, container_id):
    name = "kernel.shmmax"
    host_before = read_sysctl(name)
    bundle.set("linux.sysctl", {name: "123456789"})
    data = run_probe_ok(run, bundle, container_id, "sysctl", name)
    assert data["value"] == "123456789"
    assert read_sysctl(name) == host_before


def test_network_sysctl_without_network_namespace_is_refused(run, bundle, container_id, leftovers):
    name = "net.ipv4.ip_forward"
    host_before = read_sysctl(name)
    bundle.remove_namespace("network")
    bundle.set("linux.sysctl", {name: "0" if host_before == "1" else "1"})
    bundle.probe("sysctl", name).write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert name in r.stderr, r.stderr
    assert read_sysctl(name) == host_before
    assert leftovers() == []


def test_ipc_sysctl_without_ipc_namespace_is_refused(run, bundle, container_id, leftovers):
    name = "kernel.shmmax"
    host_before = read_sysctl(name)
    bundle.remove_namespace("ipc")
    bundle.set("linux.sysctl", {name: "123456789"})
    bundle.probe("sysctl", name).write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert name in r.stderr, r.stderr
    assert read_sysctl(name) == host_before
    assert leftovers() == []


def run_probe_ok(run, bundle, container_id, *args):
    bundle.probe(*args).write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    return r.json()


# --------------------------------------------------------------------------
# a hostile rootfs: symlinks where mounts go


@pytest.mark.parametrize("target", ["/etc", "../../../../../../../../etc"])
def test_mount_destination_symlink_stays_in_rootfs(run, bundle, container_id, target):
    (bundle.rootfs / "evil").symlink_to(target)
    bundle.add_mount("/evil", "tmpfs", "tmpfs", ["size=1m"])
    sh(bundle, "/probe mounts; /probe ls /etc").write()
    host_before = host_mountinfo()
    host_etc = sorted(os.listdir("/etc"))
    r = run("run", "--bundle", bundle, container_id)
    assert host_mountinfo() == host_before
    assert sorted(os.listdir("/etc")) == host_etc
    assert (bundle.rootfs / "etc" / "passwd").exists()
    if r.rc == 0:
        mounts, etc = json_lines(r.stdout)
        # Followed inside the rootfs: the tmpfs is the container's /etc.
        assert top(parse_mountinfo(mounts["mountinfo"]), "/etc")["fstype"] == "tmpfs"
        assert etc["entries"] == []


@pytest.mark.parametrize("target", ["/etc", "../../", "/"])
def test_proc_symlink_in_rootfs(run, bundle, container_id, leftovers, target):
    shutil.rmtree(bundle.rootfs / "proc")
    (bundle.rootfs / "proc").symlink_to(target)
    sh(bundle, "/probe read /proc/self/status; /probe mounts").write()
    host_before = host_mountinfo()
    host_etc = sorted(os.listdir("/etc"))
    r = run("run", "--bundle", bundle, container_id)
    assert host_mountinfo() == host_before
    assert sorted(os.listdir("/etc")) == host_etc
    if r.rc == 0:
        # Only acceptable if procfs went somewhere inside the rootfs.
        status, mounts = json_lines(r.stdout)
        assert "Name:" in status["content"]
        procs = [m for m in parse_mountinfo(mounts["mountinfo"]) if m["fstype"] == "proc"]
        assert procs
    else:
        assert leftovers() == []


@pytest.mark.parametrize("fd", range(3, 11))
def test_cwd_through_a_leaked_fd(run, bundle, container_id, fd):
    """CVE-2024-21626: no fd of the runtime may be open in the container, or
    a cwd of /proc/self/fd/N lands in a host directory."""
    bundle.set("process.cwd", f"/proc/self/fd/{fd}")
    sh(bundle, "/probe cwd; /probe ls ../../../../../../../../..").write()
    r = run("run", "--bundle", bundle, container_id)
    if r.rc != 0:
        assert r.stdout == ""
        return
    cwd, listing = json_lines(r.stdout)
    assert not cwd.get("cwd", "").startswith("(unreachable)"), cwd
    host_only = set(os.listdir("/")) - set(os.listdir(bundle.rootfs))
    assert not host_only & set(listing.get("entries", [])), listing


@pytest.mark.parametrize("with_dev_tmpfs", [True, False], ids=["dev-tmpfs", "no-dev-tmpfs"])
def test_dev_null_symlink_to_a_host_file(run, bundle, container_id, tmp_path, with_dev_tmpfs):
    """CVE-2025-31133: masking binds /dev/null; if the rootfs's /dev/null is a
    symlink to a host file, that file must never be bound (nor changed)."""
    host_file = tmp_path / "host-secret"
    host_file.write_text("host secret\n")
    os.chmod(host_file, 0o644)
    before = file_facts(host_file)
    if not with_dev_tmpfs:
        bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["destination"] != "/dev"]
        for d in ("pts", "shm", "mqueue"):
            (bundle.rootfs / "dev" / d).mkdir(exist_ok=True)
    (bundle.rootfs / "dev" / "null").symlink_to(host_file)
    bundle.set("linux.maskedPaths", ["/proc/keys", "/proc/timer_list", "/etc/passwd"])
    sh(bundle, "/probe read /etc/passwd; /probe read /proc/keys; /probe mounts").write()
    host_before = host_mountinfo()
    r = run("run", "--bundle", bundle, container_id)
    assert file_facts(host_file) == before
    assert host_mountinfo() == host_before
    assert not os.path.ismount(host_file)
    if r.rc == 0:
        passwd, keys, mounts = json_lines(r.stdout)
        assert "secret" not in passwd.get("content", "")
        assert "secret" not in keys.get("content", "")
        for m in parse_mountinfo(mounts["mountinfo"]):
            assert m["root"] != str(host_file), m


@pytest.mark.parametrize("with_dev_tmpfs", [True, False], ids=["dev-tmpfs", "no-dev-tmpfs"])
@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_dev_as_a_symlink_in_the_image(run, bundle, container_id, tmp_path, with_dev_tmpfs, relative):
    """An image whose /dev is a symlink to a host directory: the standard
    devices, /dev/pts, /dev/shm and the linux.devices nodes are made inside
    the rootfs (the link resolved there) or the container is refused, and the
    host directory gets nothing."""
    host_dir = tmp_path / "host-dev"
    host_dir.mkdir()
    if not with_dev_tmpfs:
        bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["destination"] != "/dev"]
    shutil.rmtree(bundle.rootfs / "dev")
    target = os.path.relpath(host_dir, bundle.rootfs) if relative else str(host_dir)
    (bundle.rootfs / "dev").symlink_to(target)
    bundle.set("linux.devices", [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}])
    sh(bundle, "/probe mounts").write()
    host_before = host_mountinfo()

    run("run", "--bundle", bundle, container_id)

    assert os.listdir(host_dir) == []
    assert host_mountinfo() == host_before


def test_destination_with_dotdot_stays_in_rootfs(run, bundle, container_id, tmp_path):
    src = tmp_path / "bind-src"
    src.mkdir()
    (src / "marker").write_text("bound")
    name = f"escape-{container_id}"
    dest = "/" + "../" * 12 + f"tmp/{name}"
    bundle.add_mount(dest, "bind", src, ["bind"])
    bundle.probe("read", f"/tmp/{name}/marker").write()
    host_before = host_mountinfo()
    r = run("run", "--bundle", bundle, container_id)
    assert host_mountinfo() == host_before
    # Neither the host's /tmp nor any directory between the rootfs and / got it.
    d = bundle.rootfs.parent
    while True:
        assert not (d / "tmp" / name).exists(), d / "tmp" / name
        if d == d.parent:
            break
        d = d.parent
    assert r.rc == 0, r.stderr
    assert r.json()["content"] == "bound"
    assert (bundle.rootfs / "tmp" / name).is_dir()


def test_bind_source_symlink_is_the_hosts(run, bundle, container_id, tmp_path):
    """A bind source is a host path: symlinks in it resolve on the host, not in
    the rootfs (the opposite of the destination)."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "marker").write_text("host side")
    (tmp_path / "link").symlink_to(real)
    bundle.add_mount("/mnt/src", "bind", tmp_path / "link", ["bind"])
    bundle.probe("read", "/mnt/src/marker").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.json()["content"] == "host side"
