# SPDX-License-Identifier: GPL-2.0-or-later
"""The container's process exactly as config.md "Process" describes it:
args, env, cwd, user, umask, rlimits, capabilities, no_new_privs,
oom_score_adj, scheduler, I/O priority, personality, CPU affinity, memory
policy, and which file descriptors reach it."""

import json
import os
import resource

import pytest

pytestmark = pytest.mark.needs_root

CAP = {"CAP_KILL": 5, "CAP_NET_BIND_SERVICE": 10, "CAP_SYS_ADMIN": 21, "CAP_SYS_RESOURCE": 24,
       "CAP_AUDIT_WRITE": 29}
CAP_SETS = {"bounding": "CapBnd", "effective": "CapEff", "permitted": "CapPrm", "inheritable": "CapInh",
            "ambient": "CapAmb"}


def sh(bundle, script):
    bundle.args("/bin/sh", "-c", script)
    return bundle


def mask(*names):
    return sum(1 << CAP[n] for n in names)


def run_probe(run, bundle, container_id, *args):
    bundle.probe(*args).write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    return r.json()


def caps_of(data):
    return {k: int(v, 16) for k, v in data.items()}


def host_cap(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1], 16)
    raise KeyError(field)


# --------------------------------------------------------------------------
# args, env, cwd


def test_args_passed_exactly(run, bundle, container_id):
    bundle.args("/bin/sh", "-c", 'printf "%s|" "$0" "$@"', "zero", "a b", "c\td", "", "*", "$HOME")
    bundle.write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.stdout == "zero|a b|c\td||*|$HOME|"


def test_args_resolved_through_path(run, bundle, container_id):
    bundle.args("probe", "pid")
    bundle.set("process.env", ["PATH=/usr/bin:/"])
    bundle.write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.json()["pid"] == 1


def test_env_exactly_as_configured(run, bundle, container_id):
    env = ["PATH=/bin:/usr/bin", "HOME=/root", "EMPTY=", "WITH_SPACE=a b", "EQUALS=x=y", "TERM=dumb"]
    bundle.set("process.env", env)
    data = run_probe(run, bundle, container_id, "env")
    assert data["env"] == env


def test_cwd(run, bundle, container_id):
    bundle.set("process.cwd", "/usr/bin")
    data = run_probe(run, bundle, container_id, "cwd")
    assert data["cwd"] == "/usr/bin"


def test_cwd_that_is_a_file_fails(run, bundle, container_id, leftovers):
    bundle.set("process.cwd", "/bin/busybox")
    bundle.probe("cwd").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert r.stdout == ""
    assert leftovers() == []


def test_missing_executable_fails_with_its_name(run, bundle, container_id, leftovers):
    bundle.args("/no/such/program").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert "/no/such/program" in r.stderr
    assert leftovers() == []


# --------------------------------------------------------------------------
# user


