#!/usr/bin/env bash
# Sourced by the benchmark scripts: `baseline_binary REV` builds pyscaffold at revision REV
# once (sources from `git archive`, under $BENCH_CACHE, default ~/.cache/pyscaffold-bench/, one
# target folder for every baseline so dependencies compile once) and prints the binary's path.
baseline_binary() {
    local rev="$1" cache out src
    cache="${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyscaffold-bench}"
    out="$cache/baseline-$rev/pyscaffold"
    if [[ ! -x "$out" ]]; then
        src="$cache/baseline-$rev/src"
        rm -rf "$src"
        mkdir -p "$src"
        git archive "$rev" | tar -x -C "$src"
        (cd "$src" && CARGO_TARGET_DIR="$cache/baseline-target" cargo build --locked --release) >&2
        cp "$cache/baseline-target/release/pyscaffold" "$out"
    fi
    echo "$out"
}
