# SPDX-License-Identifier: GPL-2.0-or-later
"""Podman 4 (through conmon) drives ocirt as it drives runc.

Every scenario runs twice, with `podman --runtime PATH` naming ocirt and then
runc (each behind a logging wrapper of the same basename, see
helpers/clients.py), on a private Podman: its own storage (vfs), run root,
tmp dir and containers.conf, the cgroupfs manager, the file events backend,
no network. The image is the busybox rootfs of contrib/make-bundle, imported
once per session. A failing assertion prints the runtime calls Podman made.
"""

import json
import os
import shutil
import tomllib
import tempfile
import uuid
import warnings

import pytest

from helpers.clients import Podman, Runtime, busybox_rootfs_tar, cgroup_file, run_cmd, srcdir, wait_until

pytestmark = pytest.mark.needs_root


@pytest.fixture(scope="module")
def podman(tmp_path_factory, ocirt):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    for tool in ("podman", "conmon", "runc"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (contrib/bootstrap installs it)")
    work = tmp_path_factory.mktemp("podman")
    tar = busybox_rootfs_tar(srcdir(), ocirt, work)
    # Podman refuses a run root longer than 50 characters: not under pytest's.
    pm = Podman(tempfile.mkdtemp(prefix="ocirt-pm."))
    r = pm("info", "--format", "json", timeout=60)
    if r.rc != 0:
        pm.close()
        pytest.skip(f"podman cannot run on this machine: {r.stderr.strip()[-500:]}")
    try:
        pm.image = pm.import_image(tar)
    except RuntimeError as e:
        pm.close()
        pytest.skip(str(e))
    yield pm
    left = pm.close()
    if left:
        # conmon's own cgroup (libpod_parent/conmon) can keep a dead task
        # listed for a while on v1 hierarchies.
        warnings.warn(f"left behind by podman: {left}")
    mounts = [x for x in left if x.startswith("mount")]
    assert not mounts, f"mounts left behind by podman: {mounts}"


@pytest.fixture(scope="module")
def runtimes(tmp_path_factory, ocirt):
    d = tmp_path_factory.mktemp("podman-runtimes")
    return {"ocirt": Runtime("ocirt", ocirt, d), "runc": Runtime("runc", shutil.which("runc"), d)}


class Client:
    """Podman with --runtime set, for one test; names its containers and
    removes them afterwards."""

    def __init__(self, podman, runtime):
        self.podman = podman
        self.runtime = runtime
        self.image = podman.image
        self.mark = runtime.mark()
        self.names = []

    def __call__(self, *args, timeout=60, input=None, pass_fds=()):
        return self.podman("--runtime", self.runtime.path, *args, timeout=timeout, input=input,
                           pass_fds=pass_fds)

    def name(self):
        n = f"t{uuid.uuid4().hex[:10]}"
        self.names.append(n)
        return n

    def calls(self):
        return f"runtime calls ({self.runtime.name}):\n" + self.runtime.calls_since(self.mark)

    def ok(self, *args, timeout=60, input=None):
        """Runs podman ARGS and asserts exit status 0."""
        r = self(*args, timeout=timeout, input=input)
        assert r.rc == 0, f"podman {' '.join(map(str, args))}: {r}\n{self.calls()}"
        return r

    def run(self, *args, timeout=60):
        """podman run --rm --network none IMAGE ARGS -> Result."""
        return self("run", "--rm", "--network", "none", self.image, *args, timeout=timeout)

    def detached(self, *args, options=()):
        """podman run -d; returns the container's name once it runs."""
        n = self.name()
        self.ok("run", "-d", "--name", n, "--network", "none", *options, self.image, *args)
        return n

    def inspect(self, name, fmt):
        return self.ok("inspect", "--format", fmt, name).stdout.strip()

    def pid(self, name):
        return int(self.inspect(name, "{{.State.Pid}}"))

    def cleanup(self):
        for n in self.names:
            self("rm", "--force", "--time", "0", n, timeout=60)


@pytest.fixture(params=["ocirt", "runc"])
def pm(request, podman, runtimes):
    c = Client(podman, runtimes[request.param])
    yield c
    c.cleanup()


LOOP = "trap 'echo got TERM; exit 0' TERM; echo started; while :; do sleep 0.1; done"


# --------------------------------------------------------------------------
# lifecycle


def test_run_rm_prints_output(pm):
    r = pm.run("echo", "hello from busybox")
    assert (r.rc, r.stdout) == (0, "hello from busybox\n"), f"{r}\n{pm.calls()}"
    calls = pm.runtime.calls_since(pm.mark)
    assert " create --bundle " in calls and " start " in calls and " delete --force " in calls, calls
    assert "--log-format=json --log " in calls, "runtime_supports_json is not honoured:\n" + calls


def test_exit_status_is_the_containers(pm):
    r = pm.run("sh", "-c", "exit 7")
    assert r.rc == 7, f"{r}\n{pm.calls()}"


def test_missing_executable_is_127(pm):
    # Podman reads the runtime's --log file (one JSON object) after a failed
    # create and maps "no such file or directory" to 127.
    r = pm.run("/no/such/program")
    assert r.rc == 127, f"{r}\n{pm.calls()}"
    assert "no such file or directory" in r.stderr.lower(), f"{r}\n{pm.calls()}"


def test_not_executable_is_126(pm):
    r = pm.run("/etc/passwd")
    assert r.rc == 126, f"{r}\n{pm.calls()}"
    assert "permission denied" in r.stderr.lower(), f"{r}\n{pm.calls()}"


def test_stdin_pipe(pm):
    r = pm("run", "--rm", "-i", "--network", "none", pm.image, "sh", "-c", "tr a-z A-Z; echo done",
           input="piped through\n")
    assert (r.rc, r.stdout) == (0, "PIPED THROUGH\ndone\n"), f"{r}\n{pm.calls()}"


def test_no_fd_reaches_the_container(pm):
    # ls itself holds fd 3 (the directory it lists).
    r = pm.run("ls", "/proc/self/fd")
    assert (r.rc, r.stdout.split()) == (0, ["0", "1", "2", "3"]), f"{r}\n{pm.calls()}"


def test_preserve_fds(pm, tmp_path):
    # podman --preserve-fds 1 hands its fd 3 to conmon, which calls
    # `create --preserve-fds 1`: the container gets it as fd 3. A shell opens
    # the file as podman's fd 3 (this process's fd 3 may be in use).
    f = tmp_path / "passed"
    f.write_text("through fd 3\n")
    argv = pm.podman.argv("--runtime", pm.runtime.path, "run", "--rm", "--preserve-fds", "1", "--network", "none",
                          pm.image, "sh", "-c", "cat <&3; ls /proc/self/fd")
    r = run_cmd(["bash", "-c", 'exec 3<"$0"; exec "$@"', f] + argv, env=pm.podman.env)
    assert r.rc == 0 and r.stdout.split("\n")[0] == "through fd 3", f"{r}\n{pm.calls()}"
    assert r.stdout.split()[3:] == ["0", "1", "2", "3", "4"], f"{r}\n{pm.calls()}"
    assert "--preserve-fds 1" in pm.calls(), pm.calls()


def test_run_detached_ps_logs_stop(pm):
    n = pm.detached("sh", "-c", LOOP)
    assert wait_until(lambda: "started" in pm("logs", n).stdout), pm.calls()
    ps = pm.ok("ps", "--filter", f"name={n}", "--format", "{{.Names}} {{.Status}}").stdout
    assert ps.startswith(n + " Up"), ps
    pm.ok("stop", "--time", "10", n)
    assert pm.inspect(n, "{{.State.Status}} {{.State.ExitCode}}") == "exited 0", pm.calls()
    assert "got TERM" in pm.ok("logs", n).stdout
    assert pm("ps", "--quiet", "--filter", f"name={n}").stdout.strip() == ""


def test_kill_with_a_signal(pm):
    n = pm.detached("sh", "-c", "trap 'echo got USR1; exit 10' USR1; echo started; "
                    "while :; do sleep 0.1; done")
    assert wait_until(lambda: "started" in pm("logs", n).stdout), pm.calls()
    pm.ok("kill", "--signal", "USR1", n)
    assert pm.ok("wait", n).stdout.strip() == "10", pm.calls()
    assert "got USR1" in pm.ok("logs", n).stdout
    assert " kill " in pm.calls() and " 10" in pm.calls()


def test_stop_without_a_pid_namespace(pm):
    # In the host's pid namespace the init's death does not take the other
    # processes with it: Podman signals them all with `kill --all`.
    n = pm.detached("sh", "-c", "sleep 1000 & " + LOOP, options=("--pid", "host"))
    assert wait_until(lambda: "started" in pm("logs", n).stdout), pm.calls()
    pid = pm.pid(n)
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        children = [int(c) for c in f.read().split()]
    pm.ok("stop", "--time", "10", n)
    assert pm.inspect(n, "{{.State.Status}}") == "exited"
    assert wait_until(lambda: not any(os.path.exists(f"/proc/{c}") for c in children)), pm.calls()
    assert " kill --all " in pm.calls(), pm.calls()


def test_exec(pm):
    n = pm.detached("sleep", "1000")
    r = pm.ok("exec", n, "sh", "-c", "echo exec:$(cat /proc/1/comm)")
    assert r.stdout == "exec:sleep\n", r
    assert pm("exec", n, "sh", "-c", "exit 5").rc == 5, pm.calls()
    r = pm.ok("exec", "--user", "65534", "--workdir", "/tmp", "--env", "X=y", n, "sh", "-c",
              "echo $(id -u) $PWD $X")
    assert r.stdout == "65534 /tmp y\n", r
    assert " exec " in pm.calls() and "--process " in pm.calls(), pm.calls()


def test_exec_with_a_terminal(pm):
    n = pm.detached("sleep", "1000")
    r = pm.ok("exec", "-t", n, "tty")
    assert r.stdout.strip().startswith("/dev/pts/"), f"{r}\n{pm.calls()}"
    assert "--tty" in pm.calls() and "--console-socket" in pm.calls()


def test_run_with_a_terminal(pm):
    r = pm("run", "--rm", "-t", "--network", "none", pm.image, "sh", "-c", "tty; stty size")
    assert r.rc == 0, f"{r}\n{pm.calls()}"
    lines = r.stdout.replace("\r", "").split("\n")
    assert lines[0].startswith("/dev/pts/"), r
    assert "--console-socket" in pm.calls()


def test_pause_and_unpause(pm):
    n = pm.detached("sleep", "1000")
    pid = pm.pid(n)
    pm.ok("pause", n)
    assert pm.inspect(n, "{{.State.Status}}") == "paused"
    assert cgroup_file(pid, "freezer", "freezer.state", "cgroup.freeze") in ("FROZEN", "1")
    pm.ok("unpause", n)
    assert pm.inspect(n, "{{.State.Status}}") == "running"
    assert cgroup_file(pid, "freezer", "freezer.state", "cgroup.freeze") in ("THAWED", "0")
    pm.ok("exec", n, "true")
    assert " pause " in pm.calls() and " resume " in pm.calls()


def test_top(pm):
    n = pm.detached("sleep", "1000")
    r = pm.ok("top", n, "pid", "args")
    assert "sleep 1000" in r.stdout, r


def test_restart(pm):
    n = pm.detached("sh", "-c", LOOP)
    first = pm.pid(n)
    pm.ok("restart", "--time", "10", n)
    assert pm.inspect(n, "{{.State.Status}}") == "running"
    second = pm.pid(n)
    assert second != first and os.path.exists(f"/proc/{second}")
    assert not os.path.exists(f"/proc/{first}")
    assert pm.calls().count(" create --bundle ") == 2, pm.calls()


def test_rm_force_running(pm):
    n = pm.detached("sleep", "1000")
    pid = pm.pid(n)
    pm.ok("rm", "--force", "--time", "0", n)
    assert wait_until(lambda: not os.path.exists(f"/proc/{pid}")), "container process survived rm -f"
    assert pm("inspect", n).rc != 0


# --------------------------------------------------------------------------
# resources


def test_memory_and_pids_limits(pm):
    n = pm.detached("sleep", "1000", options=("--memory", "64m", "--pids-limit", "50"))
    pid = pm.pid(n)
    assert cgroup_file(pid, "memory", "memory.limit_in_bytes", "memory.max") == str(64 << 20)
    assert cgroup_file(pid, "pids", "pids.max", "pids.max") == "50"


def test_update_memory(pm):
    n = pm.detached("sleep", "1000", options=("--memory", "64m"))
    pid = pm.pid(n)
    r = pm("update", "--memory", "96m", n)
    if r.rc != 0 and "unknown" in r.stderr:
        pytest.skip(f"this podman has no update: {r.stderr.strip()}")
    assert r.rc == 0, f"{r}\n{pm.calls()}"
    assert cgroup_file(pid, "memory", "memory.limit_in_bytes", "memory.max") == str(96 << 20), pm.calls()
    assert " update --resources" in pm.calls()


def test_stats(pm):
    n = pm.detached("sleep", "1000", options=("--memory", "64m"))
    r = pm.ok("stats", "--no-stream", "--format", "json", n)
    stats = json.loads(r.stdout)
    assert len(stats) == 1 and stats[0]["name"] == n, r.stdout
    assert stats[0]["pids"] in ("1", 1), stats[0]
    assert "64" in stats[0]["mem_usage"] or "67.11MB" in stats[0]["mem_usage"], stats[0]


# --------------------------------------------------------------------------
# process and security settings


def caps_of(status, field):
    return next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith(field + ":"))


