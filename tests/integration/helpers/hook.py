# SPDX-License-Identifier: GPL-2.0-or-later
"""A hook for the integration tests, run as
   /usr/bin/python3 HOOK.py LOG KIND [EXIT_STATUS]
with any argv[0]. Appends one JSON line to LOG: the kind, the exact argv and
environment the runtime gave (from /proc/self, so nothing Python adds), the
state read from stdin, and what the hook sees of its namespaces. Then exits
with EXIT_STATUS (default 0)."""

import json
import os
import sys


def main():
    log, kind = sys.argv[1], sys.argv[2]
    status = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    with open("/proc/self/cmdline", "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0")[:-1]]
    with open("/proc/self/environ", "rb") as f:
        env = [e.decode() for e in f.read().split(b"\0") if e]
    raw = sys.stdin.read()
    try:
        st = json.loads(raw)
    except ValueError:
        st = {"unparsed": raw}
    ns = {}
    for kind_ns in ("uts", "mnt", "pid", "net", "ipc"):
        try:
            ns[kind_ns] = os.readlink(f"/proc/self/ns/{kind_ns}")
        except OSError:
            ns[kind_ns] = None
    record = {"kind": kind, "argv": argv, "env": env, "state": st, "ns": ns,
              "hostname": os.uname().nodename, "pid": os.getpid(), "cwd": os.getcwd()}
    with open(log, "a") as f:
        f.write(json.dumps(record) + "\n")
    sys.exit(status)


main()
