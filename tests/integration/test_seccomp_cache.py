# SPDX-License-Identifier: GPL-2.0-or-later
"""The cache of compiled seccomp programs (<root>/.seccomp-cache): a second
container with the same profile gets its program from the cache, the cached
program filters as the compiled one does, an entry that does not verify or
is a symlink is never used (and is replaced), SCMP_ACT_NOTIFY works from the
cache, and OCIRT_SECCOMP_CACHE=0 turns it off."""

import hashlib
import json
import os
import re
import struct

import pytest

from test_seccomp import notify_agent

pytestmark = [pytest.mark.needs_root]

CACHE = ".seccomp-cache"
HEADER = 80  # magic 8, version 4, length 4, key 32, program checksum 32
ALLOW_ALL = struct.pack("=HBBI", 0x06, 0, 0, 0x7FFF0000)  # BPF_RET|BPF_K, SECCOMP_RET_ALLOW


def deny_personality(errno_ret=None):
    rule = {"names": ["personality"], "action": "SCMP_ACT_ERRNO"}
    if errno_ret is not None:
        rule["errnoRet"] = errno_ret
    return {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}


def run_probe(run, bundle, cid, log, env=None):
    """`run` of `probe personality` with a debug log; returns (probe JSON, log text)."""
    r = run("--log", log, "--debug", "run", "--bundle", bundle, cid, env=env)
    text = log.read_text() if log.exists() else ""
    log.unlink(missing_ok=True)
    assert r.stdout.strip(), (r.rc, r.stderr)
    return json.loads(r.stdout), text


def cache_event(log, event):
    """The key hex of a "seccomp cache: EVENT KEY" debug record, or None."""
    m = re.search(r"seccomp cache: " + event + r" ([0-9a-f]{64})", log)
    return m.group(1) if m else None


def entries(root):
    d = root / CACHE
    return sorted(n for n in os.listdir(d) if len(n) == 64) if d.is_dir() else []


