#!/usr/bin/env bash
# Sourced by the benchmark scripts: `baseline_binary REV [templates]` builds pyscaffold at
# revision REV once (sources from `git archive`, under $BENCH_CACHE, default
# ~/.cache/pyscaffold-bench/, one target folder for every baseline so dependencies compile
# once) and prints the binary's path. With `templates`, the baseline embeds this checkout's
# committed template versions (templates/builtin of HEAD, or of $BASELINE_TEMPLATES_REV) instead
# of its own, without the question fields it does not know, so it knows the same versions as the
# build it is compared with.
baseline_binary() {
    local rev="$1" with="${2:-}" cache out src key="$1" templates="${BASELINE_TEMPLATES_REV:-HEAD}"
    cache="${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyscaffold-bench}"
    if [[ "$with" == templates ]]; then
        key="$rev-templates-$(git rev-parse --short=12 "$templates:templates/builtin")"
    fi
    out="$cache/baseline-$key/pyscaffold"
    if [[ ! -x "$out" ]]; then
        src="$cache/baseline-$key/src"
        rm -rf "$src"
        mkdir -p "$src"
        git archive "$rev" | tar -x -C "$src"
        if [[ "$with" == templates ]]; then
            rm -rf "$src/templates/builtin"
            git archive "$templates" templates/builtin | tar -x -C "$src"
            # Question fields a report never shows and an older baseline refuses as unknown
            # (`applies`: the words of a note about an answer that does not apply).
            find "$src/templates/builtin" -name questions.yml -exec sed -i '/^  applies: /d' {} +
        fi
        # The target folder is shared (dependencies compile once), so pyscaffold itself is
        # cleaned first: cargo would otherwise take another baseline's build for this one.
        (cd "$src" && CARGO_TARGET_DIR="$cache/baseline-target" cargo clean --release -p pyscaffold \
            && CARGO_TARGET_DIR="$cache/baseline-target" cargo build --locked --release) >&2
        cp "$cache/baseline-target/release/pyscaffold" "$out"
    fi
    echo "$out"
}
