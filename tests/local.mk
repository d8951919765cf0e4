# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests (cmocka), the in-container probe, fuzz targets and the runner.
