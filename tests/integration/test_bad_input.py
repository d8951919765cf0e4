# SPDX-License-Identifier: GPL-2.0-or-later
"""The bad-input catalogue: every kind of invalid input ocirt refuses, one
table row per case.

A refusal is always checked the same way (refused() below): a non-zero exit,
exactly one line on stderr that names the problem (the field's JSON path or
the offending value), no output, and nothing left behind: no state
directory, process, mount or cgroup (conftest.py's leftovers()). config.md
and runtime.md say invalid values MUST be errors, so a row that shows ocirt
accepting one is a bug in the validator (src/core/spec*.c, libocispec/).

Unknown *properties* are the exception: config.md requires runtimes to
ignore them, and test_accepted_on_purpose proves they are.

The older, narrower checks in test_errors.py stay; this file is the complete
list to extend when a new kind of bad input is found."""

import json
import os
import re

import pytest
from conftest import processes_in
from helpers.lifecycle import pid_alive, state, wait_status

pytestmark = pytest.mark.needs_root

# The container process when a config is (wrongly) accepted: it stays in
# `created` for create and exits at once for run, so no row can hang.
ARGS = ["/probe", "exit", "0"]


def refused(r, *words):
    """Non-zero exit, no stdout, exactly one clear stderr line containing
    every word (case-insensitive); returns the line."""
    assert r.rc != 0, f"accepted (rc 0), stdout {r.stdout!r}, stderr {r.stderr!r}"
    assert r.stdout == "", f"output on a refusal: {r.stdout!r}"
    assert r.stderr.endswith("\n") and r.stderr.count("\n") == 1, f"expected one line, got:\n{r.stderr}"
    line = r.stderr.rstrip("\n")
    assert line.startswith("ocirt: "), line
    # "Error: Error:", "config.json: config.json:": context added twice.
    assert not re.search(r"(?:^|\s)([^\s:]+): \1:", line), f"doubled prefix: {line!r}"
    assert not any(ord(c) < 0x20 for c in line), f"control character in {line!r}"
    for w in words:
        assert w.lower() in line.lower(), f"{w!r} not in {line!r}"
    return line


def nothing_left(root, leftovers):
    assert os.listdir(root) == [], "state directory left behind"
    assert leftovers() == []


# --------------------------------------------------------------------------
# config.json: one row = (how to break the bundle, words the line must hold)
#
# A mutator takes (bundle, tmp_path). It changes bundle.config (written
# afterwards), or the bundle's files; a returned str/bytes replaces
# config.json verbatim. Words may use {tmp}, {pid} and {m} (see _fmt).


def put(path, value):
    return lambda b, tmp: b.set(path, value)


def drop(path):
    return lambda b, tmp: b.delete(path)


def raw(text):
    return lambda b, tmp: text


def ns(type, path=None):
    return lambda b, tmp: b.add_namespace(type, path.format(tmp=tmp, pid=os.getpid()) if path else None)


def drop_ns(b, *types):
    """Removes these namespaces (and the hostname, which needs uts)."""
    for t in types:
        b.remove_namespace(t)
    if "uts" in types:
        b.delete("hostname")
    return b


def ns_extra(entry):
    return lambda b, tmp: b.config["linux"]["namespaces"].append(entry)


def sysctl(key, value="1", without=()):
    return lambda b, tmp: drop_ns(b, *without).set("linux.sysctl", {key: value})


def rlimits(*entries):
    return put("process.rlimits", [dict(type=t, soft=s, hard=h) for t, s, h in entries])


def seccomp(**fields):
    profile = {"defaultAction": "SCMP_ACT_ALLOW"}
    profile.update(fields)
    return put("linux.seccomp", profile)


def resources(**fields):
    return put("linux.resources", fields)


def userns(uid=((0, 100000, 65536),), gid=((0, 100000, 65536),)):
    """A new user namespace with these (containerID, hostID, size) maps."""

    def f(b, tmp):
        b.add_namespace("user")
        b.set("linux.uidMappings", [dict(containerID=c, hostID=h, size=n) for c, h, n in uid])
        b.set("linux.gidMappings", [dict(containerID=c, hostID=h, size=n) for c, h, n in gid])

    return f


def rootfs_symlink(b, tmp):
    real = b.path / "real-rootfs"
    b.rootfs.rename(real)
    b.rootfs.symlink_to(real.name)


def rootfs_dangling(b, tmp):
    b.set("root.path", "dangling")
    (b.path / "dangling").symlink_to("no-such-target")


def rootfs_file(b, tmp):
    (b.path / "a-file").write_text("not a directory\n")
    b.set("root.path", "a-file")


def mount(**m):
    return lambda b, tmp: b.config["mounts"].append(
        {k: v.format(tmp=tmp) if isinstance(v, str) else v for k, v in m.items()})


def hook(kind, path):
    return put("hooks", {kind: [{"path": path}]})


C = pytest.param

