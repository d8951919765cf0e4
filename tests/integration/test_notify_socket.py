# SPDX-License-Identifier: GPL-2.0-or-later
"""NOTIFY_SOCKET: a caller with a notify socket (a systemd unit of
Type=notify running ocirt) gets the container's READY=1, relayed by
`start`, not the runtime's own; the container sees a socket of its own at
NOTIFY_SOCKET=/run/notify/notify.sock."""

import os
import socket
import subprocess
import tempfile

import pytest

pytestmark = pytest.mark.needs_root


@pytest.fixture
def host_socket():
    d = tempfile.mkdtemp(prefix="ocirt-notify-", dir="/tmp")
    path = os.path.join(d, "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    yield s, path
    s.close()
    os.unlink(path)
    os.rmdir(d)


def test_ready_is_relayed(ocirt, root, bundle, container_id, harness, host_socket):
    sock, path = host_socket
    bundle.args("/bin/sh", "-c", 'echo "$NOTIFY_SOCKET" > /notify-env; /probe notify "READY=1\nSTATUS=up"; '
                "exec sleep 100").set("root.readonly", False).write()
    harness.ids.append(container_id)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    err = harness.tmp_path / "notify.err"
    # Files, not pipes: the detached container keeps its stdio open.
    with open(err, "w") as e:
        p = subprocess.run([ocirt, "--root", str(root), "run", "-d", "--bundle", str(bundle), container_id],
                           env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=e, timeout=60)
    assert p.returncode == 0, err.read_text()
    assert sock.recv(4096) == b"READY=1\nSTATUS=up"
    assert (bundle.rootfs / "notify-env").read_text().strip() == "/run/notify/notify.sock"


def test_no_notify_socket_no_mount(run, bundle, container_id):
    bundle.args("/bin/sh", "-c", 'echo "[$NOTIFY_SOCKET]"; test -e /run/notify && echo mounted; true').write()
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    r = run("run", "--bundle", bundle, container_id, env=env)
    assert r.rc == 0, r.stderr
    assert r.stdout.split() == ["[]"]
