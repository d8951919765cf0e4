# SPDX-License-Identifier: GPL-2.0-or-later
"""The receiving end of --console-socket, as containerd and conmon run it: a
listening AF_UNIX stream socket; the runtime connects and sends the pty
master as SCM_RIGHTS ancillary data."""

import array
import os
import select
import socket
import tempfile
import time


class ConsoleSocket:
    def __init__(self):
        # sun_path holds 108 bytes: keep the path short, not under tmp_path.
        self.dir = tempfile.mkdtemp(prefix="ocirt-console-", dir="/tmp")
        self.path = os.path.join(self.dir, "console.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        self.sock.bind(self.path)
        self.sock.listen(4)
        self.master = None

    def receive(self, timeout=10.0):
        """Accepts one connection and returns the fd it carried (-1 if none)."""
        self.sock.settimeout(timeout)
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(timeout)
            fds = array.array("i")
            msg, anc, _flags, _addr = conn.recvmsg(4096, socket.CMSG_SPACE(16 * fds.itemsize))
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
        received = list(fds)
        for extra in received[1:]:
            os.close(extra)
        self.master = received[0] if received else -1
        self.message = msg
        return self.master

    def close(self):
        if self.master is not None and self.master >= 0:
            os.close(self.master)
            self.master = None
        self.sock.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.rmdir(self.dir)


def read_until(fd, needle, timeout=10.0):
    """Reads from fd until `needle` (bytes) appears, EOF/EIO, or the deadline."""
    data = b""
    deadline = time.monotonic() + timeout
    while needle not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the slave side is closed
            break
        if not chunk:
            break
        data += chunk
    return data


def read_all(fd, timeout=10.0):
    """Reads from fd until EOF/EIO or the deadline."""
    return read_until(fd, b"\0never\0", timeout)
