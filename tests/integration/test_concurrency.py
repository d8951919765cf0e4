# SPDX-License-Identifier: GPL-2.0-or-later
"""Concurrency: many ocirt processes at once on one container, on one id, or
on one state root under churn, and a load test.

- 50 `create`s of one id released at the same instant: exactly one wins,
  the others say "container with id exists: ID" and leave the winner whole;
- kill, delete --force, state, pause, resume and exec at once on a running
  container: no ocirt dies of a signal, none hangs, the end is consistent;
- `state` and `list` while containers come and go: whole JSON or one clean
  "does not exist" line, never a partial document, and `list` never fails
  because a container vanished;
- 200 containers created, started, killed and deleted 8 at a time: all
  succeed, nothing leaks, and the wall time per container is reported.

Environment: OCIRT_RACE_PROCESSES (same-id creators, default 50),
OCIRT_RACE_ROUNDS (default 3), OCIRT_CHURN_SECONDS (default 4),
OCIRT_LOAD_CONTAINERS (default 200), OCIRT_LOAD_WORKERS (default 8),
OCIRT_LOAD_REPORT (a file the load test writes its timings to, as JSON).
"""

import itertools
import json
import os
import random
import statistics
import subprocess
import threading
import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import processes_in
from test_crash_safety import orphan_reaper  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.needs_root

RACE_PROCESSES = int(os.environ.get("OCIRT_RACE_PROCESSES", "50"))
RACE_ROUNDS = int(os.environ.get("OCIRT_RACE_ROUNDS", "3"))
CHURN_SECONDS = float(os.environ.get("OCIRT_CHURN_SECONDS", "4"))
LOAD_CONTAINERS = int(os.environ.get("OCIRT_LOAD_CONTAINERS", "200"))
LOAD_WORKERS = int(os.environ.get("OCIRT_LOAD_WORKERS", "8"))
CALL_TIMEOUT = 20
STATUSES = {"creating", "created", "running", "paused", "stopped"}

Call = namedtuple("Call", "args rc stdout stderr elapsed hung")
_seq = itertools.count()


def detach_config(bundle):
    bundle.args("sleep", "1000").write()


def call(h, *args, timeout=CALL_TIMEOUT):
    """Runs ocirt --root ROOT ARGS (stdio in files: a container may keep them
    open); safe in threads, never raises on a timeout but reports it."""
    args = [str(a) for a in args]
    n = next(_seq)
    out_path, err_path = h.tmp_path / f"c{n}.out", h.tmp_path / f"c{n}.err"
    start = time.perf_counter()
    with open(out_path, "w+b") as out, open(err_path, "w+b") as err:
        p = subprocess.Popen([h.ocirt, "--root", str(h.root)] + args, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=err)
        hung = False
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            hung = True
            p.kill()
            p.wait()
    elapsed = time.perf_counter() - start
    return Call(args, p.returncode, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
                elapsed, hung)


