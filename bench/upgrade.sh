#!/usr/bin/env bash
# Runs the upgrade benchmark: builds pyscaffold (release, into $CARGO_TARGET_DIR when set, else
# target/), installs the pinned copier into its own virtualenv (under $BENCH_VENV, default
# ~/.cache/pyscaffold-bench/), then runs bench/upgrade.py. Needs python3 (3.11+) and git.
# Usage: bench/upgrade.sh [--write docs/benchmarks.md] [--repeat N] [--no-copier-scale]
set -euo pipefail
cd "$(dirname "$0")/.."
copier_version=9.19.1
cargo build --locked --release
target_dir="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
venv="${BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/pyscaffold-bench/copier-$copier_version}"
if [[ "$("$venv/bin/copier" --version 2>/dev/null || true)" != "copier $copier_version" ]]; then
    python3 -m venv --clear "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "copier==$copier_version"
fi
python3 bench/upgrade.py --pyscaffold "$target_dir/release/pyscaffold" --copier "$venv/bin/copier" "$@"
