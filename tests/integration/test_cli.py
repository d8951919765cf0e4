# SPDX-License-Identifier: GPL-2.0-or-later
"""The command line itself: global options, --help, --version, usage errors
and the log file format that containerd and Podman read."""

import json
import re
import shutil
import subprocess
from datetime import datetime

import pytest
from conftest import SRCDIR

LIFECYCLE = ["create", "start", "run", "state", "kill", "delete", "list", "spec", "features"]
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def package_version():
    m = re.search(r"AC_INIT\(\[ocirt\],\s*\[([^\]]+)\]", (SRCDIR / "configure.ac").read_text())
    return m.group(1)


def pkg_version(module):
    if shutil.which("pkg-config") is None:
        return None
    p = subprocess.run(["pkg-config", "--modversion", module], capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else None


def listed_commands(help_text):
    """Names in the "Commands:" section of --help."""
    section = help_text.split("Commands:", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in section.splitlines() if line.strip()]


@pytest.mark.parametrize("flag", ["--version", "-v"])
def test_version(run, flag):
    rc, out, err = run(flag, root=False)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == f"ocirt version {package_version()}"
    fields = dict(line.split(": ", 1) for line in lines[1:])
    assert re.fullmatch(r"[0-9a-f]{7,40}|unknown", fields["commit"])
    assert fields["spec"] == "1.3.0"
    for lib, module in (("yajl", "yajl"), ("libseccomp", "libseccomp"), ("libcap", "libcap")):
        expected = pkg_version(module)
        assert fields[lib] == expected if expected else fields[lib]
    assert fields["selinux"] in ("yes", "no")
    assert fields["apparmor"] in ("yes", "no")


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_commands_and_global_options(run, flag):
    rc, out, err = run(flag, root=False)
    assert rc == 0, err
    assert out.startswith("Usage: ocirt")
    assert set(LIFECYCLE) <= set(listed_commands(out))
    for opt in ("--root", "--log", "--log-format", "--debug", "--systemd-cgroup", "--rootless"):
        assert opt in out


def test_every_listed_command_has_help(run):
    """`ocirt COMMAND --help` exits 0: Podman probes support this way
    (`checkpoint --help`), so a listed command must answer it."""
    commands = listed_commands(run("--help", root=False).stdout)
    failing = {}
    for cmd in commands:
        rc, out, err = run(cmd, "--help")
        if rc != 0 or not out.strip():
            failing[cmd] = (rc, err.strip())
    assert not failing


def test_no_command_prints_usage_and_fails(run):
    rc, out, err = run(root=False)
    assert rc == 1
    assert err.startswith("Usage: ocirt")
    assert out == ""


def test_unknown_command(run):
    rc, out, err = run("frobnicate")
    assert rc == 1
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1
    assert "frobnicate" in lines[0]


@pytest.mark.parametrize("opt", ["--frobnicate", "-x"])
def test_unknown_global_option(run, opt):
    rc, out, err = run(opt, "list")
    assert rc == 1
    lines = err.splitlines()
    assert len(lines) == 1
    assert opt in lines[0]


def test_global_option_without_its_value(run):
    rc, out, err = run("--log-format", root=False)
    assert rc == 1
    lines = err.splitlines()
    assert len(lines) == 1
    assert "--log-format" in lines[0]


def test_global_options_are_consumed_before_the_command(run, tmp_path):
    """All of runc's global options are accepted; the error names the unknown
    command, not an option or its value."""
    rc, out, err = run("--debug", "--systemd-cgroup", "--criu", "/bin/false", "--rootless", "false",
                       "--log-format", "text", "--log", tmp_path / "log", "frobnicate")
    assert rc == 1
    assert len(err.splitlines()) == 1
    assert "frobnicate" in err
    assert "/bin/false" not in err and "--criu" not in err


@pytest.mark.parametrize("args,bad", [(["--log-format", "xml"], "xml"), (["--rootless", "maybe"], "maybe")])
def test_bad_global_option_value(run, args, bad):
    rc, out, err = run(*args, "list")
    assert rc == 1
    lines = err.splitlines()
    assert len(lines) == 1
    assert bad in lines[0]


def test_log_file_that_cannot_be_opened(run, tmp_path):
    path = tmp_path / "missing-dir" / "log"
    rc, out, err = run("--log", path, "list")
    assert rc == 1
    lines = err.splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0]


# A command that fails whatever the state of the implementation: an unknown
# command, and a state query for a container that does not exist.
FAILING = [["frobnicate"], ["state", "nonexistent-id"]]


@pytest.mark.parametrize("cmd", FAILING, ids=lambda c: c[0])
def test_json_log_holds_one_error_record(run, tmp_path, cmd):
    """containerd shows the last "level":"error" record of log.json; Podman
    reads the log as exactly one JSON object."""
    log = tmp_path / "log.json"
    rc, out, err = run("--log", log, "--log-format", "json", *cmd)
    assert rc == 1
    lines = log.read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["level"] == "error"
    assert record["msg"] and record["msg"] in err
    assert RFC3339.match(record["time"]), record["time"]
    datetime.fromisoformat(record["time"][:19])


def test_json_log_appends(run, tmp_path):
    log = tmp_path / "log.json"
    for _ in range(2):
        assert run("--log", log, "--log-format", "json", "frobnicate").rc == 1
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["level"] for r in records] == ["error", "error"]


def test_text_log_format(run, tmp_path):
    log = tmp_path / "log"
    rc, out, err = run("--log", log, "frobnicate")
    assert rc == 1
    lines = log.read_text().splitlines()
    assert len(lines) == 1
    m = re.fullmatch(r'time="([^"]+)" level=error msg="(.*)"', lines[0])
    assert m, lines[0]
    assert RFC3339.match(m.group(1))
    assert "frobnicate" in m.group(2)
