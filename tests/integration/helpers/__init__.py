# SPDX-License-Identifier: GPL-2.0-or-later
"""Small helpers shared by the lifecycle, error, hook, terminal and run tests."""
