# SPDX-License-Identifier: GPL-2.0-or-later
# Semantic checks of config.json, default config, features document.
libocirt_a_SOURCES += \
	src/core/spec.c src/core/spec.h \
	src/core/spec-linux.c src/core/spec-linux.h \
	src/core/defaults.c src/core/defaults.h \
	src/core/features.c src/core/features.h

# Per-process attributes, capabilities, hooks, terminals, signal names.
libocirt_a_SOURCES += \
	src/core/process-names.c src/core/process-names.h \
	src/core/process.c src/core/process.h \
	src/core/process-exec.c src/core/process-exec.h \
	src/core/capability.c src/core/capability.h \
	src/core/hooks.c src/core/hooks.h \
	src/core/terminal.c src/core/terminal.h \
	src/core/signals.c src/core/signals.h

# The lifecycle: state store, status, parent/init protocol, namespaces, init.
libocirt_a_SOURCES += \
	src/core/status.c src/core/status.h \
	src/core/state.c src/core/state.h \
	src/core/sync.c src/core/sync.h \
	src/core/namespace.c src/core/namespace.h \
	src/core/ahead.c src/core/ahead.h \
	src/core/init.c src/core/init.h \
	src/core/process-setup.c src/core/process-setup.h \
	src/core/container.h src/core/container-internal.h \
	src/core/container-common.c src/core/container-create.c \
	src/core/container-ops.c src/core/container-run.c \
	src/core/container-foreground.c src/core/container-exec.c \
	src/core/exec-process.c src/core/exec-process.h \
	src/core/notify-socket.c src/core/notify-socket.h \
	src/core/self-protect.c src/core/self-protect.h \
	src/core/hand-off.c src/core/hand-off.h

# Root filesystem: mounts, devices, pivot_root, masked/readonly paths.
libocirt_a_SOURCES += \
	src/core/rootfs.c src/core/rootfs.h \
	src/core/mount.c src/core/mount.h src/core/mount-cgroup.c \
	src/core/mountopt.c src/core/mountopt.h \
	src/core/devices.c src/core/devices.h

# Seccomp (profile compiler, cache of compiled programs, loader, notify listener
# hand-over) and the LSMs.
libocirt_a_SOURCES += \
	src/core/seccomp.c src/core/seccomp.h \
	src/core/seccomp-cache.c src/core/seccomp-cache.h \
	src/core/seccomp-cache-key.c src/core/seccomp-cache-key.h \
	src/core/seccomp-cache-store.c src/core/seccomp-cache-store.h \
	src/core/seccomp-notify.c src/core/seccomp-notify.h \
	src/core/lsm.c src/core/lsm.h src/core/lsm-library.c src/core/lsm-library.h

# cgroups: layout detection, v1 and v2 resources, eBPF device filter, stats;
# pause/resume/update/ps/events at the container level.
libocirt_a_SOURCES += \
	src/core/cgroup.c src/core/cgroup.h src/core/cgroup-internal.h \
	src/core/cgroup-layout.c src/core/cgroup-sub.c src/core/cgroup-join.c src/core/cgroup-procs.c src/core/cgroup-stats.c \
	src/core/cgroup-v1.c src/core/cgroup-v1.h \
	src/core/cgroup-v2.c src/core/cgroup-v2.h \
	src/core/cgroup-devices-bpf.c src/core/cgroup-devices-bpf.h \
	src/core/cgroup-systemd.c src/core/cgroup-systemd.h src/core/cgroup-systemd-internal.h \
	src/core/cgroup-systemd-path.c src/core/cgroup-systemd-props.c \
	src/core/cgroup-systemd-devices.c src/core/cgroup-systemd-variant.c \
	src/core/cgroup-systemd-dbus.c \
	src/core/container-resources.c src/core/container-resources.h
