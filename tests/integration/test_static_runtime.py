# SPDX-License-Identifier: GPL-2.0-or-later
"""The two builds of the runtime (configure --with-musl-deps): the launcher
starts the static one, ocirt-runtime-static (musl), unless --systemd-cgroup
comes before the command, and the static one hands what needs libsystemd to
the glibc one, ocirt-runtime, beside it. (A container of the systemd driver
handed over without the flag: test_systemd_cgroup.py.)"""

import os
import shutil
from pathlib import Path

import pytest

NO_STATIC = "this build has no static runtime (configure found no contrib/musl-deps archives; the sanitizer build)"


@pytest.fixture
def static_runtime(ocirt):
    path = Path(os.path.realpath(ocirt)).parent / "ocirt-runtime-static"
    if not os.access(path, os.X_OK):
        pytest.skip(NO_STATIC)
    return path


def build_of(version_output):
    return dict(line.split(": ", 1) for line in version_output.splitlines()[1:])["build"]


def test_the_launcher_starts_the_static_runtime(run, static_runtime):
    r = run("--version", root=False)
    assert r.rc == 0, r.stderr
    assert build_of(r.stdout) == "static (musl)"


def test_systemd_cgroup_makes_the_launcher_start_the_glibc_runtime(run, static_runtime):
    r = run("--systemd-cgroup", "--version", root=False)
    assert r.rc == 0, r.stderr
    assert build_of(r.stdout) == "glibc"


def test_the_static_runtime_hands_systemd_cgroup_to_the_glibc_one(harness, static_runtime, tmp_path):
    """Started directly with --systemd-cgroup, the static runtime runs the
    glibc one in its place, with the same command line."""
    log = tmp_path / "log"
    harness_static = type(harness)(str(static_runtime), harness.root, tmp_path)
    r = harness_static.run("--debug", "--log", log, "--systemd-cgroup", "state", "nothing-here")
    assert r.rc != 0
    assert r.stderr_lines() == ["ocirt: container `nothing-here` does not exist"], r.stderr
    text = log.read_text()
    assert f"--systemd-cgroup: handing the command to {static_runtime.parent}/ocirt-runtime" in text


def test_a_lone_static_runtime_says_what_it_misses(harness, static_runtime, tmp_path):
    """Without the glibc runtime beside it, the hand-over fails with one line
    and does nothing else."""
    d = tmp_path / "bin"
    d.mkdir()
    shutil.copy2(static_runtime, d / static_runtime.name)
    lone = type(harness)(str(d / static_runtime.name), harness.root, tmp_path)
    r = lone.run("--systemd-cgroup", "state", "nothing-here")
    assert r.rc != 0
    assert len(r.stderr_lines()) == 1, r.stderr
    assert r.stderr.startswith(f"ocirt: --systemd-cgroup: open {d}/ocirt-runtime: "), r.stderr
    assert "no such file or directory" in r.stderr.lower()
