# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures for the integration tests: real containers run by the built ocirt.

ocirt           path of the binary under test ($OCIRT, else <builddir>/src/ocirt)
ocirt_runtime   the runtime that binary (the launcher) starts: ocirt-runtime beside it
root            a private, empty --root state directory for this test
run             run(*args, ...) -> Result(rc, stdout, stderr): ocirt --root ROOT ARGS
bundle          a fresh bundle: busybox rootfs with the probe at /probe, and
                .config, a dict starting from runc's default config.json
make_bundle     factory for more bundles in one test
container_id    a unique container id for this test
leftovers       leftovers() -> list of what the test's containers left behind

After each test every container it created is deleted with
`ocirt --root ROOT delete --force ID`, and the test errors if anything is
left: a state directory, a process running in one of its bundles, a mount
under a bundle, or a cgroup named after one of its containers.
"""

import copy
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import uuid
from collections import namedtuple
from pathlib import Path

import pytest

# A runner started by systemd may carry these; they change what ocirt does
# (READY=1 relaying, socket activation), so only the tests of those set them.
for _var in ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
    os.environ.pop(_var, None)

SRCDIR = Path(os.environ.get("OCIRT_SRCDIR") or Path(__file__).resolve().parents[2])
BUILDDIR = Path(os.environ.get("OCIRT_BUILD_DIR") or SRCDIR)
DEFAULT_TIMEOUT = 60
ROOT_REASON = "needs root: containers need namespaces, mounts and cgroups (run the suite as uid 0)"

# <root>/SECCOMP_CACHE_DIR (src/core/seccomp-cache-store.h): not a container's state.
SECCOMP_CACHE_DIR = ".seccomp-cache"

# Global options of ocirt that take a value (to find the command in an argv).
GLOBAL_WITH_VALUE = {"--root", "--log", "--log-format", "--rootless", "--criu"}


def is_root():
    return os.geteuid() == 0


needs_root = pytest.mark.skipif(not is_root(), reason=ROOT_REASON)


class Result(namedtuple("Result", "rc stdout stderr")):
    """What one ocirt call did; unpacks as (rc, stdout, stderr)."""

    __slots__ = ()

    def json(self):
        """stdout parsed as JSON (the last non-empty line for multi-line output)."""
        try:
            return json.loads(self.stdout)
        except ValueError:
            lines = [line for line in self.stdout.splitlines() if line.strip()]
            return json.loads(lines[-1])

    def stderr_lines(self):
        return [line for line in self.stderr.splitlines() if line.strip()]


# --------------------------------------------------------------------------
# the system's view: mounts, processes, cgroups


def _unescape_mountinfo(field):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mounts_under(path):
    """Mount points at or below `path`, as this mount namespace sees them."""
    path = str(path).rstrip("/")
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = _unescape_mountinfo(line.split()[4])
            if point == path or point.startswith(path + "/"):
                found.append(point)
    return found


def processes_in(bundle_dirs):
    """(pid, cmdline) of processes whose root or cwd is one of the bundles'
    rootfs (compared by device and inode: a pivot_root'ed process reports its
    root as "/") or whose cwd lies under a bundle."""
    ids = {}
    for d in bundle_dirs:
        for sub in (d, d / "rootfs"):
            try:
                st = os.stat(sub)
                ids[(st.st_dev, st.st_ino)] = sub
            except OSError:
                pass
    prefixes = tuple(str(d) + "/" for d in bundle_dirs)
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        hit = False
        for what in ("root", "cwd"):
            try:
                st = os.stat(f"/proc/{pid}/{what}")
                link = os.readlink(f"/proc/{pid}/{what}") + "/"
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in ids or link.startswith(prefixes):
                hit = True
        if hit:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                cmd = "?"
            found.append((int(pid), cmd))
    return found


def _cgroup_mounts():
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            fstype = fields[fields.index("-") + 1]
            if fstype in ("cgroup", "cgroup2"):
                points.append(_unescape_mountinfo(fields[4]))
    return points


def cgroups_named(ids, max_depth=4):
    """cgroup directories, on any hierarchy, whose name contains one of `ids`."""
    if not ids:
        return []
    found = []
    for top in _cgroup_mounts():
        base = top.count("/")
        for dirpath, dirnames, _ in os.walk(top):
            if dirpath.count("/") - base >= max_depth:
                dirnames[:] = []
            for d in dirnames:
                if any(i in d for i in ids):
                    found.append(os.path.join(dirpath, d))
    return found


# --------------------------------------------------------------------------
# bundles


def _reference_config(tmp_path_factory):
    """runc's `runc spec` default, with terminal false: the reference every
    test config starts from."""
    d = tmp_path_factory.mktemp("runc-spec")
    if shutil.which("runc") is None:
        pytest.skip("runc is not installed: it provides the reference default config (apt-get install runc)")
    subprocess.run(["runc", "spec"], cwd=d, check=True)
    config = json.loads((d / "config.json").read_text())
    config["process"]["terminal"] = False
    return config


class Bundle:
    """A bundle directory and its config as a dict; write() saves config.json."""

    def __init__(self, path, config):
        self.path = Path(path)
        self.rootfs = self.path / "rootfs"
        self.config = config

    def __str__(self):
        return str(self.path)

    def __fspath__(self):
        return str(self.path)

    def write(self):
        (self.path / "config.json").write_text(json.dumps(self.config, indent=2) + "\n")
        return self

    def get(self, dotted, default=None):
        """Value at a dotted path ("process.user.uid"), or `default`."""
        node = self.config
        for key in dotted.split("."):
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node

    def set(self, dotted, value):
        """Sets the value at a dotted path, creating objects on the way."""
        keys = dotted.split(".")
        node = self.config
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
        return self

    def delete(self, dotted):
        keys = dotted.split(".")
        node = self.get(".".join(keys[:-1])) if len(keys) > 1 else self.config
        if isinstance(node, dict):
            node.pop(keys[-1], None)
        return self

    def args(self, *args):
        self.config["process"]["args"] = [str(a) for a in args]
        return self

    def probe(self, *args):
        """process.args = /probe ARGS."""
        return self.args("/probe", *args)

    def setenv(self, name, value):
        env = [e for e in self.config["process"].get("env", []) if not e.startswith(name + "=")]
        self.config["process"]["env"] = env + [f"{name}={value}"]
        return self

    def add_mount(self, destination, type=None, source=None, options=None):
        m = {"destination": destination}
        if type is not None:
            m["type"] = type
        if source is not None:
            m["source"] = str(source)
        if options is not None:
            m["options"] = list(options)
        self.config.setdefault("mounts", []).append(m)
        return self

    def namespaces(self):
        return [ns["type"] for ns in self.config["linux"].get("namespaces", [])]

    def add_namespace(self, type, path=None):
        self.remove_namespace(type)
        ns = {"type": type}
        if path is not None:
            ns["path"] = str(path)
        self.config["linux"].setdefault("namespaces", []).append(ns)
        return self

    def remove_namespace(self, type):
        self.config["linux"]["namespaces"] = [
            ns for ns in self.config["linux"].get("namespaces", []) if ns["type"] != type
        ]
        return self


def _built(env, default, missing):
    """The executable named by $env, else the built one at `default`."""
    path = Path(os.environ.get(env) or default)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path}: {missing}")
    return path


@pytest.fixture(scope="session")
def ocirt():
    return str(_built("OCIRT", BUILDDIR / "src" / "ocirt", "no ocirt binary there (build it with make, or set OCIRT)"))


@pytest.fixture(scope="session")
def ocirt_runtime(ocirt):
    """The runtime the launcher `ocirt` starts without --systemd-cgroup: the
    file that ends up as the exe of the runtime's processes
    (src/launcher/launcher.c). The static build when there is one, else the
    glibc build, which must always be there."""
    d = Path(os.path.realpath(ocirt)).parent
    if not os.access(d / "ocirt-runtime", os.X_OK):
        pytest.fail(f"{d / 'ocirt-runtime'}: no runtime next to the launcher {ocirt}")
    static = d / "ocirt-runtime-static"
    return str(static if os.access(static, os.X_OK) else d / "ocirt-runtime")


@pytest.fixture(scope="session")
def attacker_binary():
    """The static program the CVE tests attack the runtime with."""
    return _built("OCIRT_ATTACKER", BUILDDIR / "tests" / "helpers" / "attacker",
                  "the attacker helper is not built (make check builds it; or set OCIRT_ATTACKER)")


@pytest.fixture(scope="session")
def probe_binary():
    return _built("OCIRT_PROBE", BUILDDIR / "tests" / "helpers" / "probe",
                  "the probe is not built (make check builds it; or set OCIRT_PROBE)")


@pytest.fixture(scope="session")
def reference_config(tmp_path_factory):
    return _reference_config(tmp_path_factory)


@pytest.fixture(scope="session")
def cached_rootfs(tmp_path_factory, probe_binary, ocirt):
    """One busybox rootfs (contrib/make-bundle) plus /probe, per session."""
    if not is_root():
        pytest.skip(ROOT_REASON)
    d = tmp_path_factory.mktemp("rootfs-cache")
    env = dict(os.environ, OCIRT=ocirt)
    subprocess.run([str(SRCDIR / "contrib" / "make-bundle"), str(d)], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    shutil.copy(probe_binary, d / "rootfs" / "probe")
    os.chmod(d / "rootfs" / "probe", 0o755)
    return d / "rootfs"


# --------------------------------------------------------------------------
# per-test harness


class Harness:
    def __init__(self, ocirt, root, tmp_path):
        self.ocirt = ocirt
        self.root = root
        self.tmp_path = tmp_path
        self.ids = []
        self.bundles = []
        self._n = itertools.count()

    def new_id(self, prefix="c"):
        return f"{prefix}{uuid.uuid4().hex[:12]}"

    def _track(self, args):
        """Remembers the id of a container that `create`/`run` may make."""
        i = 0
        while i < len(args) and args[i].startswith("-"):
            opt = args[i].split("=", 1)[0]
            i += 2 if opt in GLOBAL_WITH_VALUE and "=" not in args[i] else 1
        if i < len(args) and args[i] in ("create", "run") and len(args) > i + 1:
            if not args[-1].startswith("-") and args[-1] not in self.ids:
                self.ids.append(args[-1])

    def run(self, *args, timeout=DEFAULT_TIMEOUT, input=None, cwd=None, env=None, root=True,
            stdin=None, pass_fds=()):
        """Runs ocirt [--root ROOT] ARGS; stdout and stderr go to files, not
        pipes, so a container that keeps them open cannot hold up the call."""
        args = [str(a) for a in args]
        if root:
            args = ["--root", str(self.root)] + args
        self._track(args)
        n = next(self._n)
        out_path = self.tmp_path / f"ocirt-{n}.out"
        err_path = self.tmp_path / f"ocirt-{n}.err"
        with open(out_path, "w+b") as out, open(err_path, "w+b") as err:
            if input is not None:
                stdin = subprocess.PIPE
            elif stdin is None:
                stdin = subprocess.DEVNULL
            p = subprocess.Popen([self.ocirt] + args, stdin=stdin, stdout=out, stderr=err, cwd=cwd,
                                 env=env, pass_fds=pass_fds)
            try:
                if input is not None:
                    p.communicate(input.encode() if isinstance(input, str) else input, timeout=timeout)
                else:
                    p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                pytest.fail(f"ocirt {' '.join(args)}: no exit within {timeout} s")
        return Result(p.returncode, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"))

    def make_bundle(self, cached_rootfs, reference_config):
        d = self.tmp_path / f"bundle{len(self.bundles)}"
        d.mkdir()
        shutil.copytree(cached_rootfs, d / "rootfs", symlinks=True)
        b = Bundle(d, copy.deepcopy(reference_config))
        b.write()
        self.bundles.append(b)
        return b

    def state_dirs(self):
        # The cache of compiled seccomp programs outlives containers by design.
        try:
            return sorted(n for n in os.listdir(self.root) if n != SECCOMP_CACHE_DIR)
        except FileNotFoundError:
            return []

    def leftovers(self):
        """Everything the test's containers left behind, one string each."""
        left = [f"state dir {self.root}/{n}" for n in self.state_dirs()]
        dirs = [b.path for b in self.bundles]
        left += [f"process {pid} ({cmd}) in a bundle" for pid, cmd in processes_in(dirs)]
        for d in dirs:
            left += [f"mount on {m}" for m in mounts_under(d)]
        left += [f"cgroup {c}" for c in cgroups_named(self.ids)]
        return left

    def _force_clean(self):
        """Last resort after a failed cleanup, so one test's mess does not
        break the next: kill, detach mounts, remove cgroups and state."""
        dirs = [b.path for b in self.bundles]
        for pid, _ in processes_in(dirs):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for d in dirs:
            for m in sorted(mounts_under(d), key=len, reverse=True):
                subprocess.run(["umount", "-l", m], stderr=subprocess.DEVNULL)
        for c in sorted(cgroups_named(self.ids), key=len, reverse=True):
            try:
                os.rmdir(c)
            except OSError:
                pass
        for n in self.state_dirs():
            shutil.rmtree(Path(self.root) / n, ignore_errors=True)

    def finish(self):
        for cid in dict.fromkeys(self.ids + self.state_dirs()):
            try:
                self.run("delete", "--force", cid, timeout=30)
            except pytest.fail.Exception:
                pass
        left = self.leftovers()
        if left:
            self._force_clean()
            pytest.fail("left behind after `delete --force`:\n  " + "\n  ".join(left))
        # The rootfs copies are 2 MB each; drop them, but never recurse through
        # a mount (leftovers() just said there is none).
        for b in self.bundles:
            shutil.rmtree(b.rootfs, ignore_errors=True)


@pytest.fixture
def root(tmp_path):
    d = tmp_path / "state"
    d.mkdir(mode=0o700)
    return d


@pytest.fixture
def harness(ocirt, root, tmp_path):
    h = Harness(ocirt, root, tmp_path)
    yield h
    h.finish()


@pytest.fixture
def run(harness):
    return harness.run


@pytest.fixture
def leftovers(harness):
    return harness.leftovers


@pytest.fixture
def container_id(harness):
    return harness.new_id()


@pytest.fixture
def make_bundle(harness, cached_rootfs, reference_config):
    def make():
        return harness.make_bundle(cached_rootfs, reference_config)

    return make


@pytest.fixture
def bundle(make_bundle):
    return make_bundle()


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_root: the test starts containers, so it needs uid 0")


def pytest_collection_modifyitems(config, items):
    if is_root():
        return
    skip = pytest.mark.skip(reason=ROOT_REASON)
    for item in items:
        if "needs_root" in item.keywords:
            item.add_marker(skip)
