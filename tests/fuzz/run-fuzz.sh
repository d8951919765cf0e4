#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs a fuzz target (default: the config parser) for FUZZ_SECONDS (default
# 60) over a seed corpus made of the runtime-spec's schema fixtures, our
# unit-test data and, if given, the .json files of EXTRA_SEED_DIR.
# Exits non-zero when libFuzzer finds a crash, leak or sanitizer error.
# Usage: tests/fuzz/run-fuzz.sh [path/to/fuzz-target [EXTRA_SEED_DIR]]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
bin=${1:-tests/fuzz/fuzz-config}
extra=${2:-}
seconds=${FUZZ_SECONDS:-60}
spec=${OCI_SPEC_DIR:-$srcdir/../shared/spec}

if [ ! -x "$bin" ]; then
	echo "run-fuzz: $bin not built; build it first ('make fuzz', 'make fuzz-seccomp')" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ocirt-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/artifacts"

n=0
for f in "$spec"/schema/test/*/*/*.json "$srcdir"/tests/unit/data/*.json ${extra:+"$extra"/*.json}; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	cp "$f" "$work/corpus/seed-$n.json"
done
if [ "$n" -eq 0 ]; then
	echo "run-fuzz: warning: no seeds found (looked in $spec/schema/test and tests/unit/data)" >&2
fi

echo "run-fuzz: $seconds s with $n seeds"
status=0
"$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" || status=$?

if [ "$status" -ne 0 ]; then
	for a in "$work"/artifacts/*; do
		[ -f "$a" ] || continue
		mkdir -p fuzz-artifacts
		cp "$a" fuzz-artifacts/
		echo "run-fuzz: reproducer saved as fuzz-artifacts/$(basename "$a")" >&2
	done
	echo "run-fuzz: FAILED (exit $status)" >&2
	exit 1
fi
echo "run-fuzz: no crash or leak in $seconds s"
