# SPDX-License-Identifier: GPL-2.0-or-later
"""Polling helpers for tests that drive containers through their lifecycle.

Every wait polls with a short interval up to a deadline, so a test is as fast
as the runtime and fails with a clear message when something never happens."""

import json
import os
import re
import time
from datetime import datetime

import pytest

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
POLL = 0.02


def wait_for(predicate, timeout=10.0, what="condition"):
    """Calls predicate() until it returns something true; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL)


def state(run, cid):
    """The parsed `state` of a container; fails the test if state fails."""
    r = run("state", cid)
    assert r.rc == 0, f"state {cid} failed: {r.stderr}"
    return json.loads(r.stdout)


def wait_status(run, cid, status, timeout=5.0):
    """Polls `state` until the container has `status`; returns the state."""
    seen = []

    def check():
        r = run("state", cid)
        if r.rc != 0:
            seen.append(r.stderr.strip())
            return None
        s = json.loads(r.stdout)
        seen.append(s["status"])
        return s if s["status"] == status else None

    try:
        return wait_for(check, timeout, f"container {cid} to be {status}")
    except AssertionError as e:
        raise AssertionError(f"{e}; last seen: {seen[-1] if seen else None!r}") from None


def pid_alive(pid):
    """True while /proc/PID exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def wait_file(path, contains="", timeout=5.0):
    """Waits until `path` exists and holds `contains`; returns its text."""

    def check():
        try:
            text = open(path, errors="replace").read()
        except OSError:
            return None
        return (text,) if contains in text else None  # a tuple: "" is a valid content

    return wait_for(check, timeout, f"{path} to contain {contains!r}")[0]


def json_lines(text):
    """Each non-empty line of text parsed as JSON (lines that are not JSON skipped)."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def ns_inode(pid, kind):
    return os.readlink(f"/proc/{pid}/ns/{kind}")


def gone(run, cid):
    """`state` says the container does not exist."""
    r = run("state", cid)
    return r.rc != 0 and "does not exist" in r.stderr


def parse_rfc3339(text):
    """An RFC 3339 time as an aware datetime (fraction cut to microseconds)."""
    m = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$", text)
    assert m, f"not RFC 3339: {text!r}"
    frac = (m.group(2) or "0")[:6].ljust(6, "0")
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.fromisoformat(f"{m.group(1)}.{frac}{zone}")


# runc's default config (the bundles' reference) has a read-only root; the
# lifecycle tests let the container leave files in its rootfs for the host
# to read, so their bundles get a writable one. A test module imports this
# autouse fixture to apply it to every bundle its tests make.
@pytest.fixture(autouse=True)
def writable_rootfs(harness, monkeypatch):
    make = harness.make_bundle

    def make_writable(cached_rootfs, reference_config):
        return make(cached_rootfs, reference_config).set("root.readonly", False).write()

    monkeypatch.setattr(harness, "make_bundle", make_writable)