class Gate:
    """Starts many ocirt processes that all wait on one fifo, then lets them
    go at the same instant (closing the fifo's writer wakes every reader),
    so that they really overlap instead of trickling out of fork()."""

    def __init__(self, h):
        self.h = h
        self.fifo = h.tmp_path / f"gate{next(_seq)}"
        os.mkfifo(self.fifo)
        self.procs = []

    def add(self, *args):
        args = [str(a) for a in args]
        n = next(_seq)
        out_path, err_path = self.h.tmp_path / f"g{n}.out", self.h.tmp_path / f"g{n}.err"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            # `exec`: the exit status we see is ocirt's own.
            p = subprocess.Popen(["sh", "-c", 'read _ < "$0"; exec "$@"', str(self.fifo), self.h.ocirt, "--root",
                                  str(self.h.root)] + args, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        self.procs.append((args, p, out_path, err_path))

    def release(self):
        # Opening for writing waits for a first reader; give the rest time to block in open().
        time.sleep(0.2)
        with open(self.fifo, "w"):
            pass

    def wait(self, timeout):
        """Waits up to `timeout` s in all; returns the commands still running."""
        deadline = time.monotonic() + timeout
        for _, p, _, _ in self.procs:
            try:
                p.wait(timeout=max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        return [args for args, p, _, _ in self.procs if p.poll() is None]

    def results(self):
        """Every command's Call; those still running are killed and marked hung."""
        out = []
        for args, p, out_path, err_path in self.procs:
            hung = p.poll() is None
            if hung:
                p.kill()
                p.wait()
            out.append(Call(args, p.returncode, out_path.read_text(errors="replace"),
                            err_path.read_text(errors="replace"), None, hung))
        return out

    def release_and_wait(self, timeout=CALL_TIMEOUT):
        self.release()
        self.wait(timeout)
        return self.results()


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def check_state_output(c, cid=None):
    """Problems with one `state` call: whole JSON, or one clean error line."""
    if c.hung:
        return [f"`state` hung: {c.args}"]
    if c.rc < 0:
        return [f"`state` died of signal {-c.rc}"]
    if c.rc == 0:
        try:
            s = json.loads(c.stdout)
        except ValueError:
            return [f"`state` printed no whole JSON document: {c.stdout!r}"]
        if not isinstance(s, dict) or s.get("status") not in STATUSES or (cid and s.get("id") != cid):
            return [f"`state` printed an odd state: {c.stdout!r}"]
        return []
    lines = [line for line in c.stderr.splitlines() if line.strip()]
    if len(lines) != 1 or "does not exist" not in lines[0] or c.stdout.strip():
        return [f"`state` failed without one clean 'does not exist' line (rc {c.rc}): {c.stderr!r} {c.stdout!r}"]
    return []


def check_list_output(c):
    if c.hung:
        return [f"`list` hung: {c.args}"]
    if c.rc != 0:
        return [f"`list` failed (rc {c.rc}): {c.stderr!r}"]
    try:
        listed = json.loads(c.stdout)
    except ValueError:
        return [f"`list` printed no whole JSON document: {c.stdout!r}"]
    if not isinstance(listed, list) or any(
            not isinstance(e, dict) or e.get("status") not in STATUSES or not e.get("id") for e in listed):
        return [f"`list` printed odd entries: {c.stdout!r}"]
    return []


def final_cleanup(h, bundle, cid):
    """The end of every scenario: a consistent state, then nothing left."""
    problems = []
    c = call(h, "state", cid)
    problems += check_state_output(c, cid)
    if c.rc == 0 and not problems:
        s = json.loads(c.stdout)
        if s["status"] in ("created", "running", "paused") and not pid_alive(s["pid"]):
            problems.append(f"state says {s['status']} but pid {s['pid']} is dead")
        if s["status"] == "stopped" and pid_alive(s.get("pid") or 0):
            problems.append(f"state says stopped but pid {s['pid']} is alive")
    elif c.rc != 0:
        # Gone: then nothing of it runs any more.
        deadline = time.monotonic() + 3
        while processes_in([bundle.path]) and time.monotonic() < deadline:
            time.sleep(0.01)
        if processes_in([bundle.path]):
            problems.append(f"state says gone but processes run: {processes_in([bundle.path])}")
    d = call(h, "delete", "--force", cid)
    if d.rc != 0 and "does not exist" not in d.stderr:
        problems.append(f"final delete --force failed (rc {d.rc}): {d.stderr!r}")
    left = h.leftovers()
    if left:
        problems.append("left behind: " + "; ".join(left))
        h._force_clean()
    return problems


# --------------------------------------------------------------------------
# one id, many creators


def test_same_id_create_race(harness, bundle):
    detach_config(bundle)
    problems = []
    for rnd in range(RACE_ROUNDS):
        cid = harness.new_id("r")
        harness.ids.append(cid)
        gate = Gate(harness)
        for _ in range(RACE_PROCESSES):
            gate.add("create", "--bundle", bundle, cid)
        results = gate.release_and_wait()
        winners = [r for r in results if r.rc == 0]
        losers = [r for r in results if r.rc != 0]
        if len(winners) != 1:
            problems.append(f"round {rnd}: {len(winners)} creators succeeded, not one")
        for r in results:
            if r.hung or r.rc < 0:
                problems.append(f"round {rnd}: a creator hung or died of a signal (rc {r.rc})")
        wrong = [r.stderr.strip() for r in losers
                 if f"container with id exists: {cid}" not in r.stderr]
        if wrong:
            problems.append(f"round {rnd}: {len(wrong)} losers failed otherwise: {sorted(set(wrong))[:3]}")
        c = call(harness, "state", cid)
        s = json.loads(c.stdout) if c.rc == 0 else {}
        if s.get("status") != "created" or not pid_alive(s.get("pid", 0)):
            problems.append(f"round {rnd}: the winner is not intact: {c.stdout or c.stderr!r}")
        elif not (harness.root / cid / "exec.fifo").exists():
            problems.append(f"round {rnd}: the winner's exec.fifo is gone")
        else:
            # Its init is in its cgroup and still waits for `start`.
            with open(f"/proc/{s['pid']}/cgroup") as f:
                if cid not in f.read():
                    problems.append(f"round {rnd}: the winner's init is not in its cgroup")
            st = call(harness, "start", cid)
            if st.rc != 0:
                problems.append(f"round {rnd}: the winner does not start: {st.stderr!r}")
        problems += [f"round {rnd}: {p}" for p in final_cleanup(harness, bundle, cid)]
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------
# many commands at once on one running container


CONCURRENT_OPS = (
    [["state", "{id}"]] * 5
    + [["kill", "{id}", "TERM"]] * 3
    + [["kill", "{id}", "KILL"]]
    + [["pause", "{id}"]] * 4
    + [["resume", "{id}"]] * 5
    + [["exec", "-d", "{id}", "sleep", "1000"]] * 4
    + [["exec", "{id}", "true"]] * 3
    + [["delete", "--force", "{id}"]] * 2
    + [["list", "--format", "json"]] * 2
    + [["ps", "{id}"]]
)


def exit_status_expected(c):
    """Exit statuses of 128 and more that are not a crash: `exec` fails with
    255 (as runc), and a foreground exec reports its process's death by
    signal N as 128+N (`delete --force` kills it)."""
    if c.args[0] != "exec":
        return False
    return c.rc == 255 or (c.args[1] != "-d" and c.rc in (128 + 9, 128 + 15))


def test_concurrent_operations_on_one_container(harness, bundle):
    detach_config(bundle)
    rng = random.Random(int(os.environ.get("OCIRT_SEED", "0")) or None)
    rounds = int(os.environ.get("OCIRT_CONCURRENT_ROUNDS", "6"))
    problems = []
    for rnd in range(rounds):
        cid = harness.new_id("o")
        r = harness.run("run", "-d", "--bundle", bundle, cid, timeout=CALL_TIMEOUT)
        assert r.rc == 0, r.stderr
        ops = [[a.format(id=cid) for a in op] for op in CONCURRENT_OPS]
        rng.shuffle(ops)
        if rnd % 2:
            # Every other round nobody deletes: the container must survive the rest.
            ops = [op for op in ops if op[0] != "delete" and op[-1] != "KILL"]
        gate = Gate(harness)
        for op in ops:
            gate.add(*op)
        gate.release()
        waiting = gate.wait(CALL_TIMEOUT / 2)
        if waiting:
            # A paused container legitimately holds up a foreground exec
            # whose process it froze: resume it, and those must finish.
            resumed = call(harness, "resume", cid)
            for args in waiting:
                if args[:2] == ["exec", "-d"]:
                    problems.append(f"round {rnd}: `{' '.join(args)}` blocked for {CALL_TIMEOUT / 2} s "
                                    f"(resume: {'done' if resumed.rc == 0 else resumed.stderr.strip()}): "
                                    "a detached exec must not wait for the container to be resumed")
            gate.wait(CALL_TIMEOUT / 2)
        for c in gate.results():
            cmd = " ".join(c.args)
            if c.hung:
                problems.append(f"round {rnd}: `{cmd}` hung (no exit within {CALL_TIMEOUT} s, even after resume)")
            elif c.rc < 0:
                problems.append(f"round {rnd}: `{cmd}` died of signal {-c.rc}: {c.stderr!r}")
            elif c.rc >= 128 and not exit_status_expected(c):
                problems.append(f"round {rnd}: `{cmd}` exited {c.rc}: {c.stderr!r}")
            elif c.args[0] == "state":
                problems += [f"round {rnd}: {p}" for p in check_state_output(c, cid)]
            elif c.args[0] == "list":
                problems += [f"round {rnd}: {p}" for p in check_list_output(c)]
        if rnd % 2:
            c = call(harness, "state", cid)
            if c.rc != 0 or json.loads(c.stdout)["status"] not in ("running", "paused"):
                problems.append(f"round {rnd}: without kill or delete the container is {c.stdout or c.stderr!r}")
        problems += [f"round {rnd}: {p}" for p in final_cleanup(harness, bundle, cid)]
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------
# readers under churn


def test_state_and_list_under_churn(harness, bundle):
    detach_config(bundle)
    stop = threading.Event()
    recent = []
    problems = []
    counts = {"state": 0, "list": 0, "cycles": 0}
    lock = threading.Lock()

    def writer():
        try:
            while not stop.is_set():
                cid = harness.new_id("w")
                harness.ids.append(cid)
                with lock:
                    recent.append(cid)
                    del recent[:-8]
                for args in (["create", "--bundle", bundle, cid], ["start", cid], ["delete", "--force", cid]):
                    c = call(harness, *args)
                    if c.rc != 0:
                        with lock:
                            problems.append(f"writer: `{' '.join(c.args)}` failed (rc {c.rc}): {c.stderr!r}")
                        stop.set()
                        return
                with lock:
                    counts["cycles"] += 1
        except BaseException as e:  # a thread's exception would vanish
            problems.append(f"writer: {e!r}")
            stop.set()

    def reader(n):
        rng = random.Random(n)
        try:
            while not stop.is_set():
                with lock:
                    cid = rng.choice(recent) if recent else "none"
                if rng.random() < 0.5:
                    c = call(harness, "state", cid)
                    found = check_state_output(c, cid)
                    kind = "state"
                else:
                    c = call(harness, "list", "--format", "json")
                    found = check_list_output(c)
                    kind = "list"
                with lock:
                    counts[kind] += 1
                    problems.extend(found)
        except BaseException as e:
            problems.append(f"reader: {e!r}")
            stop.set()

    threads = [threading.Thread(target=writer) for _ in range(2)]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(CHURN_SECONDS)
    stop.set()
    for t in threads:
        t.join(timeout=CALL_TIMEOUT * 4)
    print(f"churn: {counts['cycles']} containers, {counts['state']} state and {counts['list']} list calls")
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    assert not problems, f"{len(problems)} problems, first ones:\n" + "\n".join(problems[:20])
    assert counts["cycles"] >= 5 and counts["state"] >= 5 and counts["list"] >= 5, counts
    left = harness.leftovers()
    assert not left, left


# --------------------------------------------------------------------------
# load


def test_load(harness, bundle):
    detach_config(bundle)
    ids = [harness.new_id("l") for _ in range(LOAD_CONTAINERS)]
    harness.ids.extend(ids)

    def lifecycle(cid):
        start = time.perf_counter()
        for args in (["create", "--bundle", bundle, cid], ["start", cid], ["kill", cid, "KILL"],
                     ["delete", "--force", cid]):
            c = call(harness, *args)
            if c.rc != 0:
                return None, f"`{' '.join(c.args)}`: rc {c.rc}, {c.stderr.strip()!r}"
        return time.perf_counter() - start, None

    wall = time.perf_counter()
    with ThreadPoolExecutor(max_workers=LOAD_WORKERS) as pool:
        results = list(pool.map(lifecycle, ids))
    wall = time.perf_counter() - wall
    errors = [e for _, e in results if e]
    latencies = [t for t, _ in results if t is not None]
    report = {
        "containers": LOAD_CONTAINERS,
        "workers": LOAD_WORKERS,
        "failed": len(errors),
        "wall_s": round(wall, 3),
        "per_container_ms": round(wall / LOAD_CONTAINERS * 1000, 2),
        "latency_median_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "latency_max_ms": round(max(latencies) * 1000, 2) if latencies else None,
    }
    print(f"load: {json.dumps(report)}")
    if os.environ.get("OCIRT_LOAD_REPORT"):
        with open(os.environ["OCIRT_LOAD_REPORT"], "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    assert not errors, f"{len(errors)} of {LOAD_CONTAINERS} lifecycles failed; first: {errors[:5]}"
    assert not harness.state_dirs(), harness.state_dirs()
    left = harness.leftovers()
    assert not left, left
