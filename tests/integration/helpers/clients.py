# SPDX-License-Identifier: GPL-2.0-or-later
"""Real clients (Podman through conmon, containerd through the runc v2 shim)
driving ocirt and runc side by side, offline and with private state.

- busybox_rootfs_tar(): a tarball of contrib/make-bundle's busybox rootfs,
  the only image the client tests use (no registry is reachable);
- write_oci_archive(): the same layer as an OCI image layout in a tar, which
  `ctr images import` accepts;
- write_wrapper(): a logging wrapper that records every call a client makes
  (argv, cwd, open fds, some environment, exit status, captured stdout and
  stderr where no container inherits them, and the tail of the --log file)
  and then runs the real runtime; a failing test prints the calls;
- Podman, Containerd: a private instance of each client (storage, state,
  sockets and config under one temp dir), called as functions (each call
  under `timeout`), with a close() that also removes what the instance
  created outside that dir.

Everything here runs as root: the callers mark their tests needs_root.
"""

import hashlib
import io
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from collections import namedtuple
from pathlib import Path

STEP_TIMEOUT = 60
IMAGE = "localhost/ocirt-busybox:latest"


class Result(namedtuple("Result", "rc stdout stderr")):
    __slots__ = ()

    def __str__(self):
        return f"exit status {self.rc}\nstdout: {self.stdout!r}\nstderr: {self.stderr!r}"


