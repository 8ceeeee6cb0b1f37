#!/usr/bin/env bash
# Runs the fleet-scale benchmark: builds pyscaffold (release) and, once, a baseline build of an
# earlier revision (default 1af17fe, the last `fleet report` that compiled every template
# version, pattern and expression afresh for each repository; sources from `git archive`,
# built under $BENCH_CACHE, default ~/.cache/pyscaffold-bench/), then runs bench/fleet.py.
# The baseline is built with this checkout's template versions (bench/baseline.sh `templates`),
# so both builds know the same versions and must report the same. Needs python3 and git;
# generating the fleet takes a few minutes.
# Usage: bench/fleet.sh [--write docs/benchmarks.md] [--count 2000] [--scale 10000]
set -euo pipefail
cd "$(dirname "$0")/.."
baseline_rev="${BASELINE_REV:-1af17fe}"
cargo build --locked --release
target_dir="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
# shellcheck source=bench/baseline.sh
source bench/baseline.sh
baseline="$(baseline_binary "$baseline_rev" templates)"
python3 bench/fleet.py --pyscaffold "$target_dir/release/pyscaffold" \
    --baseline "$baseline" --baseline-label "baseline ($baseline_rev)" "$@"
