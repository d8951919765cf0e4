# SPDX-License-Identifier: GPL-2.0-or-later
"""`ocirt spec` and `ocirt features`: what they write, and that they never
overwrite. Needs no root and no container."""

import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCHEMA_DIR = Path(os.environ.get("OCIRT_SPEC_DIR") or HERE.parents[2] / "shared" / "spec") / "schema"


@pytest.fixture(scope="module")
def ocirt_bin():
    # $OCIRT, else the build dir's (as tests/run-tests sets it), else ../../src/ocirt.
    builddir = Path(os.environ.get("OCIRT_BUILD_DIR") or HERE.parents[1])
    path = Path(os.environ.get("OCIRT") or builddir / "src" / "ocirt")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path}: no ocirt binary there (build it, or set OCIRT)")
    return str(path)


def call(ocirt_bin, *args, cwd=None):
    return subprocess.run([ocirt_bin, *args], cwd=cwd, capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)


def load_with_jq(path):
    """Parsed by jq (a second, independent JSON parser) and returned as a dict."""
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    p = subprocess.run(["jq", "-c", ".", str(path)], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def test_spec_writes_default_config(ocirt_bin, tmp_path):
    r = call(ocirt_bin, "spec", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""
    config = load_with_jq(tmp_path / "config.json")
    assert config["ociVersion"] == "1.3.0"
    assert config["root"] == {"path": "rootfs", "readonly": True}
    assert config["process"]["args"] == ["sh"]
    assert config["process"]["cwd"] == "/"
    assert config["process"]["terminal"] is True
    assert any(e.startswith("PATH=") for e in config["process"]["env"])
    caps = config["process"]["capabilities"]
    assert set(caps) == {"bounding", "effective", "permitted"}
    assert [m["destination"] for m in config["mounts"]] == [
        "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"]
    assert [ns["type"] for ns in config["linux"]["namespaces"]] == ["pid", "network", "ipc", "uts", "mount"]
    assert "/proc/kcore" in config["linux"]["maskedPaths"]
    assert "/proc/sys" in config["linux"]["readonlyPaths"]
    assert "uidMappings" not in config["linux"]


def test_spec_never_overwrites(ocirt_bin, tmp_path):
    target = tmp_path / "config.json"
    target.write_text("{\"mine\": true}\n")
    r = call(ocirt_bin, "spec", cwd=tmp_path)
    assert r.returncode != 0
    assert "config.json already exists in" in r.stderr
    assert target.read_text() == "{\"mine\": true}\n"
    # A second `spec` after a successful one fails the same way.
    other = tmp_path / "b"
    other.mkdir()
    assert call(ocirt_bin, "spec", "--bundle", str(other)).returncode == 0
    first = (other / "config.json").read_bytes()
    r = call(ocirt_bin, "spec", "-b", str(other))
    assert r.returncode != 0 and f"config.json already exists in {other}" in r.stderr
    assert (other / "config.json").read_bytes() == first


def test_spec_bundle_option(ocirt_bin, tmp_path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    r = call(ocirt_bin, "spec", "--bundle", str(bundle), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (bundle / "config.json").is_file()
    assert not (tmp_path / "config.json").exists()
    r = call(ocirt_bin, "spec", "--bundle", str(tmp_path / "missing"))
    assert r.returncode != 0 and "missing" in r.stderr


def test_spec_rootless(ocirt_bin, tmp_path):
    r = call(ocirt_bin, "spec", "--rootless", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    config = load_with_jq(tmp_path / "config.json")
    linux = config["linux"]
    types = [ns["type"] for ns in linux["namespaces"]]
    assert "user" in types and "network" not in types
    assert linux["uidMappings"] == [{"containerID": 0, "hostID": os.geteuid(), "size": 1}]
    assert linux["gidMappings"] == [{"containerID": 0, "hostID": os.getegid(), "size": 1}]
    assert "resources" not in linux
    sys_mount = next(m for m in config["mounts"] if m["destination"] == "/sys")
    assert sys_mount["source"] == "/sys" and "rbind" in sys_mount["options"]
    assert not any(o.startswith("gid=") for m in config["mounts"] for o in m.get("options", []))


def test_spec_rejects_bad_usage(ocirt_bin, tmp_path):
    assert call(ocirt_bin, "spec", "extra", cwd=tmp_path).returncode != 0
    assert call(ocirt_bin, "spec", "--bogus", cwd=tmp_path).returncode != 0
    assert not (tmp_path / "config.json").exists()


def test_spec_matches_schema(ocirt_bin, tmp_path):
    jsonschema = pytest.importorskip("jsonschema", reason="python3-jsonschema is not installed")
    schema_path = SCHEMA_DIR / "config-schema.json"
    if not schema_path.is_file():
        pytest.skip(f"{schema_path}: the spec's schemas are not there")
    for i, extra in enumerate([[], ["--rootless"]]):
        d = tmp_path / str(i)
        d.mkdir()
        assert call(ocirt_bin, "spec", "-b", str(d), *extra).returncode == 0
        config = json.loads((d / "config.json").read_text())
        schema = json.loads(schema_path.read_text())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # RefResolver, kept for Debian's 4.10
            resolver = jsonschema.RefResolver(base_uri=schema_path.as_uri(), referrer=schema)
            jsonschema.Draft4Validator(schema, resolver=resolver).validate(config)


def test_features(ocirt_bin):
    r = call(ocirt_bin, "features")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["ociVersionMin"] == "1.0.0"
    assert doc["ociVersionMax"] == "1.3.0"
    assert doc["hooks"] == ["prestart", "createRuntime", "createContainer", "startContainer",
                            "poststart", "poststop"]
    assert "rbind" in doc["mountOptions"]
    linux = doc["linux"]
    assert sorted(linux["namespaces"]) == sorted(
        ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"])
    assert "CAP_SYS_ADMIN" in linux["capabilities"]
    # seccomp is enforced: every action and operator of the spec, and the
    # flags the kernel takes (a subset of those known).
    seccomp = linux["seccomp"]
    assert seccomp["enabled"] is True
    assert "SCMP_ACT_NOTIFY" in seccomp["actions"] and len(seccomp["actions"]) == 9
    assert "SCMP_CMP_MASKED_EQ" in seccomp["operators"] and len(seccomp["operators"]) == 7
    assert "SCMP_ARCH_X86_64" in seccomp["archs"]
    assert set(seccomp["supportedFlags"]) <= set(seccomp["knownFlags"])
    # Not enforced, so not claimed.
    assert linux["intelRdt"] == {"enabled": False}
    assert linux["cgroup"]["systemd"] is False
    assert call(ocirt_bin, "features", "extra").returncode != 0


def test_features_matches_schema(ocirt_bin):
    jsonschema = pytest.importorskip("jsonschema", reason="python3-jsonschema is not installed")
    schema_path = SCHEMA_DIR / "features-schema.json"
    if not schema_path.is_file():
        pytest.skip(f"{schema_path}: the spec's schemas are not there")
    doc = json.loads(call(ocirt_bin, "features").stdout)
    schema = json.loads(schema_path.read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver(base_uri=schema_path.as_uri(), referrer=schema)
        jsonschema.Draft4Validator(schema, resolver=resolver).validate(doc)