def run_cmd(argv, timeout=STEP_TIMEOUT, env=None, input=None, cwd=None, pass_fds=()):
    """Runs argv under timeout(1) (which kills the whole step if it hangs);
    stdout and stderr go to files, not pipes, so a process that keeps them
    open (a container, a shim, conmon) cannot hold the call up."""
    argv = ["timeout", "-k", "5", str(timeout)] + [str(a) for a in argv]
    with open(os.devnull, "rb") as null, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        stdin = {} if input is not None else {"stdin": null}
        p = subprocess.run(argv, stdout=out, stderr=err, env=env, cwd=cwd,
                           input=input.encode() if input is not None else None,
                           timeout=timeout + 15, pass_fds=pass_fds, **stdin)
        out.seek(0)
        err.seek(0)
        return Result(p.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def srcdir():
    """The source tree (for contrib/make-bundle)."""
    return Path(os.environ.get("OCIRT_SRCDIR") or Path(__file__).resolve().parents[3])


# --------------------------------------------------------------------------
# the image


def busybox_rootfs_tar(source_dir, ocirt, workdir):
    """workdir/busybox.tar: contrib/make-bundle's rootfs (busybox-static with
    one symlink per applet, /etc/passwd and /etc/group), owned by root."""
    workdir = Path(workdir)
    bundle = workdir / "busybox-bundle"
    env = dict(os.environ, OCIRT=str(ocirt))
    subprocess.run([str(Path(source_dir) / "contrib" / "make-bundle"), str(bundle)], check=True, env=env,
                   stdout=subprocess.DEVNULL, timeout=STEP_TIMEOUT)
    tar = workdir / "busybox.tar"
    with tarfile.open(tar, "w") as tf:
        for entry in sorted(os.listdir(bundle / "rootfs")):
            tf.add(bundle / "rootfs" / entry, arcname=entry)
    shutil.rmtree(bundle)
    return tar


def _add_bytes(tf, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    tf.addfile(info, io.BytesIO(data))


def _add_blob(tf, data):
    digest = hashlib.sha256(data).hexdigest()
    _add_bytes(tf, f"blobs/sha256/{digest}", data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def write_oci_archive(layer_tar, out, name=IMAGE):
    """An OCI image layout (oci-layout, index.json, blobs/) in a tar, with the
    rootfs tarball as its one uncompressed layer and `name` as the
    io.containerd.image.name annotation `ctr images import` tags it with."""
    layer = Path(layer_tar).read_bytes()
    with tarfile.open(out, "w") as tf:
        layer_desc = _add_blob(tf, layer)
        config = {
            "architecture": "amd64" if os.uname().machine == "x86_64" else os.uname().machine,
            "os": "linux",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "Cmd": ["sh"]},
            "rootfs": {"type": "layers", "diff_ids": [layer_desc["digest"]]},
        }
        config_desc = _add_blob(tf, json.dumps(config).encode())
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": dict(config_desc, mediaType="application/vnd.oci.image.config.v1+json"),
            "layers": [dict(layer_desc, mediaType="application/vnd.oci.image.layer.v1.tar")],
        }
        manifest_desc = _add_blob(tf, json.dumps(manifest).encode())
        index = {
            "schemaVersion": 2,
            "manifests": [dict(manifest_desc, mediaType="application/vnd.oci.image.manifest.v1+json",
                               annotations={"io.containerd.image.name": name,
                                            "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]})],
        }
        _add_bytes(tf, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        _add_bytes(tf, "index.json", json.dumps(index).encode())
    return Path(out)


# --------------------------------------------------------------------------
# the logging wrapper

# Commands whose stdio the container inherits (create, exec, run) are run
# uncaptured, as a child rather than exec'd so that the exit status is logged:
# the container init is reparented to the client's subreaper as it would be.
WRAPPER = r"""#!/bin/bash
# Records how a client calls the runtime, then runs it: @TARGET@
target=@TARGET@
log=@LOG@
n=$(date +%s.%N)
# The fds this script was given (255: bash's own), listed from a subshell
# so that no pipe of a command substitution is open here meanwhile.
fdlist=$(mktemp)
(for fd in /proc/$$/fd/*; do
  f=${fd##*/}; [[ $f == 255 ]] || printf ' fd %s -> %s\n' "$f" "$(readlink "$fd")"
done) >"$fdlist"
{
  echo "=== $n pid=$$ cwd=$(pwd)"
  printf 'argv:'; printf ' %q' "$(basename "$0")" "$@"; echo
  cat "$fdlist"; rm -f "$fdlist"
  env | grep -E '^(LISTEN_FDS|LISTEN_PID|NOTIFY_SOCKET|XDG_RUNTIME_DIR|TMPDIR)=' | sed 's/^/ env: /'
} >>"$log" 2>/dev/null
cmd= prev=
for a in "$@"; do
  case $a in
  -*) ;;
  *) case $prev in --root|--log|--log-format|--criu) ;; *) [[ -n $cmd ]] || cmd=$a ;; esac ;;
  esac
  prev=$a
done
case $cmd in
create|run|exec|restore)
  "$target" "$@"; rc=$?
  echo "--- $cmd: exit status $rc" >>"$log" ;;
*)
  out=$(mktemp) err=$(mktemp)
  "$target" "$@" >"$out" 2>"$err"; rc=$?
  { echo "--- $cmd: exit status $rc"; head -c 2000 "$out" | sed 's/^/ stdout: /'; echo
    head -c 2000 "$err" | sed 's/^/ stderr: /'; echo; } >>"$log"
  cat "$out"; cat "$err" >&2; rm -f "$out" "$err" ;;
esac
prev=
for a in "$@"; do
  [[ $prev == --log && -s $a ]] && tail -n 2 "$a" | sed 's/^/ log: /' >>"$log"
  prev=$a
done
exit $rc
"""


def write_wrapper(path, target, log):
    """An executable logging wrapper at `path` that runs `target`; its
    basename is what clients see (Podman keys --log-format on it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(WRAPPER.replace("@TARGET@", _shquote(target)).replace("@LOG@", _shquote(log)))
    path.chmod(0o755)
    return path


def _shquote(s):
    return "'" + str(s).replace("'", "'\\''") + "'"


class Runtime:
    """One runtime under test: `name` (ocirt or runc), the real binary, and
    the wrapper clients are pointed at (same basename as the runtime)."""

    def __init__(self, name, binary, workdir):
        self.name = name
        self.binary = str(binary)
        self.log = Path(workdir) / f"calls-{name}.log"
        self.log.touch()
        self.path = str(write_wrapper(Path(workdir) / f"wrap-{name}" / name, binary, self.log))

    def mark(self):
        """Position in the call log, for calls_since()."""
        return self.log.stat().st_size

    def calls_since(self, mark):
        with open(self.log, errors="replace") as f:
            f.seek(mark)
            return f.read()

    def argvs_since(self, mark):
        """The argv lines (as logged, shell-quoted) of the calls since mark."""
        return [line[len("argv: "):] for line in self.calls_since(mark).splitlines()
                if line.startswith("argv: ")]


# --------------------------------------------------------------------------
# global state a client may create outside its private dirs


def _cgroup_roots():
    roots = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            fstype = fields[fields.index("-") + 1]
            if fstype in ("cgroup", "cgroup2"):
                roots.append(fields[4])
    return roots


def cgroup_dirs_named(name):
    return [os.path.join(r, name) for r in _cgroup_roots() if os.path.isdir(os.path.join(r, name))]


def remove_cgroup_tree(path):
    """rmdir bottom-up; cgroups with processes stay (and are reported)."""
    left = []
    for dirpath, dirnames, _ in sorted(os.walk(path), key=lambda w: -len(w[0])):
        try:
            os.rmdir(dirpath)
        except OSError:
            left.append(dirpath)
    return left


class GlobalLeftovers:
    """Paths and cgroups that a client creates outside its private dirs (it
    offers no option for them); whatever did not exist before is removed by
    cleanup() if empty or known to be a cache."""

    def __init__(self, paths, cgroup_names):
        self.paths = [p for p in paths if not os.path.lexists(p)]
        self.cgroups = [n for n in cgroup_names if not cgroup_dirs_named(n)]

    def cleanup(self, patience=5):
        """Removes what the client left; returns the cgroups that stayed (a
        dead process can linger in a v1 cgroup for a moment, so this retries
        for `patience` seconds)."""
        left = []
        deadline = time.monotonic() + patience
        while True:
            left = []
            for n in self.cgroups:
                for d in cgroup_dirs_named(n):
                    left += remove_cgroup_tree(d)
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for p in self.paths:
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            elif os.path.lexists(p):
                os.unlink(p)
        return left


def umount_under(path):
    path = str(path).rstrip("/")
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            p = line.split()[4].encode().decode("unicode_escape")
            if p == path or p.startswith(path + "/"):
                points.append(p)
    for p in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", p], stderr=subprocess.DEVNULL)
    return points


def stop_process(proc, timeout=10):
    """SIGTERM to a child we started (a Popen), SIGKILL after `timeout`."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_in_pty(argv, timeout=STEP_TIMEOUT, env=None):
    """Runs argv with a new pseudo-terminal as its stdin, stdout and stderr
    (clients that allocate a tty for the container insist on one); returns
    (exit status, everything written to the terminal)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(["timeout", "-k", "5", str(timeout)] + [str(a) for a in argv], stdin=slave,
                         stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    out = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout + 10)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every slave fd is closed
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
    return p.wait(timeout=timeout + 15), out.decode(errors="replace")


def wait_until(predicate, timeout=10, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# --------------------------------------------------------------------------
# cgroup files of a process


def cgroup_file(pid, controller, v1_name, v2_name):
    """Contents of the cgroup file of `pid` for `controller` (v1_name on a
    v1 hierarchy, v2_name on the unified one), read on the host."""
    with open(f"/proc/{pid}/cgroup") as f:
        lines = [line.rstrip("\n").split(":", 2) for line in f]
    mounts = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            fstype = fields[fields.index("-") + 1]
            opts = fields[-1].split(",")
            if fstype == "cgroup":
                for c in opts:
                    mounts.setdefault(c, fields[4])
            elif fstype == "cgroup2":
                mounts.setdefault("", fields[4])
    for _, controllers, path in lines:
        if controller in controllers.split(","):
            return Path(mounts[controller] + path, v1_name).read_text().strip()
    for hid, controllers, path in lines:
        if hid == "0" and controllers == "" and "" in mounts:
            return Path(mounts[""] + path, v2_name).read_text().strip()
    raise FileNotFoundError(f"no {controller} cgroup for pid {pid}")


# --------------------------------------------------------------------------
# Podman

# The private containers.conf of the client tests (CONTAINERS_CONF).
PODMAN_CONF = {
    "containers": {
        # The test machine's root may lack CAP_SYS_RESOURCE: Podman's default
        # of 1048576 for both would be refused by every runtime.
        "default_ulimits": ["nofile=1024:1024", "nproc=4096:4096"],
        "log_driver": "k8s-file",
        "netns": "none",
    },
    "engine": {
        "cgroup_manager": "cgroupfs",
        "events_logger": "file",
        # --log-format=json --log FILE are only passed to the runtimes named here.
        "runtime_supports_json": ["crun", "runc", "kata", "runsc", "krun", "ocirt"],
    },
}


def merge_conf(base, extra):
    """`extra` (parsed TOML) merged into a copy of `base`, table by table."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_conf(out[key], value)
        else:
            out[key] = value
    return out


def toml_dumps(conf, prefix=""):
    """TOML for tables of strings, numbers, booleans and lists of them."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return str(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(str(v))

    lines = [f"{k} = {value(v)}" for k, v in conf.items() if not isinstance(v, dict)]
    for k, v in conf.items():
        if isinstance(v, dict):
            name = f"{prefix}.{k}" if prefix else k
            lines += ["", f"[{name}]", toml_dumps(v, name)]
    return "\n".join(lines) + "\n"


class Podman:
    """A private Podman: storage, run root, tmp dir and containers.conf under
    `workdir`, the cgroupfs manager, the file events backend and the vfs
    storage driver (no overlay mounts to leak)."""

    GLOBAL_PATHS = ["/dev/shm/libpod_lock", "/var/lib/containers", "/etc/containers/networks"]

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.binary = shutil.which("podman")
        for d in ("root", "runroot", "tmp"):
            (self.workdir / d).mkdir(parents=True, exist_ok=True)
        self.conf = self.write_conf("containers.conf")
        self.env = dict(os.environ, CONTAINERS_CONF=str(self.conf), TMPDIR=str(self.workdir / "tmp"))
        self.env.pop("NOTIFY_SOCKET", None)
        self.globals = GlobalLeftovers(self.GLOBAL_PATHS, ["libpod_parent"])

    def write_conf(self, name, extra=None):
        """workdir/name: the private containers.conf, with `extra` merged in."""
        path = self.workdir / name
        path.write_text(toml_dumps(merge_conf(PODMAN_CONF, extra or {})))
        return path

    def argv(self, *args):
        return [self.binary, "--root", self.workdir / "root", "--runroot", self.workdir / "runroot",
                "--tmpdir", self.workdir / "tmp", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
                "--storage-driver", "vfs"] + list(args)

    def __call__(self, *args, timeout=STEP_TIMEOUT, input=None, pass_fds=(), conf=None):
        env = dict(self.env, CONTAINERS_CONF=str(conf)) if conf else self.env
        return run_cmd(self.argv(*args), timeout=timeout, env=env, input=input, pass_fds=pass_fds)

    def import_image(self, tar, name=IMAGE):
        r = self("import", tar, name, timeout=120)
        if r.rc != 0:
            raise RuntimeError(f"podman import failed: {r}")
        return name

    def close(self):
        """Removes every container, then the storage, then what Podman left
        outside workdir; returns what could not be removed."""
        self("rm", "--all", "--force", "--time", "0", timeout=120)
        self("rmi", "--all", "--force", timeout=120)
        left = [f"mount {m}" for m in umount_under(self.workdir)]
        left += [f"cgroup {c}" for c in self.globals.cleanup()]
        shutil.rmtree(self.workdir, ignore_errors=True)
        return left


# --------------------------------------------------------------------------
# containerd

CONTAINERD_CONF = """\
# Private containerd of the client tests: its own root, state and sockets.
version = 2
root = "@DIR@/root"
state = "@DIR@/state"
# The CRI plugin would want CNI and a sandbox image; ctr needs neither.
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "@DIR@/containerd.sock"

[ttrpc]
  address = "@DIR@/containerd.sock.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "@DIR@/opt"
"""


class Containerd:
    """A private containerd daemon (started here, stopped by pid in close())
    and ctr calls against it in namespace `ocirt-test`, with the native
    snapshotter (a plain directory per container)."""

    NAMESPACE = "ocirt-test"
    # The shim's sockets live under /run/containerd/s whatever the config
    # says; ctr's stdio fifos default to /run/containerd/fifo.
    GLOBAL_PATHS = ["/run/containerd"]

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.conf = self.workdir / "config.toml"
        self.conf.write_text(CONTAINERD_CONF.replace("@DIR@", str(self.workdir)))
        self.address = self.workdir / "containerd.sock"
        self.fifo_dir = self.workdir / "fifo"
        self.fifo_dir.mkdir(exist_ok=True)
        self.globals = GlobalLeftovers(self.GLOBAL_PATHS, [self.NAMESPACE])
        self.proc = None
        self.env = dict(os.environ)
        self.env.pop("CONTAINERD_ADDRESS", None)

    def start(self, timeout=30):
        log = open(self.workdir / "containerd.log", "wb")
        self.proc = subprocess.Popen(["containerd", "--config", str(self.conf)], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                     start_new_session=True)
        log.close()
        ok = wait_until(lambda: self.proc.poll() is not None or self("version", timeout=5).rc == 0,
                        timeout=timeout, interval=0.1)
        if not ok or self.proc.poll() is not None:
            tail = (self.workdir / "containerd.log").read_text(errors="replace")[-3000:]
            self.close()
            raise RuntimeError(f"containerd did not come up:\n{tail}")

    def __call__(self, *args, timeout=STEP_TIMEOUT, input=None):
        argv = ["ctr", "--address", self.address, "--namespace", self.NAMESPACE] + list(args)
        return run_cmd(argv, timeout=timeout, env=self.env, input=input)

    def import_image(self, archive, name=IMAGE):
        r = self("images", "import", "--snapshotter", "native", archive, timeout=120)
        if r.rc != 0:
            raise RuntimeError(f"ctr images import failed: {r}")
        return name

    def run_argv(self, runtime, *args):
        """`ctr run` options that select `runtime` (a Runtime) through the
        runc v2 shim's BinaryName, with a runtime root of its own."""
        return ["run", "--snapshotter", "native", "--fifo-dir", self.fifo_dir, "--runc-binary", runtime.path,
                "--runc-root", self.workdir / f"runtime-root-{runtime.name}"] + list(args)

    def exec_argv(self, *args):
        """`ctr task exec` with its fifos in the private dir."""
        return ["task", "exec", "--fifo-dir", self.fifo_dir] + list(args)

    def remove(self, cid):
        self("task", "kill", "--all", "--signal", "SIGKILL", cid, timeout=20)
        self("task", "delete", "--force", cid, timeout=30)
        self("containers", "delete", cid, timeout=30)
        self("snapshots", "--snapshotter", "native", "rm", cid, timeout=30)

    def close(self):
        left = []
        if self.proc is not None and self.proc.poll() is None:
            r = self("containers", "list", "--quiet", timeout=10)
            for cid in r.stdout.split():
                self.remove(cid)
            stop_process(self.proc)
        elif self.proc is not None:
            self.proc.wait()
        self.proc = None
        left += [f"mount {m}" for m in umount_under(self.workdir)]
        left += [f"cgroup {c}" for c in self.globals.cleanup()]
        shutil.rmtree(self.workdir, ignore_errors=True)
        return left
