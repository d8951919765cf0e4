# SPDX-License-Identifier: GPL-2.0-or-later
"""Crash safety: SIGKILL of `create`, `run -d`, `start`, `delete --force` or
`exec -d` at any moment, then `delete --force ID`, leaves nothing behind.

Two ways to pick "any moment":

- by time: each operation is first timed uninterrupted, then killed after
  delays spread uniformly over [0, that time], plus a few very early ones;
- by system call (needs strace): an uninterrupted run is traced once, then
  the operation is killed just before chosen system calls of that trace
  (strace's syscall fault injection delivers SIGKILL on the call's entry),
  which reaches the windows a timer almost never hits.

After each kill the test checks what a caller would see (`state` is valid
JSON with an honest status, or a clean "does not exist"; `list` is valid
JSON), that a half-made init does not outlive its creator, that `delete
--force` succeeds, and that no state entry (temporary ones included), no
process, no mount and no cgroup in any hierarchy is left.

Environment: OCIRT_CRASH_ITERATIONS (timed kills per operation, default 20),
OCIRT_CRASH_SYSCALL_POINTS (system-call kill points per operation, default
25; 0 means every call of the trace).
"""

import ctypes
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import threading
import time

import pytest
from conftest import processes_in

pytestmark = pytest.mark.needs_root

ITERATIONS = int(os.environ.get("OCIRT_CRASH_ITERATIONS", "20"))
SYSCALL_POINTS = int(os.environ.get("OCIRT_CRASH_SYSCALL_POINTS", "25"))
EARLY_DELAYS = (0.0001, 0.0002, 0.0003, 0.0005)
CALL_TIMEOUT = 30
# How long a half-made init may take to die after its creator was killed:
# the parent-death signal is sent as the creator exits, so this is generous.
INIT_GRACE = 3.0
STATUSES_AFTER_KILL = {"created", "running", "stopped", "paused"}


# --------------------------------------------------------------------------
# orphans


PR_SET_CHILD_SUBREAPER = 36


def reap_orphans():
    """Reaps the zombies of container processes that were reparented to us
    (pid namespace depth > 1); our own ocirt commands are left to their
    Popen, which waits for them by pid."""
    me = str(os.getpid())
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() != me or not fields.get("State", "").strip().startswith("Z"):
            continue
        if len(fields.get("NSpid", "").split()) < 2:
            continue
        try:
            os.waitpid(int(pid), os.WNOHANG)
        except ChildProcessError:
            pass