def test_cap_drop_and_add(pm):
    r = pm("run", "--rm", "--network", "none", "--cap-drop", "all", "--cap-add", "NET_ADMIN,CHOWN", pm.image,
           "cat", "/proc/self/status")
    assert r.rc == 0, f"{r}\n{pm.calls()}"
    want = (1 << 12) | (1 << 0)
    assert caps_of(r.stdout, "CapEff") == want and caps_of(r.stdout, "CapBnd") == want, r.stdout
    r = pm("run", "--rm", "--network", "none", "--cap-drop", "CHOWN", pm.image, "chown", "65534", "/tmp")
    assert r.rc != 0 and "Operation not permitted" in r.stderr, f"{r}\n{pm.calls()}"
    assert pm.run("chown", "65534", "/tmp").rc == 0, pm.calls()


def opt_run(pm, options, *args):
    return pm("run", "--rm", "--network", "none", *options, pm.image, *args)


def test_read_only(pm):
    r = opt_run(pm, ["--read-only"], "sh", "-c", "touch /x 2>&1; echo rc=$?; touch /tmp/y && echo tmp-ok")
    assert r.rc == 0, f"{r}\n{pm.calls()}"
    assert "Read-only file system" in r.stdout and "rc=1" in r.stdout and "tmp-ok" in r.stdout, r


