#!/usr/bin/env bash
# Runs pyscaffold's whole test suite: installs the pinned validators once (into .tools/, or
# $PYSCAFFOLD_TOOLS), starts a Docker engine with a local base image for the end-to-end tests
# (scripts/docker-e2e.sh; needs root), runs cargo test, and stops the engine again.
# The end-to-end tests are #[ignore]d; with an engine up this adds `--include-ignored`, so
# without one they show as ignored in cargo's summary line. PYSCAFFOLD_E2E=off skips the
# engine. Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir="$(scripts/install-validators.sh)"
export PYSCAFFOLD_TOOLS_BIN="$bin_dir"
export PATH="$bin_dir:$PATH"

ci=false
[[ -n "${CI:-}" && "${CI}" != false && "${CI}" != 0 ]] && ci=true

args=("$@")
if [[ "${PYSCAFFOLD_E2E:-on}" != off ]]; then
  if engine="$(scripts/docker-e2e.sh start)"; then
    export "${engine?}"
    trap 'scripts/docker-e2e.sh stop' EXIT
    # The engine tests are #[ignore]d; run them too (after `--`, which goes to the harness).
    has_separator=false
    for arg in "${args[@]}"; do [[ "$arg" == -- ]] && has_separator=true; done
    if [[ "$has_separator" == true ]]; then args+=(--include-ignored); else args+=(-- --include-ignored); fi
  elif [[ "$ci" == true ]]; then
    echo "error: the Docker engine for the end-to-end tests could not be set up (see above)" >&2
    exit 1
  else
    echo "note: no Docker engine; the end-to-end tests are left out (\"ignored\" in the summary)" >&2
  fi
fi

# Every crate of the lock file, for every platform: the wheel test's maturin build runs offline,
# and `cargo metadata` there asks for all of them.
cargo fetch --locked
cargo test --locked "${args[@]}"
