# SPDX-License-Identifier: GPL-2.0-or-later
"""linux.seccomp (config-linux.md "Seccomp"): the profile's rules act on the
container's process, a bad profile fails `create` cleanly, a profile shaped
like Podman's default runs a container, and SCMP_ACT_NOTIFY hands the
listener fd and the container process state to the agent at listenerPath."""

import contextlib
import ctypes
import ctypes.util
import json
import os
import signal
import subprocess
import sys
import time

import pytest


pytestmark = [pytest.mark.needs_root]


def sh(bundle, script):
    bundle.args("/bin/sh", "-c", script)
    bundle.set("root.readonly", False)
    return bundle


def errno_profile(names, action="SCMP_ACT_ERRNO", **extra):
    rule = {"names": list(names), "action": action}
    rule.update(extra)
    return {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}


def native_syscalls():
    """Every syscall name libseccomp knows for this machine."""
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2")
    lib.seccomp_arch_native.restype = ctypes.c_uint32
    lib.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
    lib.seccomp_syscall_resolve_num_arch.argtypes = [ctypes.c_uint32, ctypes.c_int]
    arch = lib.seccomp_arch_native()
    names = []
    for nr in range(0, 8192):
        p = lib.seccomp_syscall_resolve_num_arch(arch, nr)
        if p:
            names.append(ctypes.string_at(p).decode())
    return names


# --------------------------------------------------------------------------
# rules


def test_errno_rule_denies_mkdir(run, bundle, container_id):
    sh(bundle, "mkdir /newdir; echo rc=$?; test -d /newdir && echo exists || echo absent")
    bundle.set("linux.seccomp", errno_profile(["mkdir", "mkdirat"]))
    bundle.write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert "rc=1" in r.stdout and "absent" in r.stdout
    assert "Operation not permitted" in r.stderr + r.stdout
    assert not (bundle.rootfs / "newdir").exists()


def test_errno_ret(run, bundle, container_id):
    sh(bundle, "mkdir /newdir; echo rc=$?")
    bundle.set("linux.seccomp", errno_profile(["mkdir", "mkdirat"], errnoRet=38))
    bundle.write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert "Function not implemented" in r.stderr + r.stdout


def test_kill_process(run, bundle, container_id):
    # An inner shell (busybox may run mkdir inside the shell process itself).
    sh(bundle, "sh -c 'mkdir /newdir'; echo status=$?")
    bundle.set("linux.seccomp", errno_profile(["mkdir", "mkdirat"], action="SCMP_ACT_KILL_PROCESS"))
    bundle.write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert f"status={128 + signal.SIGSYS}" in r.stdout, (r.stdout, r.stderr)
    assert not (bundle.rootfs / "newdir").exists()


def test_without_no_new_privs_as_unprivileged_user(run, bundle, container_id):
    """Without no_new_privs the filter needs CAP_SYS_ADMIN: it must be
    installed before the capabilities are dropped, as runc does."""
    sh(bundle, "mkdir /tmp/newdir; echo rc=$?")
    bundle.set("process.noNewPrivileges", False)
    bundle.set("process.user", {"uid": 1000, "gid": 1000})
    bundle.set("process.capabilities", {})
    bundle.set("linux.seccomp", errno_profile(["mkdir", "mkdirat"]))
    bundle.write()
    (bundle.rootfs / "tmp").mkdir(exist_ok=True)
    os.chmod(bundle.rootfs / "tmp", 0o1777)
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert "rc=1" in r.stdout
    assert "Operation not permitted" in r.stderr + r.stdout


def test_podman_shaped_profile_runs_true(run, bundle, container_id):
    denied = {"reboot", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
              "open_by_handle_at", "bpf", "perf_event_open", "add_key", "request_key", "keyctl"}
    names = [n for n in native_syscalls() if n not in denied]
    assert len(names) > 300
    profile = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 38,
        "syscalls": [
            {"names": names, "action": "SCMP_ACT_ALLOW"},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
            {"names": sorted(denied), "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
        ],
    }
    bundle.args("/bin/true")
    bundle.set("linux.seccomp", profile)
    bundle.write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr


# --------------------------------------------------------------------------
# bad profiles change nothing


