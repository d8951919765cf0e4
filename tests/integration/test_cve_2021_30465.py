# SPDX-License-Identifier: GPL-2.0-or-later
"""CVE-2021-30465 and CVE-2024-45310: mount destinations inside a volume that
another container keeps swapping with a symlink.

A volume (a host directory bound into the container) holds directories
that a racer -- a host process standing in for a second container sharing
the volume -- exchanges with symlinks in a tight loop (renameat2
RENAME_EXCHANGE), while `ocirt run` mounts tmpfs and binds onto destinations
inside them, creating the missing mountpoints. runc resolved a destination
and then mounted on the path string: the swapped symlink took the mount out
of the rootfs (CVE-2021-30465), where it covered the source of a later bind
mount, which then bound the attacker's choice; and it created mountpoints
through the swapped symlink on the host (CVE-2024-45310). ocirt resolves
every destination inside the root (src/util/path.c), creates each
component on an fd of its resolved parent, and mounts on the resolved fd
(src/core/mount.c).

Two pairs are swapped: one with a symlink to `/`, one with a symlink to the
host directory holding the bind sources (an escaped tmpfs named like a
source would cover it). After each run, from the container's own mount
table and from the host: every mount is where its destination resolves
inside the root (through the directory or through the symlink, followed in
the root), binds come from their real sources, nothing else is mounted, the
host's mount table and directories are unchanged and nothing was created
outside the rootfs and the volume.

OCIRT_RACE_ITERATIONS (default 200) and OCIRT_RACE_SECONDS (default 30)
bound the loop."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from helpers.mountinfo import parse_mountinfo, unescape

pytestmark = pytest.mark.needs_root

ITERATIONS = int(os.environ.get("OCIRT_RACE_ITERATIONS", "200"))
SECONDS = float(os.environ.get("OCIRT_RACE_SECONDS", "30"))
PER_KIND = 3  # mounts of each kind per pair and iteration


OURS = re.compile(r"/(src|bind|file|nest)-i[0-9]+p[0-9]+k[0-9]+")


def host_mountinfo(tmp_path):
    """The host's mounts that an escape would add: on "/", under this test's
    directory, or named like one of its mounts (other tests on the machine
    mount elsewhere meanwhile)."""
    top = str(tmp_path) + "/"
    with open("/proc/self/mountinfo") as f:
        mounts = [(unescape(line.split()[3]), unescape(line.split()[4])) for line in f]
    return sorted(m for m in mounts if m[1] == "/" or (m[1] + "/").startswith(top) or OURS.search(m[1]))


def dev_of(path):
    st = os.stat(path)
    return f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}"


class Scene:
    """The volume, the racer's pairs, the bind sources, and the mounts of
    one iteration with the places each may legitimately end up."""

    def __init__(self, tmp_path, bundle):
        self.bundle = bundle
        self.vol = tmp_path / "vol"
        self.sources = tmp_path / "sources"
        self.vol.mkdir()
        self.sources.mkdir()
        # (directory, symlink, the symlink's target followed inside the root)
        self.pairs = [("d0", "l0", "/"), ("d1", "l1", str(self.sources))]
        for d, link, target in self.pairs:
            (self.vol / d).mkdir()
            (self.vol / link).symlink_to(target)
            # Followed inside the root, the symlink must lead somewhere, or
            # every run that resolves through it fails (as it should).
            (bundle.rootfs / target.lstrip("/")).mkdir(parents=True, exist_ok=True)
        self.base_mounts = list(bundle.config.get("mounts", []))
        self.base_mounts.append({"destination": "/vol", "type": "bind", "source": str(self.vol),
                                 "options": ["rbind", "rw"]})

    def racer_paths(self):
        return [str(self.vol / p) for d, link, _ in self.pairs for p in (d, link)]

    def places(self, pair, rel):
        """Where /vol/DIR/REL may be mounted: through the directory (under
        either name, as the racer may have swapped it since) or through the
        symlink followed inside the root."""
        d, link, target = pair
        return {f"/vol/{d}/{rel}", f"/vol/{link}/{rel}", os.path.join(target, rel)}

    def plan(self, it):
        """This iteration's mounts: (config entry, name, allowed points, kind,
        source). Names are new in every iteration, so every mountpoint has to
        be created while the racer runs (CVE-2024-45310)."""
        plan = []
        for p, pair in enumerate(self.pairs):
            d = pair[0]
            for k in range(PER_KIND):
                name = f"i{it}p{p}k{k}"
                # A tmpfs named like a bind source of this iteration: escaped
                # through l1, it would cover that source.
                t = f"src-{name}"
                plan.append(({"destination": f"/vol/{d}/{t}", "type": "tmpfs", "source": "tmpfs",
                              "options": [f"size={4 + k}k"]}, t, self.places(pair, t), "tmpfs", None))
                src = self.sources / t
                src.mkdir()
                (src / "marker").write_text("bound")
                b = f"bind-{name}"
                plan.append(({"destination": f"/vol/{d}/{b}", "type": "bind", "source": str(src),
                              "options": ["bind"]}, b, self.places(pair, b), "bind", src))
                f = f"file-{name}"
                host_file = self.sources / f"{f}.src"
                host_file.write_text("file")
                plan.append(({"destination": f"/vol/{d}/{f}", "type": "bind", "source": str(host_file),
                              "options": ["bind"]}, f, self.places(pair, f), "bind", host_file))
                n = f"nest-{name}"
                plan.append(({"destination": f"/vol/{d}/{n}/a/{n}", "type": "tmpfs", "source": "tmpfs",
                              "options": ["size=4k"]}, n, self.places(pair, f"{n}/a/{n}"), "tmpfs", None))
        return plan

    def write(self, plan):
        self.bundle.config["mounts"] = self.base_mounts + [entry for entry, *_ in plan]
        self.bundle.probe("mounts").write()


def check_container_view(mounts, plan, baseline, rootfs):
    """Every planned mount exactly once, where it may be, of its kind and
    from its source; nothing else beyond the baseline; "/" is the rootfs."""
    expected = set()
    for entry, name, places, kind, src in plan:
        found = [m for m in mounts if os.path.basename(m["point"]) == name]
        assert len(found) == 1, (entry, found)
        m = found[0]
        assert m["point"] in places, (entry, m)
        if kind == "tmpfs":
            assert m["fstype"] == "tmpfs", (entry, m)
        else:
            # From the real source, not from something mounted over it.
            assert m["fstype"] != "tmpfs" and m["dev"] == dev_of(src), (entry, m)
            assert m["root"].endswith("/" + src.name), (entry, m)
        expected.add(m["point"])
    extra = {m["point"] for m in mounts} - baseline - expected
    assert not extra, extra
    roots = [m for m in mounts if m["point"] == "/"]
    assert len(roots) == 1 and roots[0]["dev"] == dev_of(rootfs), roots


def listings(dirs):
    """The entries of each directory, but the harness's own output files."""
    return {d: sorted(n for n in os.listdir(d) if not n.startswith("ocirt-")) for d in dirs}