@pytest.fixture(autouse=True)
def orphan_reaper():
    """Makes the test process the reaper of orphaned container processes,
    as containerd-shim and conmon are.

    A detached `exec` process outlives the ocirt that made it, and is
    reparented to the nearest subreaper, else to pid 1. When the container's
    pid-1 dies, the kernel makes it wait until every process of its pid
    namespace has been reaped; a pid 1 that reaps lazily (this one takes
    ~1.7 s) then stalls every `delete --force`, and the test with it."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        yield
        return
    stop = threading.Event()

    def loop():
        while not stop.wait(0.005):
            reap_orphans()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join()
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        reap_orphans()


# --------------------------------------------------------------------------
# the operations and how each is prepared


def _detach_config(bundle):
    """A long-running init that needs nothing from its stdio."""
    bundle.args("sleep", "1000").write()


class Operation:
    """One ocirt command to kill: `prepare` brings the container to the state
    the command expects, `argv` is the command itself."""

    def __init__(self, name, needs, argv):
        self.name = name
        self.needs = needs  # None, "created" or "running"
        self._argv = argv

    def argv(self, bundle, cid):
        return [a.format(bundle=bundle, id=cid) for a in self._argv]

    def prepare(self, h, bundle, cid):
        if self.needs is None:
            return
        r = h.run("create", "--bundle", bundle, cid, timeout=CALL_TIMEOUT)
        assert r.rc == 0, f"preparing {self.name}: create: {r.stderr}"
        if self.needs == "running":
            r = h.run("start", cid, timeout=CALL_TIMEOUT)
            assert r.rc == 0, f"preparing {self.name}: start: {r.stderr}"

    def __repr__(self):
        return self.name


OPERATIONS = [
    Operation("create", None, ["create", "--bundle", "{bundle}", "{id}"]),
    Operation("run-d", None, ["run", "-d", "--bundle", "{bundle}", "{id}"]),
    Operation("start", "created", ["start", "{id}"]),
    Operation("delete", "running", ["delete", "--force", "{id}"]),
    Operation("exec-d", "running", ["exec", "-d", "{id}", "sleep", "1000"]),
]


# --------------------------------------------------------------------------
# running ocirt without the harness's wait, so that it can be killed


class Spawned:
    def __init__(self, h, argv, prefix=()):
        self.argv = list(prefix) + [h.ocirt, "--root", str(h.root)] + [str(a) for a in argv]
        self.err_path = h.tmp_path / f"killed-{time.monotonic_ns()}.err"
        with open(self.err_path, "wb") as err:
            # stdout/stdin: /dev/null, so a container keeping them open holds nothing up.
            # Under strace, LeakSanitizer (in the sanitizer build) cannot stop
            # the world to scan for leaks and aborts instead: leave leaks to
            # the untraced runs.
            env = dict(os.environ)
            if prefix:
                env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=err, env=env)
        self.started = time.perf_counter()

    def wait(self, timeout=CALL_TIMEOUT):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{' '.join(self.argv)}: no exit within {timeout} s")
        return rc

    def stderr(self):
        return self.err_path.read_text(errors="replace")


def spin_until(deadline):
    """Waits until perf_counter() reaches `deadline`: a sleep for the bulk,
    a busy loop for the last half millisecond (sleep alone is too coarse)."""
    left = deadline - time.perf_counter()
    if left > 0.001:
        time.sleep(left - 0.0005)
    while time.perf_counter() < deadline:
        pass


def measure(h, op, bundle, runs=3):
    """Median wall time of the uninterrupted operation (container cleaned up)."""
    times = []
    for _ in range(runs):
        cid = h.new_id("m")
        h.ids.append(cid)
        op.prepare(h, bundle, cid)
        s = Spawned(h, op.argv(bundle, cid))
        rc = s.wait()
        times.append(time.perf_counter() - s.started)
        assert rc == 0, f"uninterrupted {op.name} failed: {s.stderr()}"
        r = h.run("delete", "--force", cid, timeout=CALL_TIMEOUT)
        assert r.rc == 0 or "does not exist" in r.stderr, r.stderr
    return statistics.median(times)


# --------------------------------------------------------------------------
# what must hold after a kill


def tmp_entries(root):
    try:
        return sorted(n for n in os.listdir(root) if n.startswith(".tmp-"))
    except FileNotFoundError:
        return []


def check_after_kill(h, bundle, cid, what):
    """Problems seen after the ocirt process of `what` was killed and reaped
    (empty when all is well); leaves the test's root clean in any case."""
    problems = []
    r = h.run("state", cid, timeout=CALL_TIMEOUT)
    status = None
    if r.rc == 0:
        try:
            st = json.loads(r.stdout)
            status = st["status"]
        except (ValueError, KeyError, TypeError):
            problems.append(f"state printed no valid state: {r.stdout!r}")
            st = {}
        # The creator is dead and reaped: nothing is "creating" any more.
        if status is not None and status not in STATUSES_AFTER_KILL:
            problems.append(f"state says {status!r} after the creator died")
        if status in ("created", "running", "paused") and not (st.get("pid", 0) > 0 and _alive(st["pid"])):
            problems.append(f"state says {status!r} but its pid {st.get('pid')} is not alive")
        if status == "stopped" and st.get("pid") not in (0, None):
            problems.append(f"state says stopped with pid {st.get('pid')}")
    elif "does not exist" not in r.stderr or len(r.stderr_lines()) != 1:
        problems.append(f"state failed with rc {r.rc} and not a clean 'does not exist': {r.stderr!r}")
    else:
        status = "absent"

    if status in ("stopped", "absent"):
        # A half-made (or killed) init must be gone by itself, before any delete.
        deadline = time.monotonic() + INIT_GRACE
        while processes_in([bundle.path]) and time.monotonic() < deadline:
            time.sleep(0.01)
        left = processes_in([bundle.path])
        if left:
            problems.append(f"processes outlived the killed {what} (status {status}): {left}")

    r = h.run("list", "--format", "json", timeout=CALL_TIMEOUT)
    if r.rc != 0:
        problems.append(f"list failed: {r.stderr!r}")
    else:
        try:
            listed = json.loads(r.stdout)
            mine = [c for c in listed if c.get("id") == cid]
            if status == "absent" and mine:
                problems.append(f"list shows a container that state says does not exist: {mine}")
        except (ValueError, AttributeError):
            problems.append(f"list printed no valid JSON: {r.stdout!r}")
    # `list` swept the temporary directories of dead processes.
    tmp = tmp_entries(h.root)
    if tmp:
        problems.append(f"temporary state directories left after `list`: {tmp}")

    r = h.run("delete", "--force", cid, timeout=CALL_TIMEOUT)
    if r.rc != 0 and "does not exist" not in r.stderr:
        problems.append(f"delete --force failed (rc {r.rc}): {r.stderr.strip()!r}")
    left = h.leftovers()
    if left:
        problems.append("left behind after delete --force: " + "; ".join(left))
        h._force_clean()
    return problems


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def report(op, failures):
    lines = [f"{len(failures)} kill point(s) of `{op.name}` left problems:"]
    for point, rc, stderr, problems in failures[:15]:
        lines.append(f"  killed at {point} (exit {rc}; stderr {stderr.strip()[:300]!r}):")
        lines += [f"    - {p}" for p in problems]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# kills at spread delays