CONFIG_CASES = [
    # -- malformed or truncated JSON
    C(raw('{"ociVersion": "1.0.2", "process": {'), ["config.json"], id="json-truncated"),
    C(raw(""), ["config.json"], id="json-empty-file"),
    C(raw("not json at all"), ["config.json"], id="json-garbage"),
    C(raw('{"ociVersion": "1.0.2",}'), ["config.json"], id="json-trailing-comma"),
    C(raw("{'ociVersion': '1.0.2'}"), ["config.json"], id="json-single-quotes"),
    C(raw('{"ociVersion": "1.0.2"} {}'), ["config.json"], id="json-two-documents"),
    C(raw(b'{"ociVersion": "1.0.2", "hostname": "\xff\xfe"}'), ["config.json"], id="json-invalid-utf8"),
    C(raw('["not", "an", "object"]'), ["config.json"], id="json-top-level-array"),
    C(raw('"just a string"'), ["config.json"], id="json-top-level-string"),
    C(raw('{"ociVersion": "1.0.2", "process": {"args": ["sh"], "cwd": "/"'), ["config.json"],
      id="json-unclosed-object"),
    # -- required fields and the version
    C(drop("ociVersion"), ["ociVersion"], id="ociVersion-missing"),
    C(put("ociVersion", "2.0.0"), ["ociVersion", "2.0.0"], id="ociVersion-unsupported"),
    C(put("ociVersion", "banana"), ["ociVersion", "banana"], id="ociVersion-not-semver"),
    C(drop("root"), ["root"], id="root-missing"),
    C(drop("process.cwd"), ["process.cwd"], id="cwd-missing"),
    # -- wrong types
    C(put("process.args", "sh"), ["process.args"], id="args-string"),
    C(put("process.args", ["sh", 1]), ["process.args"], id="args-number-item"),
    C(put("process.user.uid", "1000"), ["process.user.uid"], id="uid-string"),
    C(put("process.user.uid", 1.5), ["process.user.uid"], id="uid-fraction"),
    C(put("process.user.additionalGids", "1,2"), ["process.user.additionalGids"], id="additionalGids-string"),
    C(put("process.terminal", "yes"), ["process.terminal"], id="terminal-string"),
    C(put("process.noNewPrivileges", 1), ["process.noNewPrivileges"], id="noNewPrivileges-number"),
    C(put("process.env", {"A": "b"}), ["process.env"], id="env-object"),
    C(put("process.cwd", True), ["process.cwd"], id="cwd-bool"),
    C(put("hostname", True), ["hostname"], id="hostname-bool"),
    C(put("hostname", ["x"]), ["hostname"], id="hostname-array"),
    C(put("root.path", 5), ["root.path"], id="root-path-number"),
    C(put("root.readonly", "false"), ["root.readonly"], id="root-readonly-string"),
    C(put("ociVersion", 1), ["ociVersion"], id="ociVersion-number"),
    C(put("mounts", {"destination": "/x"}), ["mounts"], id="mounts-object"),
    C(mount(destination="/x", type="tmpfs", source="tmpfs", options="ro"), ["options"],
      id="mount-options-string"),
    C(put("annotations", {"a": 1}), ["annotations"], id="annotation-number"),
    C(put("linux.namespaces", {"type": "pid"}), ["linux.namespaces"], id="namespaces-object"),
    C(put("linux.resources.memory.limit", "1G"), ["linux.resources.memory.limit"], id="memory-limit-string"),
    C(put("linux.resources.pids", {"limit": "10"}), ["linux.resources.pids.limit"], id="pids-limit-string"),
    C(put("linux.sysctl", ["net.ipv4.ip_forward=1"]), ["linux.sysctl"], id="sysctl-array"),
    C(put("linux.sysctl", {"net.ipv4.ip_forward": 1}), ["linux.sysctl"], id="sysctl-value-number"),
    C(rlimits(("RLIMIT_NOFILE", 1024, "4096")), ["process.rlimits"], id="rlimit-hard-string"),
    C(put("linux.seccomp", {"defaultAction": 0}), ["linux.seccomp.defaultAction"],
      id="seccomp-action-number"),
    C(put("process.capabilities.bounding", "CAP_KILL"), ["process.capabilities.bounding"],
      id="capabilities-string"),
    # -- numbers out of range
    C(put("process.user.uid", 2**32), ["process.user.uid"], id="uid-2^32"),
    C(put("process.user.uid", -1), ["process.user.uid"], id="uid-negative"),
    C(put("process.user.gid", 2**40), ["process.user.gid"], id="gid-2^40"),
    C(put("process.user.additionalGids", [2**32]), ["process.user.additionalGids"], id="additionalGid-2^32"),
    C(put("process.user.uid", 10**30), ["process.user.uid"], id="uid-beyond-64-bits"),
    C(put("process.oomScoreAdj", 1001), ["process.oomScoreAdj", "1001"], id="oomScoreAdj-1001"),
    C(put("process.oomScoreAdj", -1001), ["process.oomScoreAdj", "-1001"], id="oomScoreAdj--1001"),
    C(put("process.oomScoreAdj", 2**31), ["process.oomScoreAdj"], id="oomScoreAdj-2^31"),
    C(rlimits(("RLIMIT_NOFILE", 4096, 1024)), ["process.rlimits[0]", "4096"], id="rlimit-soft-above-hard"),
    C(rlimits(("RLIMIT_NOFILE", -1, 1024)), ["process.rlimits[0].soft"], id="rlimit-soft-negative"),
    C(put("process.consoleSize", {"height": -1, "width": 80}), ["process.consoleSize.height"],
      id="consoleSize-negative"),
    C(put("process.ioPriority", {"class": "IOPRIO_CLASS_BE", "priority": 8}), ["process.ioPriority.priority"],
      id="ioPriority-8"),
    C(put("process.scheduler", {"policy": "SCHED_OTHER", "nice": 20}), ["process.scheduler.nice"],
      id="nice-20"),
    C(put("process.scheduler", {"policy": "SCHED_FIFO", "priority": 100}), ["process.scheduler.priority"],
      id="rt-priority-100"),
    C(put("process.user.umask", 2**32), ["process.user.umask"], id="umask-2^32"),
    C(put("hooks", {"prestart": [{"path": "/bin/true", "timeout": 0}]}), ["hooks.prestart[0].timeout"],
      id="hook-timeout-0"),
    C(put("linux.uidMappings", [{"containerID": 0, "hostID": 0, "size": 2**32}]), ["size"],
      id="mapping-size-2^32"),
    # -- process: cwd, args, env
    C(put("process.cwd", "relative/dir"), ["process.cwd", "relative/dir"], id="cwd-relative"),
    C(put("process.cwd", ""), ["process.cwd"], id="cwd-empty"),
    C(put("process.args", []), ["process.args"], id="args-empty"),
    C(put("process.args", [""]), ["process.args"], id="args-empty-string"),
    C(drop("process.args"), ["process.args"], id="args-missing"),
    C(put("process.env", ["PATH=/bin", "NOEQUALS"]), ["process.env[1]", "NOEQUALS"], id="env-without-equals"),
    C(put("process.env", ["=value"]), ["process.env[0]"], id="env-empty-name"),
    # -- rootfs
    C(put("root.path", "no-such-rootfs"), ["root.path", "no-such-rootfs"], id="rootfs-missing"),
    C(put("root.path", "/no/such/rootfs"), ["/no/such/rootfs"], id="rootfs-missing-absolute"),
    C(put("root.path", ""), ["root.path"], id="rootfs-empty-path"),
    C(rootfs_symlink, ["root.path", "symlink"], id="rootfs-symlink"),
    C(rootfs_dangling, ["root.path", "dangling"], id="rootfs-dangling-symlink"),
    C(rootfs_file, ["root.path", "a-file"], id="rootfs-is-a-file"),
    # -- namespaces
    C(ns("bogus"), ["linux.namespaces", "bogus"], id="ns-unknown-type"),
    C(ns_extra({"type": ""}), ["linux.namespaces"], id="ns-empty-type"),
    C(ns_extra({"type": "pid"}), ["linux.namespaces", "duplicate", "pid"], id="ns-duplicate"),
    C(ns("ipc", "/proc/{pid}/ns/net"), ["/proc/{pid}/ns/net", "another type"], id="ns-path-wrong-type"),
    C(ns("uts", "/proc/{pid}/ns/mnt"), ["/proc/{pid}/ns/mnt", "another type"], id="ns-path-wrong-type-uts"),
    C(ns("network", "{tmp}/no-such-ns"), ["{tmp}/no-such-ns"], id="ns-path-missing"),
    C(ns("network", "/etc/hostname"), ["/etc/hostname", "not a namespace"], id="ns-path-not-a-namespace"),
    C(ns("network", "proc/1/ns/net"), ["linux.namespaces", "absolute"], id="ns-path-relative"),
    C(ns("user"), ["linux.uidMappings"], id="userns-without-mappings"),
    C(put("linux.uidMappings", [{"containerID": 0, "hostID": 1000, "size": 1}]),
      ["linux.uidMappings", "user"],
      id="uidMappings-without-userns"),
    C(put("linux.gidMappings", [{"containerID": 0, "hostID": 1000, "size": 1}]), ["Mappings", "user"],
      id="gidMappings-without-userns"),
    C(userns(uid=[(0, 100000, 0)]), ["linux.uidMappings[0].size"], id="mapping-size-0"),
    C(userns(uid=[(0, 100000, 65536), (10, 300000, 5)]), ["linux.uidMappings[1]", "overlaps"],
      id="mapping-overlap-container-side"),
    C(userns(gid=[(0, 100000, 10), (20, 100005, 10)]), ["linux.gidMappings[1]", "overlaps"],
      id="mapping-overlap-host-side"),
    C(userns(uid=[(4294967290, 100000, 100)]), ["linux.uidMappings[0]", "4294967290"], id="mapping-wraps"),
    C(userns(uid=[(0, 4294967295, 1)]), ["linux.uidMappings[0]", "hostID"], id="mapping-host-id-(uid_t)-1"),
    C(userns(uid=[(i * 2, 100000 + i * 2, 1) for i in range(341)]), ["linux.uidMappings", "340"],
      id="mapping-341-entries"),
    C(mount(destination="/mnt", type="tmpfs", source="tmpfs", options=["idmap"],
            uidMappings=[{"containerID": 0, "hostID": 1000, "size": 0}],
            gidMappings=[{"containerID": 0, "hostID": 1000, "size": 1}]),
      ["mounts[{m}].uidMappings[0].size"], id="mount-mapping-size-0"),
    C(lambda b, tmp: b.remove_namespace("uts").set("hostname", "box"), ["hostname", "uts"],
      id="hostname-without-uts"),
    C(lambda b, tmp: drop_ns(b, "uts").set("domainname", "example.org"), ["domainname", "uts"],
      id="domainname-without-uts"),
    C(put("linux.timeOffsets", {"monotonic": {"secs": 1}}), ["linux.timeOffsets", "time"],
      id="timeOffsets-without-timens"),
    # -- sysctl
    C(sysctl("vm.swappiness", "10"), ["vm.swappiness"], id="sysctl-vm-swappiness"),
    C(sysctl("fs.file-max", "1000"), ["fs.file-max"], id="sysctl-fs-file-max"),
    C(sysctl("kernel.hostname", "box"), ["kernel.hostname", "hostname"], id="sysctl-kernel-hostname"),
    C(sysctl("kernel/hostname", "box"), ["kernel/hostname"], id="sysctl-slash-form"),
    C(sysctl("kernel.domainname", "x", without=("uts",)), ["kernel.domainname"],
      id="sysctl-domainname-no-uts"),
    C(sysctl("kernel.shmmax", "1000", without=("ipc",)), ["kernel.shmmax", "ipc"], id="sysctl-ipc-no-ipcns"),
    C(sysctl("fs.mqueue.queues_max", "10", without=("ipc",)), ["fs.mqueue.queues_max"],
      id="sysctl-mqueue-no-ipcns"),
    C(sysctl("net.ipv4.ip_forward", "1", without=("network",)), ["net.ipv4.ip_forward", "network"],
      id="sysctl-net-host-netns"),
    C(sysctl("no.such.key"), ["no.such.key"], id="sysctl-unknown"),
    C(sysctl("net.no_such_key"), ["net.no_such_key"], id="sysctl-net-missing-file"),
    # -- rlimits
    C(rlimits(("RLIMIT_BOGUS", 1, 1)), ["process.rlimits[0].type", "RLIMIT_BOGUS"], id="rlimit-unknown"),
    C(rlimits(("nofile", 1, 1)), ["process.rlimits[0].type", "nofile"], id="rlimit-lowercase"),
    C(rlimits(("RLIMIT_NOFILE", 1, 1), ("RLIMIT_NOFILE", 2, 2)), ["process.rlimits[1]", "duplicate"],
      id="rlimit-duplicate"),
    # -- seccomp
    C(seccomp(defaultAction="SCMP_ACT_BOGUS"), ["linux.seccomp.defaultAction", "SCMP_ACT_BOGUS"],
      id="seccomp-default-action-unknown"),
    C(seccomp(syscalls=[{"names": ["getpid"], "action": "SCMP_ACT_NOPE"}]),
      ["linux.seccomp.syscalls[0].action", "SCMP_ACT_NOPE"], id="seccomp-action-unknown"),
    C(seccomp(architectures=["SCMP_ARCH_BOGUS"]), ["linux.seccomp.architectures[0]", "SCMP_ARCH_BOGUS"],
      id="seccomp-arch-unknown"),
    C(seccomp(syscalls=[{"names": ["getpid"], "action": "SCMP_ACT_ERRNO",
                         "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_BOGUS"}]}]),
      ["linux.seccomp.syscalls[0].args[0].op", "SCMP_CMP_BOGUS"], id="seccomp-operator-unknown"),
    C(seccomp(syscalls=[{"names": ["getpid"], "action": "SCMP_ACT_ERRNO",
                         "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]),
      ["linux.seccomp.syscalls[0].args[0].index"], id="seccomp-arg-index-6"),
    C(seccomp(flags=["SECCOMP_FILTER_FLAG_BOGUS"]), ["linux.seccomp.flags[0]", "SECCOMP_FILTER_FLAG_BOGUS"],
      id="seccomp-flag-unknown"),
    C(seccomp(syscalls=[{"names": [], "action": "SCMP_ACT_ERRNO"}]), ["linux.seccomp.syscalls[0].names"],
      id="seccomp-names-empty"),
    C(seccomp(syscalls=[{"names": ["getpid"], "action": "SCMP_ACT_KILL", "errnoRet": 1}]),
      ["linux.seccomp.syscalls[0].errnoRet"], id="seccomp-errnoRet-on-kill"),
    # -- mounts
    C(mount(destination="/mnt", type="bind", source="{tmp}/no-such-source", options=["rbind"]),
      ["{tmp}/no-such-source"], id="bind-source-missing"),
    C(mount(destination="/mnt", type="none", options=["bind"]), ["mounts[{m}].source"],
      id="bind-without-source"),
    C(mount(destination="/mnt", type="nosuchfs", source="x"), ["nosuchfs"], id="mount-type-unknown"),
    C(mount(destination="", type="tmpfs", source="tmpfs"), ["mounts[{m}].destination"],
      id="mount-destination-empty"),
    C(mount(destination="/mnt", type="tmpfs", source="tmpfs", options=["size=-1x"]), ["/mnt"],
      id="mount-option-bad-value"),
    C(mount(destination="/mnt", type="tmpfs", source="tmpfs", uidMappings=[{"containerID": 0, "hostID": 0,
                                                                            "size": 1}]),
      ["mounts[{m}]", "gidMappings"], id="mount-uidMappings-alone"),
    # -- hooks
    *[C(hook(kind, "bin/true"), [f"hooks.{kind}[0].path", "absolute"], id=f"hook-relative-{kind}")
      for kind in ("prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                   "poststop")],
    C(hook("createRuntime", "/no/such/hook"), ["/no/such/hook"], id="hook-missing-createRuntime"),
    # -- cgroup resources
    C(resources(memory={"limit": -2}), ["linux.resources.memory.limit", "-2"], id="memory-limit-negative"),
    C(resources(memory={"limit": 1 << 30, "swap": 1 << 20}), ["linux.resources.memory.swap"],
      id="swap-below-limit"),
    C(resources(memory={"swap": 1 << 30}), ["linux.resources.memory.swap"], id="swap-without-limit"),
    C(resources(memory={"reservation": -5}), ["linux.resources.memory.reservation"],
      id="reservation-negative"),
    C(resources(memory={"swappiness": 101}), ["linux.resources.memory.swappiness", "101"],
      id="swappiness-101"),
    C(resources(memory={"limit": 2**63}), ["linux.resources.memory.limit"], id="memory-limit-2^63"),
    C(resources(pids={"limit": -2}), ["linux.resources.pids.limit", "-2"], id="pids-limit-negative"),
    # config-linux.md: without a resctrl to place the container in, MUST fail.
    C(put("linux.intelRdt", {"closID": "ocirt-test"}), ["linux.intelRdt", "not supported"],
      id="intel-rdt-unsupported"),
    C(resources(cpu={"quota": -2}), ["linux.resources.cpu.quota"], id="cpu-quota-negative"),
    C(resources(cpu={"shares": -1}), ["linux.resources.cpu.shares"], id="cpu-shares-negative"),
    C(resources(cpu={"period": 10}), ["linux.resources.cpu.period"], id="cpu-period-10"),
    C(resources(cpu={"cpus": "0-a"}), ["linux.resources.cpu.cpus", "0-a"], id="cpu-cpus-garbage"),
    C(resources(cpu={"mems": "3-1"}), ["linux.resources.cpu.mems", "3-1"], id="cpu-mems-reversed"),
    C(resources(blockIO={"weight": 5}), ["linux.resources.blockIO.weight"], id="blkio-weight-5"),
    C(resources(blockIO={"weight": 70000}), ["linux.resources.blockIO.weight"], id="blkio-weight-70000"),
    C(resources(devices=[{"allow": False, "type": "x", "access": "rwm"}]),
      ["linux.resources.devices[0].type", "x"],
      id="device-rule-type-unknown"),
    C(resources(devices=[{"allow": False, "access": "rwq"}]), ["linux.resources.devices[0].access", "rwq"],
      id="device-rule-access-unknown"),
    C(resources(devices=[{"access": "rwm"}]), ["linux.resources.devices[0].allow"],
      id="device-rule-allow-missing"),
    C(resources(hugepageLimits=[{"pageSize": "2mb", "limit": 0}]),
      ["linux.resources.hugepageLimits[0].pageSize"],
      id="hugepage-size-lowercase"),
    C(resources(unified={"../cgroup.procs": "1"}), ["linux.resources.unified", "../cgroup.procs"],
      id="unified-key-escapes"),
    # -- the rest of linux.*
    C(put("linux.devices", [{"path": "/dev/x", "type": "x"}]), ["linux.devices[0].type"],
      id="device-type-unknown"),
    C(put("linux.devices", [{"path": "dev/x", "type": "c", "major": 1, "minor": 3}]),
      ["linux.devices[0].path"],
      id="device-path-relative"),
    C(put("linux.rootfsPropagation", "bogus"), ["linux.rootfsPropagation", "bogus"],
      id="propagation-unknown"),
    C(put("linux.maskedPaths", ["proc/kcore"]), ["linux.maskedPaths[0]"], id="maskedPath-relative"),
    C(put("linux.cgroupsPath", "/a/../../b"), ["linux.cgroupsPath"], id="cgroupsPath-dotdot"),
    C(put("linux.personality", {"domain": "BOGUS"}), ["linux.personality.domain", "BOGUS"],
      id="personality-unknown"),
    C(put("process.scheduler", {"policy": "SCHED_BOGUS"}), ["process.scheduler.policy", "SCHED_BOGUS"],
      id="scheduler-policy-unknown"),
    C(put("process.ioPriority", {"class": "IOPRIO_CLASS_BOGUS"}), ["process.ioPriority.class"],
      id="ioPriority-class-unknown"),
    # -- control characters in the offending value must not break the line
    # (or, for an escape sequence, reach the caller's terminal)
    C(ns("bo\ngus"), ["linux.namespaces", "bo"], id="ctl-newline-in-namespace-type"),
    C(put("process.cwd", "rel\ndir"), ["process.cwd"], id="ctl-newline-in-cwd"),
    C(rlimits(("RLIMIT_\x1b[31mX", 1, 1)), ["process.rlimits[0].type"], id="ctl-escape-in-rlimit"),
    C(mount(destination="/mnt", type="bind", source="{tmp}/no\nsource", options=["rbind"]), ["/mnt"],
      id="ctl-newline-in-bind-source"),
    C(lambda b, tmp: b.args("/no\nsuch"), ["/no"], id="ctl-newline-in-args"),
]

# The same validation runs for `run`; a sample of the rows proves it.
RUN_CASES = ["json-truncated", "uid-2^32", "args-string", "cwd-relative", "rootfs-missing",
             "ns-path-wrong-type", "seccomp-action-unknown", "bind-source-missing", "hook-relative-prestart",
             "swap-below-limit", "mapping-overlap-container-side"]


def _fmt(words, bundle, tmp):
    """{tmp}: the test's tmp_path; {pid}: this process; {m}: the index of
    the last mount (the one a row added)."""
    m = len(bundle.config.get("mounts", [])) - 1
    return [w.format(tmp=tmp, pid=os.getpid(), m=m) for w in words]


def _break_bundle(bundle, tmp_path, mutate):
    bundle.args(*ARGS)
    text = mutate(bundle, tmp_path)
    if not isinstance(text, (str, bytes)):
        bundle.write()
    else:
        (bundle.path / "config.json").write_bytes(text if isinstance(text, bytes) else text.encode())


@pytest.mark.parametrize("mutate, words", CONFIG_CASES)
def test_create_refuses_config(run, bundle, container_id, root, leftovers, tmp_path, mutate, words):
    _break_bundle(bundle, tmp_path, mutate)

    r = run("create", "--bundle", bundle, container_id)

    refused(r, *_fmt(words, bundle, tmp_path))
    nothing_left(root, leftovers)


@pytest.mark.parametrize("mutate, words", [c for c in CONFIG_CASES if c.id in RUN_CASES])
def test_run_refuses_config(run, bundle, container_id, root, leftovers, tmp_path, mutate, words):
    _break_bundle(bundle, tmp_path, mutate)

    r = run("run", "--bundle", bundle, container_id)

    refused(r, *_fmt(words, bundle, tmp_path))
    nothing_left(root, leftovers)


def test_every_run_case_exists():
    assert set(RUN_CASES) <= {c.id for c in CONFIG_CASES}


# --------------------------------------------------------------------------
# bundle directory


def _no_bundle(tmp):
    return tmp / "no-such-bundle"


def _file_bundle(tmp):
    (tmp / "a-file").write_text("x\n")
    return tmp / "a-file"


def _no_config(tmp):
    (tmp / "empty-bundle").mkdir()
    return tmp / "empty-bundle"


def _config_dir(tmp):
    (tmp / "dir-bundle" / "config.json").mkdir(parents=True)
    return tmp / "dir-bundle"


@pytest.mark.parametrize("command", ["create", "run"])
@pytest.mark.parametrize(
    "make, words",
    [
        C(_no_bundle, ["no-such-bundle"], id="bundle-missing"),
        C(_file_bundle, ["a-file"], id="bundle-is-a-file"),
        C(_no_config, ["config.json", "no such file"], id="config-missing"),
        C(_config_dir, ["config.json", "is a directory"], id="config-is-a-directory"),
    ],
)
def test_bad_bundle(run, container_id, root, leftovers, tmp_path, command, make, words):
    r = run(command, "--bundle", make(tmp_path), container_id)

    refused(r, *words)
    nothing_left(root, leftovers)


# --------------------------------------------------------------------------
# container ids

BAD_IDS = [
    C("", ["id", "empty"], id="empty"),
    C(".", ["id"], id="dot"),
    C("..", ["id"], id="dotdot"),
    C("../x", ["id", "../x"], id="dotdot-x"),
    C("a/b", ["id", "a/b"], id="slash"),
    C("/abs", ["id", "/abs"], id="absolute"),
    C(".hidden", ["id", ".hidden"], id="leading-dot"),
    C("x" * 1025, ["id", "longer than"], id="1025-bytes"),
    C("a b", ["id", "a b"], id="space"),
    C("a:b", ["id", "a:b"], id="colon"),
    C("a*b", ["id", "a*b"], id="star"),
    C("caf\u00e9", ["id"], id="non-ascii"),
    C("a\nb", ["id", "a\\x0ab"], id="newline"),
    C("tab\there", ["id", "tab\\x09here"], id="tab"),
]


@pytest.mark.parametrize("command", ["create", "run"])
@pytest.mark.parametrize("bad_id, words", BAD_IDS)
def test_invalid_id(run, harness, bundle, root, leftovers, command, bad_id, words):
    bundle.args(*ARGS).write()

    r = run(command, "--bundle", bundle, bad_id)

    # Such ids name no cgroup; "" or "." would match every one in the
    # harness's cgroup search.
    harness.ids.remove(bad_id)
    refused(r, *words)
    nothing_left(root, leftovers)
    assert not (root.parent / "x").exists() and not (root / "a").exists()


@pytest.mark.parametrize("first_status", ["created", "running", "stopped"])
@pytest.mark.parametrize("command", ["create", "run"])
def test_duplicate_id(run, bundle, make_bundle, container_id, command, first_status):
    bundle.probe("signal-wait").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    if first_status != "created":
        assert run("start", container_id).rc == 0
    if first_status == "stopped":
        assert run("kill", container_id, "KILL").rc == 0
        wait_status(run, container_id, "stopped")
    before = state(run, container_id)
    other = make_bundle()
    other.args(*ARGS).write()

    r = run(command, "--bundle", other, container_id)

    refused(r, container_id, "exists")
    after = state(run, container_id)
    keys = ("status", "pid", "bundle")
    assert [after[k] for k in keys] == [before[k] for k in keys]
    assert processes_in([other.path]) == []


# --------------------------------------------------------------------------
# commands on a container that does not exist

UNKNOWN = "no-such-container"
COMMANDS = [
    C(["start", UNKNOWN], id="start"),
    C(["kill", UNKNOWN], id="kill"),
    C(["kill", UNKNOWN, "KILL"], id="kill-KILL"),
    C(["delete", UNKNOWN], id="delete"),
    C(["state", UNKNOWN], id="state"),
    C(["pause", UNKNOWN], id="pause"),
    C(["resume", UNKNOWN], id="resume"),
    C(["exec", UNKNOWN, "/probe", "exit", "0"], id="exec"),
    C(["update", "--memory", "64M", UNKNOWN], id="update"),
    C(["ps", UNKNOWN], id="ps"),
    C(["events", UNKNOWN], id="events"),
    C(["events", "--stats", UNKNOWN], id="events-stats"),
]


@pytest.mark.parametrize("argv", COMMANDS)
def test_unknown_container(run, root, leftovers, argv):
    r = run(*argv)

    refused(r, UNKNOWN, "does not exist")
    nothing_left(root, leftovers)


@pytest.mark.parametrize("argv", COMMANDS + [C(["delete", "--force", UNKNOWN], id="delete-force")])
def test_command_on_invalid_id(run, root, leftovers, argv):
    """An id that could name a path outside --root is refused as an id, not
    looked up: `state ../x` must not read `x` next to the state dir."""
    (root.parent / "x").mkdir()
    (root.parent / "x" / "keep").write_text("")

    r = run(*[a if a != UNKNOWN else "../x" for a in argv])

    assert os.listdir(root.parent / "x") == ["keep"]
    refused(r, "id", "../x")
    nothing_left(root, leftovers)


def test_id_cannot_reach_another_root(run, bundle, container_id, root):
    """With --root OTHER, `kill ../ROOT/ID` must not signal the container
    ID of ROOT."""
    bundle.probe("signal-wait").write()
    assert run("create", "--bundle", bundle, container_id).rc == 0
    before = state(run, container_id)
    other = root.parent / "other-root"
    other.mkdir()

    r = run("--root", other, "kill", f"../{root.name}/{container_id}", "KILL", root=False)

    assert state(run, container_id)["status"] == "created" and pid_alive(before["pid"])
    refused(r, "id")


# --------------------------------------------------------------------------
# commands in the wrong state


def _in_status(run, bundle, cid, status):
    bundle.probe("signal-wait").write()
    assert run("create", "--bundle", bundle, cid).rc == 0
    if status in ("running", "paused", "stopped"):
        assert run("start", cid).rc == 0
    if status == "paused":
        assert run("pause", cid).rc == 0
    if status == "stopped":
        assert run("kill", cid, "KILL").rc == 0
    return wait_status(run, cid, status)


WRONG_STATE = [
    C("running", ["start"], ["already running"], id="start-running"),
    C("paused", ["start"], ["paused"], id="start-paused"),
    C("stopped", ["start"], ["stopped"], id="start-stopped"),
    C("paused", ["pause"], ["not running"], id="pause-paused"),
    C("stopped", ["pause"], ["not running"], id="pause-stopped"),
    C("created", ["resume"], ["not paused"], id="resume-created"),
    C("running", ["resume"], ["not paused"], id="resume-running"),
    C("stopped", ["resume"], ["not paused"], id="resume-stopped"),
    C("running", ["delete"], ["not stopped", "running"], id="delete-running"),
    C("paused", ["delete"], ["not stopped", "paused"], id="delete-paused"),
    C("stopped", ["exec", "{id}", "/probe", "exit", "0"], ["stopped"], id="exec-stopped"),
    C("stopped", ["kill", "{id}", "TERM"], ["not running"], id="kill-stopped"),
    C("stopped", ["update", "--memory", "64M", "{id}"], ["not running"], id="update-stopped"),
    C("stopped", ["events", "--stats", "{id}"], ["not running"], id="events-stats-stopped"),
]


@pytest.mark.parametrize("status, argv, words", WRONG_STATE)
def test_wrong_state(run, bundle, container_id, status, argv, words):
    before = _in_status(run, bundle, container_id, status)
    argv = [a.format(id=container_id) for a in argv]
    if container_id not in argv:
        argv.append(container_id)

    r = run(*argv)

    refused(r, *words)
    after = state(run, container_id)
    assert (after["status"], after["pid"]) == (before["status"], before["pid"]), "the container changed"


# --------------------------------------------------------------------------
# signals for kill

BAD_SIGNALS = ["FOO", "SIGFOO", "SIG", "65", "-1", "99999999999", "1x", "9.0", "", "SIGRTMAX+1", "RTMIN+40",
               "RTMAX-99", "KILL "]


@pytest.mark.parametrize("signal", BAD_SIGNALS, ids=[s.strip() or "empty" for s in BAD_SIGNALS])
def test_kill_unknown_signal(run, bundle, container_id, signal):
    before = _in_status(run, bundle, container_id, "created")

    r = run("kill", container_id, signal)

    refused(r, "signal", f'"{signal}"')
    after = state(run, container_id)
    assert (after["status"], after["pid"]) == ("created", before["pid"])


# --------------------------------------------------------------------------
# documents given to exec and update


def _process(**changes):
    p = {"args": ["/probe", "exit", "0"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}}
    p.update(changes)
    return json.dumps(p)


@pytest.mark.parametrize(
    "text, words",
    [
        C('{"args": ["/probe"', ["--process", "invalid JSON"], id="truncated"),
        C(_process(args="sh"), ["args"], id="args-string"),
        C(_process(args=[]), ["args"], id="args-empty"),
        C(_process(cwd="tmp"), ["cwd", "tmp"], id="cwd-relative"),
        C(_process(user={"uid": "0"}), ["uid"], id="uid-string"),
        C(_process(user={"uid": 2**32}), ["uid"], id="uid-2^32"),
        C(_process(rlimits=[{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]), ["RLIMIT_BOGUS"],
          id="rlimit-unknown"),
        C(_process(oomScoreAdj=5000), ["oomScoreAdj"], id="oomScoreAdj-5000"),
    ],
)
def test_exec_refuses_process(run, bundle, container_id, tmp_path, text, words):
    before = _in_status(run, bundle, container_id, "running")
    path = tmp_path / "process.json"
    path.write_text(text)

    r = run("exec", "--process", path, container_id)

    refused(r, *words)
    assert state(run, container_id)["pid"] == before["pid"]
    procs = processes_in([bundle.path])
    assert len(procs) == 1, f"an exec'd process is left: {procs}"


@pytest.mark.parametrize(
    "text, words",
    [
        C('{"memory": {', ["update", "invalid JSON"], id="truncated"),
        C('{"memory": {"limit": "1G"}}', ["memory.limit"], id="limit-string"),
        C('{"memory": {"limit": -2}}', ["memory.limit", "-2"], id="limit-negative"),
        C('{"memory": {"limit": 1073741824, "swap": 1048576}}', ["memory.swap"], id="swap-below-limit"),
        C('{"cpu": {"period": 10}}', ["cpu.period"], id="cpu-period-10"),
        C('{"devices": [{"allow": true, "type": "x"}]}', ["devices[0].type"], id="device-type-unknown"),
    ],
)
def test_update_refuses_resources(run, bundle, container_id, tmp_path, text, words):
    _in_status(run, bundle, container_id, "running")
    path = tmp_path / "resources.json"
    path.write_text(text)

    r = run("update", "--resources", path, container_id)

    refused(r, *words)
    assert state(run, container_id)["status"] == "running"


# --------------------------------------------------------------------------
# command-line usage


@pytest.mark.parametrize(
    "argv, words",
    [
        C(["create"], ["missing container id"], id="create-no-id"),
        C(["run"], ["missing container id"], id="run-no-id"),
        C(["create", "--bogus", "x"], ["--bogus"], id="unknown-option"),
        C(["create", "-b"], ["-b", "needs a value"], id="option-without-value"),
        C(["start", "a", "b"], ["unexpected argument", "b"], id="extra-argument"),
        C(["kill", "a", "TERM", "c"], ["unexpected argument", "c"], id="kill-extra-argument"),
        C(["bogus"], ["unknown command", "bogus"], id="unknown-command"),
        C(["update", "--memory", "-5", "x"], ["--memory", "-5"], id="update-negative-size"),
    ],
)
def test_bad_usage(run, root, leftovers, argv, words):
    r = run(*argv)

    refused(r, *words)
    nothing_left(root, leftovers)


# --------------------------------------------------------------------------
# accepted on purpose: input that looks wrong but that the spec, or runc
# compatibility, requires to work


def _unknown_properties(b, tmp):
    b.config["x-vendor-extension"] = {"nested": [1, 2, {"deep": True}]}
    b.config["process"]["futureField"] = "value"
    b.config["process"]["user"]["futureUserField"] = 7
    b.config["linux"]["futureLinuxField"] = {"a": "b"}
    b.config["linux"]["namespaces"][0]["futureNsField"] = None
    b.config["mounts"][0]["futureMountField"] = ["x"]
    b.config["root"]["futureRootField"] = 1.5


@pytest.mark.parametrize(
    "mutate, warning",
    [
        # config.md: runtimes MUST ignore unknown properties, at any depth.
        C(_unknown_properties, None, id="unknown-properties"),
        # Read as absent, as Go's encoding/json (runc, containerd) reads it.
        C(put("process.user.gid", None), None, id="null-is-absent"),
        # config.md: a capability that cannot be mapped MUST be logged as a
        # warning, and runtimes SHOULD NOT fail.
        C(put("process.capabilities.bounding", ["CAP_KILL", "CAP_BOGUS"]), "CAP_BOGUS",
          id="unknown-capability"),
        # A profile may name syscalls newer than this kernel or libseccomp.
        C(seccomp(syscalls=[{"names": ["no_such_syscall"], "action": "SCMP_ACT_ERRNO"}]), None,
          id="unknown-syscall-name"),
        # config.md keeps relative destinations working, deprecated.
        C(mount(destination="relative", type="tmpfs", source="tmpfs"), "deprecated",
          id="relative-mount-destination"),
    ],
)
def test_accepted_on_purpose(run, bundle, container_id, tmp_path, mutate, warning):
    bundle.probe("signal-wait")
    mutate(bundle, tmp_path)
    bundle.write()

    r = run("create", "--bundle", bundle, container_id)

    assert r.rc == 0, r.stderr
    if warning is None:
        assert r.stderr == ""
    else:
        lines = r.stderr_lines()
        assert len(lines) == 1 and "warning" in lines[0] and warning in lines[0], r.stderr
    assert state(run, container_id)["status"] == "created"


def test_accepted_on_purpose_delete_force_unknown(run, root):
    """runc succeeds, so callers (containerd) can retry a delete."""
    r = run("delete", "--force", UNKNOWN)

    assert (r.rc, r.stdout, r.stderr) == (0, "", "")
    assert os.listdir(root) == []


def _v1_cgroup_file(pid, controller, name):
    for line in open(f"/proc/{pid}/cgroup").read().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return f"/sys/fs/cgroup/{controllers}{path}/{name}"
    pytest.skip(f"no v1 {controller} hierarchy on this host")


def test_accepted_on_purpose_zero_limits_mean_unset(run, bundle, container_id):
    """A memory or pids limit of 0 is "not set", as in runc: a limit of 0
    bytes would kill the init at once, and writing "max" for a pids limit of
    0 would be neither."""
    bundle.probe("signal-wait").set("linux.resources", {
        "memory": {"limit": 0, "reservation": 0, "swap": 0}, "pids": {"limit": 0}}).write()

    r = run("create", "--bundle", bundle, container_id)

    assert r.rc == 0, r.stderr
    pid = state(run, container_id)["pid"]
    assert int(open(_v1_cgroup_file(pid, "memory", "memory.limit_in_bytes")).read()) > 1 << 50
    assert open(_v1_cgroup_file(pid, "pids", "pids.max")).read().strip() == "max"


def test_accepted_on_purpose_pause_created(run, bundle, container_id):
    """runc and crun both freeze a created container (its init is a process
    like any other), so ocirt does too."""
    _in_status(run, bundle, container_id, "created")

    assert run("pause", container_id).rc == 0
    assert state(run, container_id)["status"] == "paused"
    assert run("resume", container_id).rc == 0
    assert state(run, container_id)["status"] == "created"