def test_symlink_exchange_race_on_mount_destinations(run, bundle, container_id, tmp_path, attacker_binary):
    scene = Scene(tmp_path, bundle)
    rootfs = bundle.rootfs

    # The container's mounts without the race: what every run has besides ours.
    scene.write([])
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    baseline = {m["point"] for m in parse_mountinfo(r.json()["mountinfo"])}

    host_mounts = host_mountinfo(tmp_path)
    # The symlinks' targets, the volume's top, and the directories around
    # the bundle: no mountpoint may be created in any of them.
    watched = [Path("/"), scene.sources, scene.vol, tmp_path, bundle.path]
    racer = subprocess.Popen([str(attacker_binary), "exchange", str(SECONDS + 60)] + scene.racer_paths(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ok = failed = 0
    deadline = time.monotonic() + SECONDS
    try:
        for it in range(ITERATIONS):
            if time.monotonic() > deadline:
                break
            plan = scene.plan(it)
            scene.write(plan)
            before = listings(watched)
            r = run("run", "--bundle", bundle, container_id)
            assert racer.poll() is None, racer.stderr.read()
            assert host_mountinfo(tmp_path) == host_mounts, f"iteration {it}: the host's mount table changed"
            assert listings(watched) == before, f"iteration {it}: something was created outside the rootfs"
            if r.rc != 0:
                # A run may fail under the attack; it must not do anything
                # else (checked above), and must stay the exception (below).
                failed += 1
                continue
            check_container_view(parse_mountinfo(r.json()["mountinfo"]), plan, baseline, rootfs)
            ok += 1
    finally:
        racer.terminate()
        out, err = racer.communicate(timeout=30)
    exchanges = json.loads(out)["exchanges"]
    assert exchanges > 1000, (out, err)
    # The pairs ended as they began: each directory and each symlink intact.
    for d, link, target in scene.pairs:
        assert (scene.vol / d).is_dir() and not (scene.vol / d).is_symlink()
        assert os.readlink(scene.vol / link) == target
    # Mountpoints are created from the parent's fd, not found again from the
    # root: a swap in between does not fail the run (src/util/path.c).
    assert ok >= 20 and ok >= failed, (ok, failed)
