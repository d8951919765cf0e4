# SPDX-License-Identifier: GPL-2.0-or-later
"""process.apparmorProfile and process.selinuxLabel (config.md "Linux
Process"), and SELinux context mount options on hosts without SELinux.

Where the LSM is not running, what the runtime must do is still checked:
an AppArmor profile is an error that changes nothing (as runc), a SELinux
label is ignored with a warning, and context= mount options are dropped
instead of failing the mount. Where the LSM runs, the label must be applied:
those tests skip here, saying why."""

import os

import pytest


pytestmark = pytest.mark.needs_root


def apparmor_enabled():
    try:
        with open("/sys/module/apparmor/parameters/enabled") as f:
            return f.read().startswith("Y") and os.path.isdir("/sys/kernel/security/apparmor")
    except OSError:
        return False


def selinux_enabled():
    return os.path.exists("/sys/fs/selinux/enforce")


def read_attr(pid, name):
    with open(f"/proc/{pid}/attr/{name}") as f:
        return f.read().strip("\0\n")


def test_apparmor_profile_without_apparmor_fails(run, bundle, container_id, leftovers):
    if apparmor_enabled():
        pytest.skip("AppArmor is enabled on this host: this checks hosts without it")
    bundle.args("/bin/true")
    bundle.set("process.apparmorProfile", "acme_secure_profile")
    bundle.write()
    r = run("create", "--bundle", bundle, container_id)
    assert r.rc != 0
    assert "apparmor profile acme_secure_profile specified but AppArmor is not enabled on the host" in r.stderr
    assert leftovers() == []


def test_apparmor_profile_applied(run, bundle, container_id):
    if not apparmor_enabled():
        pytest.skip("AppArmor is not enabled on this host")
    bundle.args("/bin/sh", "-c", "cat /proc/self/attr/current")
    bundle.set("process.apparmorProfile", "unconfined")
    bundle.write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert "unconfined" in r.stdout


def test_selinux_label_without_selinux_is_ignored(run, bundle, container_id):
    if selinux_enabled():
        pytest.skip("SELinux is enabled on this host: this checks hosts without it")
    bundle.args("/bin/true")
    bundle.set("process.selinuxLabel", "system_u:system_r:container_t:s0:c1,c2")
    bundle.write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr


def test_selinux_label_applied(run, bundle, container_id):
    if not selinux_enabled():
        pytest.skip("SELinux is not enabled on this host")
    label = read_attr(os.getpid(), "current")
    bundle.args("/bin/sh", "-c", "cat /proc/self/attr/current")
    bundle.set("process.selinuxLabel", label)
    bundle.write()
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert r.stdout.strip("\0\n") == label


def test_context_mount_option_dropped_without_selinux(run, bundle, container_id):
    if selinux_enabled():
        pytest.skip("SELinux is enabled on this host: the option is then passed on")
    bundle.args("/bin/sh", "-c", "grep ' /scratch ' /proc/self/mountinfo")
    bundle.add_mount("/scratch", type="tmpfs", source="tmpfs",
                     options=["nosuid", 'context="system_u:object_r:container_file_t:s0:c1,c2"', "size=1m"])
    bundle.set("root.readonly", False)
    bundle.write()
    (bundle.rootfs / "scratch").mkdir(exist_ok=True)
    r = run("run", "--bundle", bundle, container_id)
    assert r.rc == 0, r.stderr
    assert "/scratch" in r.stdout and "size=1024k" in r.stdout
