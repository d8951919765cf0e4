# SPDX-License-Identifier: GPL-2.0-or-later
"""/dev as the container sees it (config-linux.md "Default Devices",
"Devices", runtime-linux.md "Dev symbolic links")."""

import json
import os
import stat

import pytest

pytestmark = pytest.mark.needs_root

DEFAULT_DEVICES = {
    "/dev/null": (1, 3),
    "/dev/zero": (1, 5),
    "/dev/full": (1, 7),
    "/dev/random": (1, 8),
    "/dev/urandom": (1, 9),
    "/dev/tty": (5, 0),
}

DEV_SYMLINKS = {
    "/dev/fd": "/proc/self/fd",
    "/dev/stdin": "/proc/self/fd/0",
    "/dev/stdout": "/proc/self/fd/1",
    "/dev/stderr": "/proc/self/fd/2",
}


def json_lines(out):
    return [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]


def sh(bundle, script):
    bundle.args("/bin/sh", "-c", script)
    return bundle


def stat_all(run, bundle, container_id, paths):
    sh(bundle, "; ".join(f"/probe stat {p}" for p in paths)).write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    return {s["path"]: s for s in json_lines(r.stdout)}


def mount_types(lines):
    types = {}
    for line in lines:
        f = line.split()
        types[f[4]] = f[f.index("-") + 1]
    return types


def test_default_devices(run, bundle, container_id):
    st = stat_all(run, bundle, container_id, DEFAULT_DEVICES)
    for path, (major, minor) in DEFAULT_DEVICES.items():
        s = st[path]
        assert "error" not in s, s
        assert s["type"] == "char", s
        assert (s["major"], s["minor"]) == (major, minor), s
        assert s["mode"] == 0o666, f"{path}: mode {s['mode']:o}"
        assert (s["uid"], s["gid"]) == (0, 0), s


def test_default_devices_work(run, bundle, container_id):
    sh(bundle, "/probe write /dev/null x; head -c 4 /dev/zero | od -An -tx1;"
               " head -c 16 /dev/urandom | wc -c; echo x > /dev/full; echo full=$?").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    lines = r.stdout.splitlines()
    assert json.loads(lines[0]).get("written") is True, lines
    assert lines[1].split() == ["00", "00", "00", "00"]
    assert lines[2].strip() == "16"
    assert lines[3] == "full=1"


def test_dev_symlinks(run, bundle, container_id):
    st = stat_all(run, bundle, container_id, list(DEV_SYMLINKS) + ["/dev/ptmx"])
    for path, target in DEV_SYMLINKS.items():
        assert st[path]["type"] == "symlink", st[path]
        assert st[path]["target"] == target, st[path]
    ptmx = st["/dev/ptmx"]
    assert ptmx["type"] == "symlink", ptmx
    assert ptmx["target"] == "pts/ptmx"


def test_dev_is_a_fresh_tmpfs_with_pts_and_shm(run, bundle, container_id):
    sh(bundle, "/probe mounts; /probe ls /dev").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    mounts, listing = json_lines(r.stdout)
    types = mount_types(mounts["mountinfo"])
    assert types["/dev"] == "tmpfs"
    assert types["/dev/pts"] == "devpts"
    assert types["/dev/shm"] == "tmpfs"
    # Nothing of the host's /dev: no block devices, no host tty.
    assert not {"vda", "sda", "kmsg", "mem", "port"} & set(listing["entries"]), listing["entries"]


def test_ptmx_opens_a_pty_of_the_new_instance(run, bundle, container_id):
    """/dev/ptmx leads to the container's own devpts: a new pty appears as
    /dev/pts/0 there whatever the host has open."""
    sh(bundle, "exec 3<>/dev/ptmx && /probe ls /dev/pts").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert sorted(r.json()["entries"]) == ["0", "ptmx"]


def test_char_device_from_config(run, bundle, container_id):
    bundle.set("linux.devices", [{
        "path": "/dev/mynull", "type": "c", "major": 1, "minor": 3,
        "fileMode": 0o600, "uid": 1000, "gid": 1000,
    }])
    st = stat_all(run, bundle, container_id, ["/dev/mynull"])["/dev/mynull"]
    assert "error" not in st, st
    assert st["type"] == "char"
    assert (st["major"], st["minor"]) == (1, 3)
    assert st["mode"] == 0o600, f"mode {st['mode']:o}"
    assert (st["uid"], st["gid"]) == (1000, 1000)


def test_file_mode_with_type_bits_as_podman_sends_it(run, bundle, container_id):
    """Podman copies the host node's st_mode (S_IFCHR|0666 = 8630): the
    permission bits are used, as runc and crun do."""
    bundle.set("linux.devices", [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3,
                                  "fileMode": 0o20666}])
    st = stat_all(run, bundle, container_id, ["/dev/mynull"])["/dev/mynull"]
    assert "error" not in st, st
    assert (st["type"], st["mode"]) == ("char", 0o666), st


def test_char_device_in_a_subdirectory(run, bundle, container_id):
    bundle.set("linux.devices", [{"path": "/dev/sub/dir/zero", "type": "c", "major": 1, "minor": 5,
                                  "fileMode": 0o666, "uid": 0, "gid": 0}])
    sh(bundle, "/probe stat /dev/sub/dir/zero; head -c 3 /dev/sub/dir/zero | od -An -tx1").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    lines = r.stdout.splitlines()
    st = json.loads(lines[0])
    assert st["type"] == "char" and (st["major"], st["minor"]) == (1, 5), st
    assert lines[1].split() == ["00", "00", "00"]


def test_fifo_device_from_config(run, bundle, container_id):
    bundle.set("linux.devices", [{"path": "/dev/myfifo", "type": "p", "fileMode": 0o620}])
    st = stat_all(run, bundle, container_id, ["/dev/myfifo"])["/dev/myfifo"]
    assert "error" not in st, st
    assert st["type"] == "fifo"
    assert st["mode"] == 0o620, f"mode {st['mode']:o}"


def test_block_device_from_config(run, bundle, container_id):
    # loop0 (7:0) need not exist on the host: the node only has to be made.
    bundle.set("linux.devices", [{"path": "/dev/myblock", "type": "b", "major": 7, "minor": 0,
                                  "fileMode": 0o640, "uid": 0, "gid": 6}])
    st = stat_all(run, bundle, container_id, ["/dev/myblock"])["/dev/myblock"]
    assert "error" not in st, st
    assert st["type"] == "block"
    assert (st["major"], st["minor"]) == (7, 0)
    assert st["mode"] == 0o640
    assert st["gid"] == 6


def test_host_dev_untouched(run, bundle, container_id):
    before = {p: os.stat(p) for p in DEFAULT_DEVICES}
    bundle.set("linux.devices", [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3,
                                  "fileMode": 0o600, "uid": 1000, "gid": 1000}])
    bundle.probe("stat", "/dev/mynull").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert not os.path.exists("/dev/mynull")
    for p, st in before.items():
        now = os.stat(p)
        assert (now.st_mode, now.st_uid, now.st_gid, now.st_rdev) == (st.st_mode, st.st_uid, st.st_gid,
                                                                      st.st_rdev), p
        assert stat.S_ISCHR(now.st_mode)