@pytest.mark.parametrize("profile, message", [
    ({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_LOG"}, {"names": ["open"], "action": "SCMP_ACT_FOO"}]},
     'linux.seccomp.syscalls[1].action: unknown action "SCMP_ACT_FOO"'),
    ({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]},
     'linux.seccomp.architectures[0]: unknown architecture "SCMP_ARCH_VAX"'),
    ({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NOPE"]},
     'linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NOPE"'),
    ({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
                    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ROUGHLY"}]}]},
     'linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_ROUGHLY"'),
])
def test_bad_profile_fails_create(run, bundle, container_id, leftovers, profile, message):
    bundle.args("/bin/true")
    bundle.set("linux.seccomp", profile)
    bundle.write()
    r = run("create", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert message in r.stderr
    assert leftovers() == []


# --------------------------------------------------------------------------
# SCMP_ACT_NOTIFY

SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100  # _IOWR('!', 0, struct seccomp_notif), 80 bytes
SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101  # _IOWR('!', 1, struct seccomp_notif_resp), 24 bytes

# The agent: takes one container process state and its fd, saves the state,
# then answers every notification with "success" (val 0) until the
# container is gone.
AGENT = r"""
import array, fcntl, json, os, select, socket, struct, sys
path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
open(out + ".ready", "w").close()
conn, _ = srv.accept()
msg, fds, flags, _ = socket.recv_fds(conn, 65536, 4)
data = msg
while True:
    more = conn.recv(65536)
    if not more:
        break
    data += more
with open(out, "w") as f:
    json.dump({"state": data.decode(), "nfds": len(fds), "first_chunk_had_fd": bool(fds)}, f)
fd = fds[0]
answered = 0
p = select.poll()
p.register(fd, select.POLLIN)
while True:
    ev = p.poll(20000)
    if not ev or ev[0][1] & (select.POLLHUP | select.POLLERR):
        break
    req = bytearray(80)
    try:
        fcntl.ioctl(fd, %d, req)
    except OSError:
        break
    nid, = struct.unpack_from("Q", req, 0)
    fcntl.ioctl(fd, %d, bytearray(struct.pack("QqiI", nid, 0, 0, 0)))
    answered += 1
    with open(out + ".answered", "w") as f:
        f.write(str(answered))
""" % (SECCOMP_IOCTL_NOTIF_RECV, SECCOMP_IOCTL_NOTIF_SEND)


@contextlib.contextmanager
def notify_agent(sock, out):
    """The AGENT listening on `sock` (writing what it got to `out`) for the
    duration of the block."""
    agent = subprocess.Popen([sys.executable, "-c", AGENT, str(sock), str(out)])
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(str(out) + ".ready"):
            assert time.monotonic() < deadline, "agent did not start"
            time.sleep(0.02)
        yield agent
    finally:
        agent.kill()
        agent.wait()


def test_notify_sends_fd_and_state(run, bundle, container_id, tmp_path):
    sock = tmp_path / "agent.sock"
    out = tmp_path / "agent.json"
    with notify_agent(sock, out):
        sh(bundle, "mkdir /newdir && echo made; test -d /newdir && echo exists || echo absent")
        bundle.set("linux.seccomp", {
            "defaultAction": "SCMP_ACT_ALLOW",
            "listenerPath": str(sock),
            "listenerMetadata": "MKNOD=/dev/null;x=\"y\"",
            "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}],
        })
        bundle.write()
        r = run("run", "--bundle", bundle, container_id)
        assert r.rc == 0, r.stderr
        # The agent said yes without making anything.
        assert "made" in r.stdout and "absent" in r.stdout, r.stdout
    got = json.loads(out.read_text())
    assert got["nfds"] == 1 and got["first_chunk_had_fd"]
    doc = json.loads(got["state"])
    assert isinstance(doc["ociVersion"], str)
    assert doc["fds"] == ["seccompFd"]
    assert doc["metadata"] == "MKNOD=/dev/null;x=\"y\""
    assert doc["state"]["id"] == container_id
    assert doc["state"]["status"] == "creating"
    assert doc["state"]["bundle"] == str(bundle.path)
    assert doc["pid"] == doc["state"]["pid"] and doc["pid"] > 0


def test_notify_listener_missing_fails_create(run, bundle, container_id, leftovers, tmp_path):
    bundle.args("/bin/true")
    bundle.set("linux.seccomp", {
        "defaultAction": "SCMP_ACT_ALLOW",
        "listenerPath": str(tmp_path / "nobody-listens.sock"),
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}],
    })
    bundle.write()
    r = run("create", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert "linux.seccomp.listenerPath" in r.stderr
    assert leftovers() == []


# --------------------------------------------------------------------------
# exec'd processes get the container's filter too (as with runc)


@pytest.mark.parametrize("no_new_privs", [True, False], ids=["nnp", "no-nnp"])
def test_exec_process_gets_the_filter(run, bundle, container_id, tmp_path, no_new_privs):
    bundle.probe("signal-wait")
    bundle.set("root.readonly", False)
    bundle.set("linux.seccomp", errno_profile(["mkdir", "mkdirat"]))
    bundle.write()
    (bundle.rootfs / "tmp").mkdir(exist_ok=True)
    os.chmod(bundle.rootfs / "tmp", 0o1777)
    r = run("create", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert run("start", container_id).rc == 0
    # Unprivileged, so that without no_new_privs the filter must go in
    # before the capabilities are dropped.
    process = dict(bundle.config["process"], args=["/bin/sh", "-c", "mkdir /tmp/x; echo rc=$?"],
                   user={"uid": 1000, "gid": 1000}, capabilities={}, noNewPrivileges=no_new_privs)
    (tmp_path / "process.json").write_text(json.dumps(process))
    r = run("exec", "--process", tmp_path / "process.json", container_id)
    assert r.rc == 0, r.stderr
    assert "rc=1" in r.stdout
    assert not (bundle.rootfs / "tmp" / "x").exists()
