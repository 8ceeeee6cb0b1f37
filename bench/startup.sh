#!/usr/bin/env bash
# Runs the start-up benchmark: builds pyscaffold (release) and, once, a baseline build of an
# earlier revision (default c5b51dd, the last build that parsed every template version and
# compiled every question's patterns at each start; sources from `git archive`, built under
# $BENCH_CACHE, default ~/.cache/pyscaffold-bench/), then runs bench/startup.py.
# Usage: bench/startup.sh [--write docs/benchmarks.md] [--runs 40]
set -euo pipefail
cd "$(dirname "$0")/.."
baseline_rev="${BASELINE_REV:-c5b51dd}"
cargo build --locked --release
target_dir="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
# shellcheck source=bench/baseline.sh
source bench/baseline.sh
baseline="$(baseline_binary "$baseline_rev")"
python3 bench/startup.py --pyscaffold "$target_dir/release/pyscaffold" \
    --baseline "$baseline" --baseline-label "baseline ($baseline_rev)" "$@"
