#!/usr/bin/env bash
# Runs the benchmark on a local engine: builds pyscaffold (release), starts the engine and base
# image (scripts/docker-e2e.sh), runs bench/benchmark.py, stops the engine.
# Usage: bench/run.sh [--write docs/benchmarks.md]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --release
engine="$(scripts/docker-e2e.sh start)"
export "${engine?}"
trap 'scripts/docker-e2e.sh stop' EXIT
python3 bench/benchmark.py --pyscaffold target/release/pyscaffold "$@"
