# SPDX-License-Identifier: GPL-2.0-or-later
"""contrib/bench itself: it runs the built runtime through both of its
measurements, back to back and after pauses, and reports a row of figures.
(The figures themselves are not checked: speed is the README's business,
not a test's.)"""

import os
import re
import subprocess
import time

from conftest import SRCDIR

BENCH = SRCDIR / "contrib" / "bench"
ROW = re.compile(r"^ocirt\s+(\d+\.\d)\s+1\.00x\s+(\d+\.\d)\s+1\.00x\s+", re.M)


def bench(ocirt, *args):
    env = dict(os.environ, OCIRT=ocirt)
    return subprocess.run([str(BENCH), "--runtimes", "ocirt", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_bench_times_ocirt_back_to_back(ocirt, bundle):
    bundle.args("true").write()
    p = bench(ocirt, "-n", "2", "--bundle", str(bundle))
    assert p.returncode == 0, p.stderr
    assert "commands: back to back" in p.stdout
    m = ROW.search(p.stdout)
    assert m, p.stdout
    assert float(m.group(1)) > 0 and float(m.group(2)) > 0
    assert "failed" not in p.stdout


def test_bench_pauses_before_every_timed_command(ocirt, bundle):
    bundle.args("true").write()
    start = time.monotonic()
    p = bench(ocirt, "-n", "1", "--pause", "200", "--bundle", str(bundle))
    elapsed = time.monotonic() - start
    assert p.returncode == 0, p.stderr
    assert "commands: each after a pause of 200 ms" in p.stdout
    m = ROW.search(p.stdout)
    assert m, p.stdout
    assert "failed" not in p.stdout
    # Two rounds (the untimed one that opens the block, and the timed one)
    # of four commands, each after its pause.
    assert elapsed >= 8 * 0.2


def test_bench_refuses_a_negative_pause(ocirt):
    p = bench(ocirt, "--pause", "-1")
    assert p.returncode != 0
    assert p.stderr.strip().splitlines() == ["bench: --pause must not be negative"]
