# SPDX-License-Identifier: GPL-2.0-or-later
"""Parsing /proc/PID/mountinfo (proc(5)), for tests that check mount tables."""

import re


def unescape(field):
    """mountinfo escapes space, tab, newline and backslash as \\ooo."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(lines):
    """mountinfo lines -> list of dicts, in mount order."""
    mounts = []
    for line in lines:
        f = line.split()
        sep = f.index("-")
        mounts.append({
            "id": int(f[0]), "parent": int(f[1]), "dev": f[2], "root": unescape(f[3]), "point": unescape(f[4]),
            "opts": set(f[5].split(",")), "optional": f[6:sep], "fstype": f[sep + 1],
            "source": unescape(f[sep + 2]),
            "super": set(f[sep + 3].split(",")) if len(f) > sep + 3 else set(),
        })
    return mounts
