#!/usr/bin/env bash
# Runs the start-up benchmark: builds pyscaffold (release, as the wheel does) and, once, a
# baseline build of an earlier revision (default c5b51dd, the last build that parsed every template version and
# compiled every question's patterns at each start; sources from `git archive`, built under
# $BENCH_CACHE, default ~/.cache/pyscaffold-bench/), then runs bench/startup.py.
# Usage: bench/startup.sh [--write docs/benchmarks.md] [--runs 40]
set -euo pipefail
cd "$(dirname "$0")/.."
baseline_rev="${BASELINE_REV:-c5b51dd}"
# Built as the wheel builds it: the same flags for the binary, from pyproject.toml (statically
# linked at a fixed address; see there).
mapfile -t rustc_args < <(python3 -c 'import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["tool"]["maturin"].get("rustc-args", [])))')
cargo rustc --locked --release --bin pyscaffold -- "${rustc_args[@]}"
target_dir="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
# shellcheck source=bench/baseline.sh
source bench/baseline.sh
baseline="$(baseline_binary "$baseline_rev")"
python3 bench/startup.py --pyscaffold "$target_dir/release/pyscaffold" \
    --baseline "$baseline" --baseline-label "baseline ($baseline_rev)" "$@"