def delays_for(measured, n):
    """`n` delays: a few very early ones, the rest uniform over [0, measured]."""
    early = list(EARLY_DELAYS[: max(0, min(len(EARLY_DELAYS), n // 4))])
    rest = n - len(early)
    uniform = [measured * i / max(1, rest - 1) for i in range(rest)] if rest > 1 else [measured / 2] * rest
    return early + uniform


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: o.name)
def test_kill_at_spread_delays(harness, bundle, op):
    _detach_config(bundle)
    measured = measure(harness, op, bundle)
    failures = []
    interrupted = 0
    for delay in delays_for(measured, ITERATIONS):
        cid = harness.new_id("k")
        harness.ids.append(cid)
        op.prepare(harness, bundle, cid)
        s = Spawned(harness, op.argv(bundle, cid))
        spin_until(s.started + delay)
        try:
            s.proc.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        rc = s.wait()
        interrupted += rc == -signal.SIGKILL
        problems = check_after_kill(harness, bundle, cid, op.name)
        if problems:
            failures.append((f"{delay * 1000:.3f} ms of {measured * 1000:.1f} ms", rc, s.stderr(), problems))
    print(f"{op.name}: uninterrupted {measured * 1000:.1f} ms; {interrupted}/{ITERATIONS} runs interrupted")
    assert not failures, report(op, failures)
    # Proof that the kills landed inside the operation, not after it.
    assert interrupted >= ITERATIONS // 4, f"only {interrupted} of {ITERATIONS} runs were interrupted"


# --------------------------------------------------------------------------
# kills just before chosen system calls


SYSCALL_LINE = re.compile(r"^(?:\d+\s+)?([a-z0-9_]+)\(")


def syscall_points(trace_text):
    """[(name, k)]: the k-th call of `name`, one per system call of the trace,
    in order."""
    seen = {}
    points = []
    for line in trace_text.splitlines():
        m = SYSCALL_LINE.match(line)
        if not m or m.group(1) in ("exit_group", "exit"):
            continue
        name = m.group(1)
        seen[name] = seen.get(name, 0) + 1
        points.append((name, seen[name]))
    return points


def sample(points, n):
    if n <= 0 or n >= len(points):
        return points
    step = (len(points) - 1) / (n - 1) if n > 1 else 0
    return [points[round(i * step)] for i in range(n)]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: o.name)
def test_kill_before_syscall(harness, bundle, op):
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (apt-get install strace)")
    _detach_config(bundle)
    cid = harness.new_id("t")
    harness.ids.append(cid)
    op.prepare(harness, bundle, cid)
    trace = harness.tmp_path / "trace"
    s = Spawned(harness, op.argv(bundle, cid), prefix=[strace, "-qq", "-o", str(trace)])
    assert s.wait() == 0, f"traced {op.name} failed: {s.stderr()}"
    r = harness.run("delete", "--force", cid, timeout=CALL_TIMEOUT)
    assert r.rc == 0, r.stderr
    points = syscall_points(trace.read_text())
    assert len(points) > 20, f"strace recorded too little: {trace.read_text()[:500]}"

    failures = []
    chosen = sample(points, SYSCALL_POINTS)
    for name, k in chosen:
        cid = harness.new_id("t")
        harness.ids.append(cid)
        op.prepare(harness, bundle, cid)
        inject = ["-e", f"trace={name}", "-e", f"inject={name}:signal=SIGKILL:when={k}"]
        s = Spawned(harness, op.argv(bundle, cid), prefix=[strace, "-qq", "-o", "/dev/null"] + inject)
        rc = s.wait()
        problems = check_after_kill(harness, bundle, cid, op.name)
        if problems:
            failures.append((f"call #{k} of {name}()", rc, s.stderr(), problems))
    print(f"{op.name}: {len(points)} system calls, killed before {len(chosen)} of them")
    assert not failures, report(op, failures)
