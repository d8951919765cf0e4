# SPDX-License-Identifier: GPL-2.0-or-later
"""The host's view of a container's cgroups, for the cgroup tests."""

import os

import pytest

from helpers.lifecycle import state, wait_file


def mounts():
    """{controller or "name=..." or "": mount point} of the cgroup hierarchies."""
    found = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            fstype, _, opts = right.split()[:3]
            point = left.split()[4]
            if fstype == "cgroup2":
                found.setdefault("", point)
            elif fstype == "cgroup":
                for o in opts.split(","):
                    if o not in ("rw", "ro", "nosuid", "nodev", "noexec", "relatime", "xattr"):
                        found.setdefault(o, point)
    return found


def cgroup_dir(pid, controller):
    """The host directory of `pid`'s cgroup for `controller` ("" = cgroup2)."""
    mnt = mounts().get(controller)
    if mnt is None:
        return None
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            names = ctrls.split(",") if ctrls else [""]
            if controller in names:
                return mnt + path.rstrip("/")
    return None


def read(path):
    with open(path) as f:
        return f.read().strip()


def container_cgroup(run, cid, controller):
    """The container's cgroup directory; skips the test when the runtime did
    not put the container into a cgroup named after it."""
    pid = state(run, cid)["pid"]
    d = cgroup_dir(pid, controller)
    if d is None:
        pytest.skip(f"no {controller or 'cgroup2'} hierarchy on this host")
    if not d.endswith("/" + cid):
        pytest.skip("create does not place containers in their cgroup yet")
    return d


def start_and_wait(run, bundle, cid, marker="/ready"):
    """create + start; waits until the process wrote `marker` in the rootfs
    (made writable for it)."""
    bundle.set("root.readonly", False).write()
    r = run("create", "--bundle", bundle, cid)
    assert r.rc == 0, r.stderr
    r = run("start", cid)
    assert r.rc == 0, r.stderr
    wait_file(bundle.rootfs / marker.lstrip("/"), "", timeout=10)
    return state(run, cid)


def no_swap(limit):
    """memory with swap = limit (memsw = limit: no swap), so a hog is OOM-killed."""
    return {"limit": limit, "swap": limit}


def exists(path):
    return os.path.exists(path)