def forged(entry, program):
    """A well-formed entry with the key of `entry` and another program."""
    return (entry[:12] + struct.pack("=I", len(program) // 8) + entry[16:48] + hashlib.sha256(program).digest()
            + program)


@pytest.fixture
def personality_bundle(bundle):
    bundle.probe("personality")
    bundle.set("linux.seccomp", deny_personality())
    bundle.write()
    return bundle


def test_second_container_uses_the_cache(run, harness, root, personality_bundle, tmp_path):
    log = tmp_path / "ocirt.log"
    got, text = run_probe(run, personality_bundle, harness.new_id(), log)
    assert got.get("errno") == 1, got
    key = cache_event(text, "stored")
    assert key and cache_event(text, "hit") is None, text
    cache = root / CACHE
    assert oct(cache.lstat().st_mode & 0o7777) == "0o700" and cache.lstat().st_uid == 0
    entry = cache / key
    assert oct(entry.lstat().st_mode & 0o7777) == "0o600"
    before = entry.stat()

    got, text = run_probe(run, personality_bundle, harness.new_id(), log)
    assert got.get("errno") == 1, got
    assert cache_event(text, "hit") == key, text
    assert cache_event(text, "stored") is None
    assert entry.stat().st_ino == before.st_ino
    assert entries(root) == [key]


def test_program_comes_from_the_cache(run, harness, root, personality_bundle, tmp_path):
    """An entry swapped for another well-formed program of the same key is
    what the next container gets: proof that the cache, not the compiler,
    provided it (and that the forged entries below are well formed)."""
    log = tmp_path / "ocirt.log"
    _, text = run_probe(run, personality_bundle, harness.new_id(), log)
    entry = root / CACHE / cache_event(text, "stored")
    entry.write_bytes(forged(entry.read_bytes(), ALLOW_ALL))
    got, text = run_probe(run, personality_bundle, harness.new_id(), log)
    assert "error" not in got and "personality" in got, got
    assert cache_event(text, "hit")


def test_keys_tell_errno_ret_apart(run, harness, root, personality_bundle, tmp_path):
    log = tmp_path / "ocirt.log"
    got, _ = run_probe(run, personality_bundle, harness.new_id(), log)
    assert got.get("errno") == 1
    personality_bundle.set("linux.seccomp", deny_personality(errno_ret=13))
    personality_bundle.write()
    got, text = run_probe(run, personality_bundle, harness.new_id(), log)
    assert got.get("errno") == 13, got
    assert cache_event(text, "stored"), text
    assert len(entries(root)) == 2


def test_corrupted_entry_is_ignored_and_replaced(run, harness, root, personality_bundle, tmp_path):
    log = tmp_path / "ocirt.log"
    _, text = run_probe(run, personality_bundle, harness.new_id(), log)
    key = cache_event(text, "stored")
    entry = root / CACHE / key
    good = entry.read_bytes()
    bad = bytearray(good)
    bad[HEADER + 3] ^= 0x01  # one bit of the program
    entry.write_bytes(bytes(bad))

    got, text = run_probe(run, personality_bundle, harness.new_id(), log)
    assert got.get("errno") == 1, got
    assert f"entry {key} does not verify (program checksum mismatch)" in text, text
    assert cache_event(text, "hit") is None and cache_event(text, "stored") == key
    assert entry.read_bytes() == good

    entry.write_bytes(good[: HEADER + 8])  # cut short
    got, text = run_probe(run, personality_bundle, harness.new_id(), log)
    assert got.get("errno") == 1, got
    assert "does not verify" in text and entry.read_bytes() == good


def test_symlink_entry_is_not_followed(run, harness, root, personality_bundle, tmp_path):
    """A symlink at the entry's name, to a well-formed entry of the same key
    whose program allows everything: if it were followed, personality()
    would succeed."""
    log = tmp_path / "ocirt.log"
    _, text = run_probe(run, personality_bundle, harness.new_id(), log)
    key = cache_event(text, "stored")
    entry = root / CACHE / key
    planted = tmp_path / "planted"
    planted.write_bytes(forged(entry.read_bytes(), ALLOW_ALL))
    planted_bytes = planted.read_bytes()
    entry.unlink()
    entry.symlink_to(planted)

    got, text = run_probe(run, personality_bundle, harness.new_id(), log)
    assert got.get("errno") == 1, got
    assert cache_event(text, "hit") is None and cache_event(text, "stored") == key, text
    assert not entry.is_symlink() and entry.is_file()
    assert planted.read_bytes() == planted_bytes


def test_foreign_cache_dir_is_left_alone(run, harness, root, personality_bundle, tmp_path):
    log = tmp_path / "ocirt.log"
    _, text = run_probe(run, personality_bundle, harness.new_id(), log)
    key = cache_event(text, "stored")
    entry = root / CACHE / key
    entry.write_bytes(forged(entry.read_bytes(), ALLOW_ALL))
    os.chmod(root / CACHE, 0o755)

    got, text = run_probe(run, personality_bundle, harness.new_id(), log)
    assert got.get("errno") == 1, got
    assert "cannot use" in text and cache_event(text, "hit") is None, text
    assert oct((root / CACHE).stat().st_mode & 0o7777) == "0o755"
    assert entries(root) == [key]


def test_disabled_by_environment(run, harness, root, personality_bundle, tmp_path):
    log = tmp_path / "ocirt.log"
    env = dict(os.environ, OCIRT_SECCOMP_CACHE="0")
    got, text = run_probe(run, personality_bundle, harness.new_id(), log, env=env)
    assert got.get("errno") == 1, got
    assert "seccomp cache" not in text
    assert not (root / CACHE).exists()


def test_exec_uses_the_cache(run, harness, root, bundle, container_id, tmp_path):
    bundle.probe("signal-wait")
    bundle.set("linux.seccomp", deny_personality())
    bundle.write()
    log = tmp_path / "ocirt.log"
    r = run("--log", log, "--debug", "create", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    key = cache_event(log.read_text(), "stored")
    assert key
    log.unlink()
    assert run("start", container_id).rc == 0
    process = dict(bundle.config["process"], args=["/probe", "personality"])
    (tmp_path / "process.json").write_text(json.dumps(process))
    r = run("--log", log, "--debug", "exec", "--process", tmp_path / "process.json", container_id)
    assert json.loads(r.stdout).get("errno") == 1, (r.stdout, r.stderr)
    assert cache_event(log.read_text(), "hit") == key


def test_notify_from_the_cache(run, harness, root, bundle, tmp_path):
    """The listener is asked for when the program is loaded: a program from
    the cache still hands a working listener fd to the agent."""
    sock = tmp_path / "agent.sock"
    bundle.args("/bin/sh", "-c", "mkdir /newdir && echo made; test -d /newdir && echo exists || echo absent")
    bundle.set("root.readonly", False)
    bundle.set("linux.seccomp", {
        "defaultAction": "SCMP_ACT_ALLOW",
        "listenerPath": str(sock),
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}],
    })
    bundle.write()
    log = tmp_path / "ocirt.log"
    for attempt, event in enumerate(("stored", "hit")):
        out = tmp_path / f"agent{attempt}.json"
        sock.unlink(missing_ok=True)
        with notify_agent(sock, out):
            r = run("--log", log, "--debug", "run", "--bundle", bundle, harness.new_id())
            assert r.rc == 0, r.stderr
            # The agent said yes without making anything.
            assert "made" in r.stdout and "absent" in r.stdout, r.stdout
        assert cache_event(log.read_text(), event), log.read_text()
        log.unlink()
        assert json.loads(out.read_text())["nfds"] == 1
        assert int(open(str(out) + ".answered").read()) >= 1
