# SPDX-License-Identifier: GPL-2.0-or-later
"""systemd socket activation: fds handed to ocirt with LISTEN_FDS (and
LISTEN_PID naming ocirt) reach the container's process as fds 3.., with
LISTEN_FDS=N and LISTEN_PID=1 in its environment, as runc does; fds meant
for another process (LISTEN_PID not ours) do not."""

import json
import os
import subprocess

import pytest

pytestmark = pytest.mark.needs_root


def run_activated(ocirt, root, bundle, cid, listen_pid, tmp_path):
    target = tmp_path / "activation-fd"
    fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        # bash's $$ is ocirt's pid once it execs; our fd becomes its fd 3.
        script = (f'LISTEN_FDS=1 LISTEN_PID={listen_pid} exec "$0" --root "$1" run --bundle "$2" "$3" 3<&{fd}')
        p = subprocess.run(["bash", "-c", script.replace("{listen_pid}", listen_pid), ocirt, str(root), str(bundle),
                            cid], capture_output=True, text=True, timeout=60, pass_fds=(fd,))
    finally:
        os.close(fd)
    return p, str(target)


@pytest.mark.parametrize("ours", [True, False])
def test_listen_fds_reach_the_process(ocirt, root, bundle, container_id, tmp_path, harness, ours):
    bundle.args("/bin/sh", "-c", 'echo "env=$LISTEN_FDS,$LISTEN_PID"; exec /probe fds').write()
    harness.ids.append(container_id)
    p, _target = run_activated(ocirt, root, bundle, container_id, "$$" if ours else "1", tmp_path)
    assert p.returncode == 0, p.stderr
    first, rest = p.stdout.split("\n", 1)
    fds = {e["fd"]: e["target"] for e in json.loads(rest)["fds"]}
    if ours:
        assert first == "env=1,1"
        assert sorted(fds) == [0, 1, 2, 3] and fds[3].endswith("activation-fd"), fds
    else:
        assert first == "env=,"
        assert sorted(fds) == [0, 1, 2], fds