def test_user_ids_groups_and_umask(run, bundle, container_id):
    bundle.set("process.user", {"uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 0o077})
    data = run_probe(run, bundle, container_id, "ids")
    assert (data["uid"], data["euid"]) == (1000, 1000)
    assert (data["gid"], data["egid"]) == (1000, 1000)
    assert sorted(data["groups"]) == [10, 20]
    assert data["umask"] == 0o077


def test_root_user_has_no_supplementary_groups_from_the_host(run, bundle, container_id):
    bundle.set("process.user", {"uid": 0, "gid": 0})
    data = run_probe(run, bundle, container_id, "ids")
    assert (data["uid"], data["gid"]) == (0, 0)
    assert set(data["groups"]) <= {0}


def test_default_umask_is_022(run, bundle, container_id):
    bundle.set("process.user", {"uid": 0, "gid": 0})
    data = run_probe(run, bundle, container_id, "ids")
    assert data["umask"] == 0o022


def test_non_root_user_without_ambient_capabilities_has_none(run, bundle, container_id):
    """execve() as a non-zero uid keeps only the ambient capabilities in the
    permitted and effective sets; runc's default has no inheritable ones, so
    none can be ambient. The bounding set is the config's."""
    bundle.set("process.user", {"uid": 1000, "gid": 1000})
    caps = caps_of(run_probe(run, bundle, container_id, "caps"))
    default = mask("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE")
    assert caps["CapBnd"] == default
    assert caps["CapEff"] == caps["CapPrm"] == caps["CapAmb"] == 0


def test_non_root_user_gets_capabilities_through_ambient(run, bundle, container_id):
    bundle.set("process.user", {"uid": 1000, "gid": 1000})
    bundle.set("process.capabilities", {s: ["CAP_KILL", "CAP_NET_BIND_SERVICE"] for s in CAP_SETS})
    caps = caps_of(run_probe(run, bundle, container_id, "caps"))
    want = mask("CAP_KILL", "CAP_NET_BIND_SERVICE")
    for field in CAP_SETS.values():
        assert caps[field] == want, f"{field} = {caps[field]:#x}"


# --------------------------------------------------------------------------
# rlimits


def test_rlimits(run, bundle, container_id):
    _, nofile_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    _, nproc_hard = resource.getrlimit(resource.RLIMIT_NPROC)
    nofile = min(nofile_hard, 1024)
    nproc = min(nproc_hard, 4096)
    bundle.set("process.rlimits", [
        {"type": "RLIMIT_NOFILE", "soft": nofile // 2, "hard": nofile},
        {"type": "RLIMIT_NPROC", "soft": nproc // 2, "hard": nproc},
    ])
    data = run_probe(run, bundle, container_id, "rlimits")
    assert data["RLIMIT_NOFILE"] == {"soft": nofile // 2, "hard": nofile}
    assert data["RLIMIT_NPROC"] == {"soft": nproc // 2, "hard": nproc}


def test_rlimits_not_configured_are_inherited(run, bundle, container_id):
    bundle.set("process.rlimits", [])
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    data = run_probe(run, bundle, container_id, "rlimits")
    as_config = lambda v: 2**64 - 1 if v == resource.RLIM_INFINITY else v  # noqa: E731
    assert data["RLIMIT_STACK"] == {"soft": as_config(soft), "hard": as_config(hard)}


def test_rlimit_above_the_allowed_hard_limit_fails(run, bundle, container_id, leftovers):
    """Raising a hard limit needs CAP_SYS_RESOURCE; where the runtime lacks it
    the error names the limit and nothing is left."""
    if host_cap("CapEff") & (1 << CAP["CAP_SYS_RESOURCE"]):
        pytest.skip("this process has CAP_SYS_RESOURCE: raising a hard limit would succeed")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    bundle.set("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": hard + 1, "hard": hard + 1}])
    bundle.probe("rlimits").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert "NOFILE" in r.stderr, r.stderr
    assert leftovers() == []


# --------------------------------------------------------------------------
# privileges


@pytest.mark.parametrize("value,expected", [(True, "1"), (False, "0")])
def test_no_new_privileges(run, bundle, container_id, value, expected):
    bundle.set("process.noNewPrivileges", value)
    data = run_probe(run, bundle, container_id, "nnp")
    assert data["NoNewPrivs"] == expected
    assert data["prctl"] == int(expected)


def test_default_capabilities(run, bundle, container_id):
    data = run_probe(run, bundle, container_id, "caps")
    caps = caps_of(data)
    default = mask("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE")
    assert default == 0x20000420
    assert caps["CapBnd"] == default
    assert caps["CapEff"] == default
    assert caps["CapPrm"] == default
    assert caps["CapInh"] == 0
    # runc's default lists ambient capabilities but no inheritable ones, and
    # the kernel keeps only ambient capabilities that are also inheritable.
    assert caps["CapAmb"] == 0


def test_capability_in_every_set(run, bundle, container_id):
    bundle.set("process.capabilities", {s: ["CAP_SYS_ADMIN"] for s in CAP_SETS})
    caps = caps_of(run_probe(run, bundle, container_id, "caps"))
    for field in CAP_SETS.values():
        assert caps[field] == mask("CAP_SYS_ADMIN"), f"{field} = {caps[field]:#x}"


def test_no_capabilities(run, bundle, container_id):
    bundle.set("process.capabilities", {s: [] for s in CAP_SETS})
    caps = caps_of(run_probe(run, bundle, container_id, "caps"))
    assert caps == {field: 0 for field in CAP_SETS.values()}


def test_unknown_capability_is_a_warning(run, bundle, container_id):
    bundle.set("process.capabilities", {s: ["CAP_KILL", "CAP_BOGUS"] for s in
                                        ("bounding", "effective", "permitted")})
    bundle.probe("caps").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert "CAP_BOGUS" in r.stderr
    caps = caps_of(r.json())
    assert caps["CapBnd"] == caps["CapEff"] == caps["CapPrm"] == mask("CAP_KILL")


def test_capability_the_runtime_lacks_is_not_fatal(run, bundle, container_id):
    """config.md: runtimes SHOULD NOT fail for capabilities that cannot be granted."""
    if host_cap("CapBnd") & (1 << CAP["CAP_SYS_RESOURCE"]):
        pytest.skip("CAP_SYS_RESOURCE is in this machine's bounding set")
    bundle.set("process.capabilities", {s: ["CAP_KILL", "CAP_SYS_RESOURCE"] for s in
                                        ("bounding", "effective", "permitted")})
    bundle.probe("caps").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    caps = caps_of(r.json())
    assert caps["CapBnd"] == caps["CapEff"] == caps["CapPrm"] == mask("CAP_KILL")


def test_oom_score_adj(run, bundle, container_id):
    bundle.set("process.oomScoreAdj", 500)
    assert run_probe(run, bundle, container_id, "oom-score")["oom_score_adj"] == 500


def test_oom_score_adj_unset_is_inherited(run, bundle, container_id):
    bundle.delete("process.oomScoreAdj")
    with open("/proc/self/oom_score_adj") as f:
        mine = int(f.read())
    assert run_probe(run, bundle, container_id, "oom-score")["oom_score_adj"] == mine


# --------------------------------------------------------------------------
# scheduling and execution domain


def test_scheduler_batch_with_nice(run, bundle, container_id):
    bundle.set("process.scheduler", {"policy": "SCHED_BATCH", "nice": 5})
    data = run_probe(run, bundle, container_id, "sched")
    assert data["policy"] == "SCHED_BATCH"
    assert data["nice"] == 5


def test_scheduler_idle(run, bundle, container_id):
    bundle.set("process.scheduler", {"policy": "SCHED_IDLE"})
    data = run_probe(run, bundle, container_id, "sched")
    assert data["policy"] == "SCHED_IDLE"


def test_io_priority(run, bundle, container_id):
    bundle.set("process.ioPriority", {"class": "IOPRIO_CLASS_BE", "priority": 3})
    data = run_probe(run, bundle, container_id, "ioprio")
    assert data == {"class": "IOPRIO_CLASS_BE", "priority": 3}


def test_io_priority_idle(run, bundle, container_id):
    bundle.set("process.ioPriority", {"class": "IOPRIO_CLASS_IDLE", "priority": 0})
    data = run_probe(run, bundle, container_id, "ioprio")
    assert data["class"] == "IOPRIO_CLASS_IDLE"


def test_personality_linux32(run, bundle, container_id):
    if os.uname().machine != "x86_64":
        pytest.skip("the expected 32-bit machine name is known for x86_64 only")
    bundle.set("linux.personality", {"domain": "LINUX32"})
    sh(bundle, "uname -m; /probe personality").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "i686"
    assert json.loads(lines[1])["domain"] == "LINUX32"


def test_personality_linux(run, bundle, container_id):
    bundle.set("linux.personality", {"domain": "LINUX"})
    sh(bundle, "uname -m; /probe personality").write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == os.uname().machine
    assert json.loads(lines[1])["domain"] == "LINUX"


def has_exec(run):
    return run("exec", "--help").rc == 0


def test_exec_cpu_affinity_final(run, bundle, container_id, tmp_path):
    """config.md: execCPUAffinity is for processes executed in the container
    (`exec`), not for its init."""
    if len(os.sched_getaffinity(0)) < 2 or 0 not in os.sched_getaffinity(0):
        pytest.skip("needs at least two CPUs, cpu 0 among them, to see a change")
    if not has_exec(run):
        pytest.skip("no exec command: execCPUAffinity applies to exec'd processes only")
    bundle.probe("signal-wait").write()
    r = run("create", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert run("start", container_id).rc == 0
    process = dict(bundle.config["process"], args=["/probe", "affinity"], execCPUAffinity={"final": "0"})
    (tmp_path / "process.json").write_text(json.dumps(process))
    r = run("exec", "--process", tmp_path / "process.json", container_id)
    assert r.rc == 0, r.stderr
    assert r.json()["cpus"] == [0]


def test_memory_policy_bind(run, bundle, container_id):
    if not os.path.isdir("/sys/devices/system/node/node0") or not os.path.exists("/proc/self/numa_maps"):
        pytest.skip("the kernel is not NUMA-capable (no /sys/devices/system/node/node0 or numa_maps)")
    bundle.set("linux.memoryPolicy", {"mode": "MPOL_BIND", "nodes": "0"})
    data = run_probe(run, bundle, container_id, "read", "/proc/self/numa_maps")
    policies = {line.split()[1] for line in data["content"].splitlines()}
    # Mappings without a policy of their own show the task's policy.
    assert "bind:0" in policies, policies


def test_memory_policy_interleave(run, bundle, container_id):
    if not os.path.isdir("/sys/devices/system/node/node0") or not os.path.exists("/proc/self/numa_maps"):
        pytest.skip("the kernel is not NUMA-capable (no /sys/devices/system/node/node0 or numa_maps)")
    bundle.set("linux.memoryPolicy", {"mode": "MPOL_INTERLEAVE", "nodes": "0"})
    data = run_probe(run, bundle, container_id, "read", "/proc/self/numa_maps")
    policies = {line.split()[1] for line in data["content"].splitlines()}
    assert "interleave:0" in policies, policies


# --------------------------------------------------------------------------
# file descriptors


def test_only_stdio_reaches_the_process(run, bundle, container_id, tmp_path):
    extra = [os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY) for _ in range(3)]
    try:
        for fd in extra:
            os.set_inheritable(fd, True)
        bundle.probe("fds").write()
        r = run("run", "--bundle", bundle, container_id, pass_fds=tuple(extra))
    finally:
        for fd in extra:
            os.close(fd)
    assert r.rc == 0, r.stderr
    fds = r.json()["fds"]
    assert sorted(f["fd"] for f in fds) == [0, 1, 2], fds


def test_stdio_is_the_callers(run, bundle, container_id, tmp_path):
    """Without a terminal the process gets the caller's stdio as it is."""
    (tmp_path / "in").write_text("input line\n")
    bundle.args("/bin/sh", "-c", "read line; echo \"got $line\"; echo to-stderr >&2").write()
    with open(tmp_path / "in") as stdin:
        r = run("run", "--bundle", bundle, container_id, stdin=stdin)
    assert r.rc == 0, r.stderr
    assert r.stdout == "got input line\n"
    assert "to-stderr" in r.stderr
