# SPDX-License-Identifier: GPL-2.0-or-later
"""The systemd cgroup driver (--systemd-cgroup) against a fake systemd.

helpers/fake_systemd.py owns org.freedesktop.systemd1 on a private
dbus-daemon, handed to ocirt as DBUS_SYSTEM_BUS_ADDRESS; it makes the unit's
cgroups in the hierarchies systemd manages on a v1 host and logs every call
with its properties. Each run uses a slice of its own, removed at the end.

Not covered here: a real systemd (see docs/cgroups.md), cgroup v2 hosts."""

import json
import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import pytest
from helpers.cgroups import mounts, read
from helpers.lifecycle import state, wait_file, wait_for

pytestmark = pytest.mark.needs_root

HERE = Path(__file__).resolve().parent
PYTHON = "/usr/bin/python3"
READY = ["sh", "-c", "touch /ready; exec sleep 1000"]

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


def _usable():
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("dbus-daemon") is None:
        return "dbus-daemon is not installed (apt-get install dbus-daemon)"
    r = subprocess.run([PYTHON, "-c", "import dbus, dbus.mainloop.glib; from gi.repository import GLib"],
                       capture_output=True)
    if r.returncode != 0:
        return "python3-dbus and python3-gi are needed for the fake systemd"
    if not any(opt for opt in mounts() if opt not in ("", "name=systemd")):
        return "no cgroup v1 controllers: the fake systemd models a v1/hybrid host"
    return None