def test_bind_mounts(pm, tmp_path):
    rw = tmp_path / "rw"
    ro = tmp_path / "ro"
    rw.mkdir()
    ro.mkdir()
    (ro / "in").write_text("from the host\n")
    r = opt_run(pm, ["-v", f"{rw}:/rw", "-v", f"{ro}:/ro:ro"], "sh", "-c",
                "cat /ro/in; echo out > /rw/out; touch /ro/x 2>/dev/null || echo ro-refused")
    assert r.rc == 0, f"{r}\n{pm.calls()}"
    assert r.stdout == "from the host\nro-refused\n", r
    assert (rw / "out").read_text() == "out\n"
    assert not (ro / "x").exists()


def test_user(pm):
    r = opt_run(pm, ["--user", "65534:65534"], "id")
    assert r.rc == 0 and r.stdout.startswith("uid=65534(nobody) gid=65534("), f"{r}\n{pm.calls()}"


def test_hostname_env_workdir(pm):
    r = opt_run(pm, ["--hostname", "box1", "--env", "GREETING=hi there", "--workdir", "/var/tmp"],
                "sh", "-c", 'echo "$(hostname)|$GREETING|$PWD"')
    assert (r.rc, r.stdout) == (0, "box1|hi there|/var/tmp\n"), f"{r}\n{pm.calls()}"


