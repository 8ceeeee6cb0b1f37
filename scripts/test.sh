#!/usr/bin/env bash
# Runs pyscaffold's whole test suite: installs the pinned validators once (into .tools/, or
# $PYSCAFFOLD_TOOLS), puts them on PATH, then runs cargo test. Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir="$(scripts/install-validators.sh)"
export PYSCAFFOLD_TOOLS_BIN="$bin_dir"
export PATH="$bin_dir:$PATH"

cargo test --locked "$@"