def start_bus(d):
    """A private dbus-daemon; returns (process, address)."""
    sock = d / "bus"
    conf = d / "bus.conf"
    conf.write_text(BUS_CONFIG.format(socket=sock))
    p = subprocess.Popen(["dbus-daemon", "--nofork", "--nopidfile", f"--config-file={conf}",
                          "--print-address=1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    address = p.stdout.readline().strip()
    assert address, "dbus-daemon printed no address"
    return p, address


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


class FakeSystemd:
    def __init__(self, d, address, slice_name):
        self.dir = d
        self.address = address
        self.slice = slice_name
        self.log = d / "calls.jsonl"
        self.control_file = d / "control.json"

    def calls(self, method=None):
        if not self.log.exists():
            return []
        found = [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]
        return [c for c in found if method is None or c["method"] == method]

    def control(self, **settings):
        self.control_file.write_text(json.dumps(settings))

    def reset(self):
        self.control()
        self.log.write_text("")

    def slice_dirs(self):
        """Every directory below the run's slice, on every hierarchy."""
        found = []
        for top in set(mounts().values()):
            base = Path(top) / self.slice
            found += [str(base)] if base.exists() else []
            found += [w[0] for w in os.walk(base)][1:]
        return found

    def cleanup(self):
        for top in set(mounts().values()):
            base = Path(top) / self.slice
            for path, _, _ in sorted(os.walk(base), key=lambda w: -len(w[0])):
                try:
                    os.rmdir(path)
                except OSError:
                    pass


@pytest.fixture(scope="module")
def fake_module(tmp_path_factory):
    why = _usable()
    if why:
        pytest.skip(why)
    d = tmp_path_factory.mktemp("fake-systemd")
    bus, address = start_bus(d)
    fake = FakeSystemd(d, address, f"ocirttest{uuid.uuid4().hex[:10]}.slice")
    fake.reset()
    ready = d / "ready"
    p = subprocess.Popen([PYTHON, str(HERE / "helpers" / "fake_systemd.py"), "--address", address, "--log",
                          str(fake.log), "--control", str(fake.control_file), "--ready", str(ready)],
                         stderr=open(d / "fake.err", "w"))
    saved = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
    try:
        wait_for(lambda: ready.exists() or p.poll() is not None, 10, "the fake systemd")
        assert p.poll() is None, (d / "fake.err").read_text()
        # The harness's `delete --force` after each test needs it too.
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address
        yield fake
    finally:
        if saved is None:
            os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = saved
        stop(p)
        stop(bus)
        fake.cleanup()


@pytest.fixture
def fake(fake_module):
    fake_module.reset()
    yield fake_module
    fake_module.control()


def props_of(call):
    return {name: (sig, value) for name, sig, value in call["properties"]}


def cgroup_lines(pid):
    """{controllers: path} from /proc/PID/cgroup."""
    out = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            out[ctrls] = path
    return out


def scope_dir(controller, rel):
    return mounts()[controller] + rel


def test_scope_started_with_properties_and_joined_everywhere(run, bundle, container_id, fake, root):
    cg = f"{fake.slice}:ocirt:{container_id}"
    unit = f"ocirt-{container_id}.scope"
    rel = f"/{fake.slice}/{unit}"
    bundle.args(*READY).set("root.readonly", False).set("linux.cgroupsPath", cg)
    bundle.set("linux.resources.memory", {"limit": 67108864})
    bundle.set("linux.resources.cpu", {"shares": 512, "quota": 25000, "period": 100000, "cpus": "0"})
    bundle.set("linux.resources.pids", {"limit": 77})
    bundle.set("annotations", {
        "org.systemd.property.CollectMode": "'inactive-or-failed'",
        "org.systemd.property.TimeoutStopSec": "uint64 7",
        "org.systemd.property.SendSIGHUP": "true",
        "org.systemd.property.LogLevelMax": "int32 6",
        "unrelated.annotation": "not a variant",
    }).write()

    r = run("--systemd-cgroup", "create", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert run("start", container_id).rc == 0
    wait_file(bundle.rootfs / "ready", "", timeout=10)
    pid = state(run, container_id)["pid"]

    (call,) = fake.calls("StartTransientUnit")
    assert call["unit"] == unit and call["mode"] == "replace" and call["aux"] == []
    p = props_of(call)
    assert p["Description"] == ("s", f"ocirt container {container_id}")
    assert p["Slice"] == ("s", fake.slice)
    assert p["Delegate"] == ("b", True)
    assert p["PIDs"] == ("au", [pid])
    assert p["DefaultDependencies"] == ("b", False)
    for acct in ("MemoryAccounting", "CPUAccounting", "BlockIOAccounting", "TasksAccounting"):
        assert p[acct] == ("b", True), acct
    # Resources as runc's v1 driver maps them.
    assert p["MemoryLimit"] == ("t", 67108864)
    assert p["CPUShares"] == ("t", 512)
    assert p["CPUQuotaPeriodUSec"] == ("t", 100000)
    assert p["CPUQuotaPerSecUSec"] == ("t", 250000)
    assert p["TasksMax"] == ("t", 77)
    assert p["AllowedCPUs"] == ("ay", [1])
    assert p["DevicePolicy"] == ("s", "strict")
    assert p["DeviceAllow"][0] == "a(ss)"
    allowed = {tuple(e) for e in p["DeviceAllow"][1]}
    assert {("/dev/char/1:3", "rwm"), ("char-pts", "rwm"), ("char-*", "m"), ("block-*", "m")} <= allowed
    # Annotations, passed through (Sec -> USec in microseconds).
    assert p["CollectMode"] == ("s", "inactive-or-failed")
    assert p["TimeoutStopUSec"] == ("t", 7000000)
    assert p["SendSIGHUP"] == ("b", True)
    assert p["LogLevelMax"] == ("i", 6)
    assert "annotation" not in " ".join(p)

    # The init is in the scope in every hierarchy, those systemd does not
    # manage (cpuset, freezer) included.
    lines = cgroup_lines(pid)
    assert lines and all(path == rel for path in lines.values()), lines
    # What cgroupfs wrote into the scope's directories.
    assert read(scope_dir("memory", rel) + "/memory.limit_in_bytes") == "67108864"
    assert read(scope_dir("cpu", rel) + "/cpu.shares") == "512"
    assert read(scope_dir("cpu", rel) + "/cpu.cfs_quota_us") == "25000"
    assert read(scope_dir("pids", rel) + "/pids.max") == "77"
    assert read(scope_dir("cpuset", rel) + "/cpuset.cpus") == "0"
    # The state says which driver and unit.
    st = json.loads((Path(root) / container_id / "state.json").read_text())
    assert st["systemdUnit"] == unit and st["cgroupPath"] == rel

    # delete stops the unit; nothing of the cgroup is left.
    assert run("kill", container_id, "KILL").rc == 0
    wait_for(lambda: state(run, container_id)["status"] == "stopped", 10, "the container to stop")
    r = run("delete", container_id)
    assert r.rc == 0, r.stderr
    assert [c["unit"] for c in fake.calls("StopUnit")] == [unit]
    assert fake.calls("StopUnit")[0]["mode"] == "replace"
    assert not any(unit in d for d in fake.slice_dirs()), fake.slice_dirs()
    assert not any(os.path.exists(t + rel) for t in mounts().values())


def test_commands_use_the_scope(run, bundle, container_id, fake):
    rel = f"/{fake.slice}/ocirt-{container_id}.scope"
    bundle.args(*READY).set("root.readonly", False).set("linux.cgroupsPath", f"{fake.slice}:ocirt:{container_id}")
    bundle.write()
    assert run("--systemd-cgroup", "run", "-d", "--bundle", bundle, container_id).rc == 0
    wait_file(bundle.rootfs / "ready", "", timeout=10)
    pid = state(run, container_id)["pid"]
    r = run("ps", "--format", "json", container_id)
    assert r.rc == 0 and pid in json.loads(r.stdout), r.stderr
    assert run("pause", container_id).rc == 0
    assert read(scope_dir("freezer", rel) + "/freezer.state") == "FROZEN"
    assert run("resume", container_id).rc == 0
    # update: the unit's properties first, then the files.
    r = run("update", "--memory", "50331648", "--pids-limit", "40", container_id)
    assert r.rc == 0, r.stderr
    (call,) = fake.calls("SetUnitProperties")
    assert call["unit"] == f"ocirt-{container_id}.scope" and call["runtime"] is True
    assert props_of(call)["MemoryLimit"] == ("t", 50331648)
    assert props_of(call)["TasksMax"] == ("t", 40)
    assert read(scope_dir("memory", rel) + "/memory.limit_in_bytes") == "50331648"
    assert read(scope_dir("pids", rel) + "/pids.max") == "40"
    r = run("delete", "--force", container_id)
    assert r.rc == 0, r.stderr
    assert len(fake.calls("StopUnit")) == 1
    assert not any(container_id in d for d in fake.slice_dirs())


def test_static_runtime_hands_the_container_to_the_glibc_one(run, bundle, container_id, fake, ocirt_runtime,
                                                            tmp_path):
    """Without --systemd-cgroup the launcher starts the static runtime for
    `delete`: the entry names a unit, which it cannot stop (libsystemd is
    dlopen()ed), so it hands the command to the glibc runtime before it
    touches anything, and the container goes as with the flag."""
    if not ocirt_runtime.endswith("-static"):
        pytest.skip("this build has no static runtime (configure found no contrib/musl-deps archives; "
                    "the sanitizer build)")
    bundle.args(*READY).set("root.readonly", False).set("linux.cgroupsPath", f"{fake.slice}:ocirt:{container_id}")
    bundle.write()
    assert run("--systemd-cgroup", "run", "-d", "--bundle", bundle, container_id).rc == 0
    wait_file(bundle.rootfs / "ready", "", timeout=10)
    log = tmp_path / "hand-off.log"
    r = run("--debug", "--log", log, "delete", "--force", container_id)
    assert r.rc == 0, r.stderr
    assert "the systemd cgroup driver: handing the command to" in log.read_text()
    assert len(fake.calls("StopUnit")) == 1
    assert not any(container_id in d for d in fake.slice_dirs())


def test_slice_unit_nests_by_name(run, bundle, container_id, fake):
    """A name ending in .slice is a slice unit placed by its own name; the
    init joins it through cgroupfs (slices take no PIDs)."""
    child = fake.slice[: -len(".slice")] + f"-{container_id}.slice"
    rel = f"/{fake.slice}/{child}"
    bundle.args(*READY).set("root.readonly", False).set("linux.cgroupsPath", f"{fake.slice}:ignored:{child}")
    bundle.write()
    r = run("--systemd-cgroup", "run", "-d", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    wait_file(bundle.rootfs / "ready", "", timeout=10)
    (call,) = fake.calls("StartTransientUnit")
    p = props_of(call)
    assert call["unit"] == child
    assert p["Wants"] == ("as", [fake.slice])
    assert "PIDs" not in p and "Slice" not in p and "Delegate" not in p
    pid = state(run, container_id)["pid"]
    assert all(path == rel for path in cgroup_lines(pid).values())
    assert run("delete", "--force", container_id).rc == 0
    assert [c["unit"] for c in fake.calls("StopUnit")] == [child]
    assert not any(container_id in d for d in fake.slice_dirs())


@pytest.mark.parametrize("how", ["error", "job-failed"])
def test_failed_start_leaves_nothing(run, bundle, container_id, fake, leftovers, how):
    bundle.args(*READY).set("linux.cgroupsPath", f"{fake.slice}:ocirt:{container_id}").write()
    fake.control(start=how)
    r = run("--systemd-cgroup", "create", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert f"start unit `ocirt-{container_id}.scope`" in r.stderr
    assert ("refused on request" if how == "error" else "the job ended with `failed`") in r.stderr
    assert leftovers() == []
    assert not any(container_id in d for d in fake.slice_dirs())


@pytest.mark.parametrize("cgroups_path,needle", [
    ("/a/b", 'expected "slice:prefix:name"'),
    ("system.slice:ocirt", 'expected "slice:prefix:name"'),
    ("a:b:c:d", 'expected "slice:prefix:name"'),
    ("bad:ocirt:x", "invalid slice name `bad`"),
    ("a--b.slice:ocirt:x", "invalid slice name `a--b.slice`"),
    ("system.slice:ocirt:", "the name part is empty"),
    ("system.slice:ocirt:we/ird", "invalid unit name"),
])
def test_bad_cgroups_path_rejected_before_anything(run, bundle, container_id, fake, leftovers, cgroups_path,
                                                     needle):
    bundle.args("true").set("linux.cgroupsPath", cgroups_path).write()
    r = run("--systemd-cgroup", "create", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert needle in r.stderr and len(r.stderr_lines()) == 1, r.stderr
    assert fake.calls("StartTransientUnit") == []
    assert leftovers() == []


@pytest.mark.parametrize("value,needle", [
    ("inactive", "unknown word (a string needs quotes"),
    ("'open", "unterminated string"),
    ("uint64 -1", "negative number for an unsigned type"),
    ("[]", "the type of an empty array is unknown"),
])
def test_bad_annotation_rejected_before_anything(run, bundle, container_id, fake, leftovers, value, needle):
    bundle.args("true").set("linux.cgroupsPath", f"{fake.slice}:ocirt:{container_id}")
    bundle.set("annotations", {"org.systemd.property.CollectMode": value}).write()
    r = run("--systemd-cgroup", "create", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert "annotation org.systemd.property.CollectMode" in r.stderr and needle in r.stderr, r.stderr
    assert len(r.stderr_lines()) == 1
    assert fake.calls() == []
    assert leftovers() == []


def test_without_the_bus_systemd_is_not_running(run, bundle, container_id, fake, leftovers, tmp_path):
    bundle.args("true").set("linux.cgroupsPath", f"{fake.slice}:ocirt:{container_id}").write()
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={tmp_path}/no-bus-here")
    r = run("--systemd-cgroup", "create", "--bundle", bundle, container_id, env=env)
    assert r.rc != 0
    assert len(r.stderr_lines()) == 1 and "systemd is not running: " in r.stderr, r.stderr
    assert leftovers() == []


def test_bus_without_systemd_is_not_running(run, bundle, container_id, fake, leftovers, tmp_path):
    bus, address = start_bus(tmp_path)
    try:
        bundle.args("true").set("linux.cgroupsPath", f"{fake.slice}:ocirt:{container_id}").write()
        r = run("--systemd-cgroup", "create", "--bundle", bundle, container_id,
                env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address))
    finally:
        stop(bus)
    assert r.rc != 0
    assert len(r.stderr_lines()) == 1 and "systemd is not running: " in r.stderr, r.stderr
    assert "org.freedesktop.systemd1" in r.stderr
    assert leftovers() == []


def test_delete_without_the_bus_still_removes_the_cgroup(run, bundle, container_id, fake, tmp_path):
    """systemd gone by the time of delete: a warning, and cgroupfs removes
    what is left (delete --force must always finish)."""
    bundle.args(*READY).set("root.readonly", False).set("linux.cgroupsPath", f"{fake.slice}:ocirt:{container_id}")
    bundle.write()
    assert run("--systemd-cgroup", "run", "-d", "--bundle", bundle, container_id).rc == 0
    wait_file(bundle.rootfs / "ready", "", timeout=10)
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={tmp_path}/no-bus-here")
    r = run("delete", "--force", container_id, env=env)
    assert r.rc == 0, r.stderr
    assert "systemd is not running" in r.stderr
    assert not any(container_id in d for d in fake.slice_dirs())