def test_ulimit(pm):
    # A --ulimit replaces containers.conf's defaults, so nproc is given too
    # (Podman's own default of 1048576 needs CAP_SYS_RESOURCE).
    r = opt_run(pm, ["--ulimit", "nofile=512:768", "--ulimit", "nproc=1000:1000"], "sh", "-c",
                "ulimit -n; ulimit -Hn; ulimit -u")
    assert (r.rc, r.stdout) == (0, "512\n768\n1000\n"), f"{r}\n{pm.calls()}"


def test_join_another_containers_namespaces(pm):
    # container:NAME becomes namespace paths (/proc/PID/ns/...) in the config.
    other = pm.detached("sleep", "1000")
    pid = pm.pid(other)
    kinds = ("pid", "net", "ipc", "uts")
    want = [os.readlink(f"/proc/{pid}/ns/{k}") for k in kinds]
    r = pm("run", "--rm", *[f"--{k if k != 'net' else 'network'}=container:{other}" for k in kinds], pm.image,
           "sh", "-c", " ".join(f"readlink /proc/self/ns/{k};" for k in kinds))
    assert (r.rc, r.stdout.split()) == (0, want), f"{r}\n{pm.calls()}"


def test_user_namespace(pm):
    r = opt_run(pm, ["--uidmap", "0:200000:65536", "--gidmap", "0:200000:65536"], "sh", "-c",
                "cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /tmp/x && stat -c %u /tmp/x")
    assert r.rc == 0, f"{r}\n{pm.calls()}"
    assert r.stdout.split() == ["0", "200000", "65536", "0", "200000", "65536", "0", "0"], r


