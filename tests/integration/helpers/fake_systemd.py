#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for systemd's D-Bus Manager, for the systemd cgroup driver tests.

It owns org.freedesktop.systemd1 on the bus at --address and answers the
calls the driver makes, as systemd does on a hybrid cgroup v1 host:

  StartTransientUnit  creates the unit's cgroup (<slice path>/<unit>) in the
                      hierarchies systemd manages (--managed), moves the PIDs
                      there, and reports the job with JobRemoved
  StopUnit            removes those directories, reports the job
  ResetFailedUnit, SetUnitProperties, Properties.Get("Version")

Every call is appended to --log as one JSON line: {"method", "unit",
"mode", "properties": [[name, D-Bus signature, value], ...]}. Before each
call it reads --control (JSON), whose "start" may be "error" (the method
fails) or "job-failed" (the cgroup is made, then the job ends "failed").

Run with python3-dbus and python3-gi (GLib main loop)."""

import argparse
import json
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.systemd1"
PATH = "/org/freedesktop/systemd1"
MANAGER = "org.freedesktop.systemd1.Manager"
PROPERTIES = "org.freedesktop.DBus.Properties"

# dbus-python's classes for the basic types, most specific first (all the
# integer classes derive from int, Boolean included).
BASIC = [
    (dbus.Boolean, "b"), (dbus.Byte, "y"), (dbus.Int16, "n"), (dbus.UInt16, "q"), (dbus.Int32, "i"),
    (dbus.UInt32, "u"), (dbus.Int64, "x"), (dbus.UInt64, "t"), (dbus.Double, "d"),
    (dbus.ObjectPath, "o"), (dbus.Signature, "g"), (dbus.String, "s"),
]


def signature(v):
    for cls, sig in BASIC:
        if isinstance(v, cls):
            return sig
    if isinstance(v, dbus.Array):
        return "a" + (v.signature or "?")
    if isinstance(v, dbus.Struct):
        return "(" + "".join(signature(x) for x in v) + ")"
    return "?"


def plain(v):
    """The value as JSON: numbers, booleans, strings, lists."""
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.Array, dbus.Struct, list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    return str(v)


def expand_slice(slice_name):
    """test-a-b.slice -> /test.slice/test-a.slice/test-a-b.slice."""
    base = slice_name[: -len(".slice")]
    if base == "-":
        return ""
    parts = base.split("-")
    return "".join("/" + "-".join(parts[: i + 1]) + ".slice" for i in range(len(parts)))


class Manager(dbus.service.Object):
    def __init__(self, bus, args):
        super().__init__(bus, PATH)
        self.args = args
        self.units = {}  # name -> {"dirs": [...], "state": "active" | "failed"}
        self.jobs = 0

    # --- helpers ---

    def record(self, method, **fields):
        with open(self.args.log, "a") as f:
            f.write(json.dumps(dict(method=method, **fields)) + "\n")

    def control(self):
        try:
            with open(self.args.control) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def new_job(self, unit, result):
        self.jobs += 1
        job_id = self.jobs
        job = dbus.ObjectPath(f"{PATH}/job/{job_id}")
        # After the method's reply, as systemd does.
        GLib.idle_add(lambda: self.JobRemoved(dbus.UInt32(job_id), job, unit, result) and False)
        return job

    def make_cgroups(self, rel, pids):
        dirs = []
        for h in self.args.managed.split(","):
            top = os.path.join(self.args.cgroup_root, h)
            if not os.path.ismount(top):
                continue
            d = top + rel
            os.makedirs(d, exist_ok=True)
            dirs.append(d)
            for pid in pids:
                with open(os.path.join(d, "cgroup.procs"), "w") as f:
                    f.write(str(pid))
        return dirs

    # --- the Manager ---

    @dbus.service.signal(MANAGER, signature="uoss")
    def JobRemoved(self, job_id, job, unit, result):
        pass

    @dbus.service.method(MANAGER, in_signature="ssa(sv)a(sa(sv))", out_signature="o")
    def StartTransientUnit(self, unit, mode, props, aux):
        props = [[str(n), signature(v), plain(v)] for n, v in props]
        self.record("StartTransientUnit", unit=str(unit), mode=str(mode), properties=props, aux=plain(aux))
        how = self.control().get("start")
        if how == "error":
            raise dbus.exceptions.DBusException("refused on request", name="org.freedesktop.DBus.Error.Failed")
        if unit in self.units:
            raise dbus.exceptions.DBusException(f"Unit {unit} already exists.",
                                                name="org.freedesktop.systemd1.UnitExists")
        values = {n: v for n, _, v in props}
        if unit.endswith(".slice"):
            rel = expand_slice(str(unit))
        else:
            rel = expand_slice(values.get("Slice", "system.slice")) + "/" + unit
        dirs = self.make_cgroups(rel, values.get("PIDs", []))
        failed = how == "job-failed"
        self.units[str(unit)] = {"dirs": dirs, "state": "failed" if failed else "active"}
        return self.new_job(unit, "failed" if failed else "done")

    @dbus.service.method(MANAGER, in_signature="ss", out_signature="o")
    def StopUnit(self, unit, mode):
        self.record("StopUnit", unit=str(unit), mode=str(mode))
        u = self.units.pop(str(unit), None)
        if u is None:
            raise dbus.exceptions.DBusException(f"Unit {unit} not loaded.",
                                                name="org.freedesktop.systemd1.NoSuchUnit")
        for d in u["dirs"]:
            for sub, _, _ in sorted(os.walk(d), key=lambda w: -len(w[0])):
                os.rmdir(sub)
        return self.new_job(unit, "done")

    @dbus.service.method(MANAGER, in_signature="s", out_signature="")
    def ResetFailedUnit(self, unit):
        self.record("ResetFailedUnit", unit=str(unit))
        if self.units.get(str(unit), {}).get("state") == "failed":
            del self.units[str(unit)]

    @dbus.service.method(MANAGER, in_signature="sba(sv)", out_signature="")
    def SetUnitProperties(self, unit, runtime, props):
        props = [[str(n), signature(v), plain(v)] for n, v in props]
        self.record("SetUnitProperties", unit=str(unit), runtime=bool(runtime), properties=props)
        if str(unit) not in self.units:
            raise dbus.exceptions.DBusException(f"Unit {unit} not loaded.",
                                                name="org.freedesktop.systemd1.NoSuchUnit")

    @dbus.service.method(PROPERTIES, in_signature="ss", out_signature="v")
    def Get(self, interface, prop):
        if interface == MANAGER and prop == "Version":
            return dbus.String("252", variant_level=1)
        raise dbus.exceptions.DBusException(f"no property {prop}", name="org.freedesktop.DBus.Error.UnknownProperty")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--address", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--control", required=True)
    p.add_argument("--ready", required=True, help="file created once the name is owned")
    p.add_argument("--cgroup-root", default="/sys/fs/cgroup")
    # What systemd realizes on a v1 host (no cpuset, freezer, net_cls...).
    p.add_argument("--managed", default="systemd,cpu,cpuacct,blkio,memory,devices,pids,unified")
    args = p.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(args.address)
    manager = Manager(bus, args)
    name = dbus.service.BusName(NAME, bus, do_not_queue=True)
    loop = GLib.MainLoop()
    bus.call_on_disconnection(lambda _conn: loop.quit())
    with open(args.ready, "w") as f:
        f.write(str(os.getpid()))
    try:
        loop.run()
    finally:
        del name, manager
    return 0


if __name__ == "__main__":
    sys.exit(main())
