# SPDX-License-Identifier: GPL-2.0-or-later
dist_man_MANS += \
	man/ocirt.8 \
	man/ocirt-create.8 man/ocirt-start.8 man/ocirt-run.8 man/ocirt-state.8 \
	man/ocirt-kill.8 man/ocirt-delete.8 man/ocirt-list.8 \
	man/ocirt-spec.8 man/ocirt-features.8
dist_man_MANS += \
	man/ocirt-pause.8 man/ocirt-resume.8 man/ocirt-update.8 man/ocirt-ps.8 man/ocirt-events.8 \
	man/ocirt-exec.8