# Podman copies a host device's st_mode, type bits included, into
# linux.devices[].fileMode (8630 = 0o20666 for a character device): accepted,
# as runc and crun do (the permission bits are used).


def test_privileged(pm, request):
    r = opt_run(pm, ["--privileged"], "sh", "-c",
                "grep -E 'CapEff|Seccomp:' /proc/self/status; ls /dev | wc -l")
    assert r.rc == 0, f"{r}\n{pm.calls()}"
    lines = r.stdout.split("\n")
    with open("/proc/self/status") as f:
        bounding = int(f.read().split("CapBnd:")[1].split()[0], 16)
    assert int(lines[0].split()[1], 16) == bounding, r
    assert lines[1].split() == ["Seccomp:", "0"], r
    assert int(lines[2]) > 20, "a privileged container sees the host's devices"


def test_device(pm, request):
    r = opt_run(pm, ["--device", "/dev/null:/dev/mynull"], "sh", "-c",
                "stat -c '%t,%T %a' /dev/mynull; echo x > /dev/mynull && echo written")
    assert (r.rc, r.stdout) == (0, "1,3 666\nwritten\n"), f"{r}\n{pm.calls()}"


def test_tmpfs_and_sysctl(pm):
    r = opt_run(pm, ["--tmpfs", "/scratch:size=1m", "--sysctl", "kernel.msgmax=4096"], "sh", "-c",
                "grep ' /scratch ' /proc/mounts; cat /proc/sys/kernel/msgmax")
    assert r.rc == 0, f"{r}\n{pm.calls()}"
    lines = r.stdout.split("\n")
    assert lines[0].startswith("tmpfs /scratch tmpfs") and "size=1024k" in lines[0], r
    assert lines[1] == "4096", r


def test_no_new_privileges(pm):
    def nnp(options):
        r = opt_run(pm, options, "grep", "NoNewPrivs", "/proc/self/status")
        assert r.rc == 0, f"{r}\n{pm.calls()}"
        return r.stdout.split()[1]

    assert nnp(["--security-opt", "no-new-privileges"]) == "1"
    assert nnp([]) == "0"


def test_default_seccomp_profile(pm):
    # The default profile refuses swapoff() with EPERM whatever the
    # capabilities. With CAP_SYS_ADMIN and no filter the kernel gets to look
    # at the file and says EINVAL (it is no active swap area): the errno tells
    # whether the filter was loaded. swapoff() of a non-swap file changes
    # nothing on the host.
    script = "grep Seccomp: /proc/self/status; swapoff /etc/passwd"
    r = opt_run(pm, ["--cap-add", "SYS_ADMIN"], "sh", "-c", script)
    assert r.rc != 0 and "Seccomp:\t2" in r.stdout, f"{r}\n{pm.calls()}"
    assert "Operation not permitted" in r.stderr, f"{r}\n{pm.calls()}"
    r = opt_run(pm, ["--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined"], "sh", "-c", script)
    assert "Seccomp:\t0" in r.stdout and "Invalid argument" in r.stderr, f"{r}\n{pm.calls()}"


def test_contrib_containers_conf(podman, runtimes):
    # contrib/containers.conf, with the wrapper of ocirt in place of the
    # installed path, lets `--runtime ocirt` name the runtime and turns on
    # its JSON error log.
    with open(srcdir() / "contrib" / "containers.conf", "rb") as f:
        snippet = tomllib.load(f)
    ocirt = runtimes["ocirt"]
    assert "ocirt" in snippet["engine"]["runtime_supports_json"]
    assert snippet["engine"]["runtimes"]["ocirt"][0] == "/usr/local/bin/ocirt"
    snippet["engine"]["runtimes"]["ocirt"] = [ocirt.path]
    conf = podman.write_conf("contrib.conf", snippet)
    mark = ocirt.mark()
    r = podman("--runtime", "ocirt", "run", "--rm", "--network", "none", podman.image, "echo", "by name",
               conf=conf)
    assert (r.rc, r.stdout) == (0, "by name\n"), f"{r}\n{ocirt.calls_since(mark)}"
    assert "--log-format=json --log " in ocirt.calls_since(mark), ocirt.calls_since(mark)
    r = podman("--runtime", "ocirt", "run", "--rm", "--network", "none", podman.image, "/no/such/program",
               conf=conf)
    assert r.rc == 127, f"{r}\n{ocirt.calls_since(mark)}"
