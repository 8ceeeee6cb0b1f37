#!/usr/bin/env bash
# Releases a version of the built-in template set: records the digest of
# templates/builtin/VERSION/ in templates/builtin/releases.yml. From then on the version is
# frozen (a test fails if any of its files changes), because projects are generated from it and
# `pyscaffold upgrade` re-renders it as their merge base. A change goes into a new version:
#   scripts/freeze-templates.sh --next 0.9.0   copies the newest version to 0.9.0 to work on
#   scripts/freeze-templates.sh 0.9.0          freezes it when it is ready to release
#
# Storage: the newest version is a full tree; every older one is a delta on the version after
# it (the files that differ, and `delta.txt` listing the files the newer one added), which
# build.rs assembles. Freezing a version turns the one before it into such a delta, and checks
# that it still assembles to its released digest.
set -euo pipefail
cd "$(dirname "$0")/../templates/builtin"

digest() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

versions() {
  find . -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V
}

# Assembles the delta VERSION onto the full tree NEWER into DIR.
assemble() {
  local version="$1" newer="$2" dir="$3"
  cp -r "$newer/." "$dir/"
  while IFS= read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    rm "$dir/$line"
  done <"$version/delta.txt"
  (cd "$version" && find . -type f ! -path ./delta.txt -exec cp --parents {} "$dir/" \;)
  find "$dir" -type d -empty -delete
}

if [[ "${1:-}" == --next ]]; then
  next="${2:?usage: scripts/freeze-templates.sh --next VERSION}"
  newest="$(versions | tail -n 1)"
  if [[ -e "$next" ]]; then
    echo "error: templates/builtin/$next already exists" >&2
    exit 2
  fi
  if ! grep -q "^- version: \"$newest\"" releases.yml; then
    echo "error: $newest is not released yet: freeze it before starting the next version" >&2
    exit 2
  fi
  cp -r "$newest" "$next"
  sed -i "s/^version: .*/version: $next/" "$next/manifest.yml"
  echo "templates/builtin/$next is a copy of $newest: edit it, set its changelog and migration.from: $newest, then freeze it"
  exit 0
fi

version="${1:?usage: scripts/freeze-templates.sh VERSION | --next VERSION}"
if [[ ! -d "$version" ]]; then
  echo "error: there is no templates/builtin/$version" >&2
  exit 2
fi
if grep -q "^- version: \"$version\"" releases.yml 2>/dev/null; then
  echo "error: $version is already released and frozen; put changes in a new version (--next)" >&2
  exit 2
fi
if [[ "$(versions | tail -n 1)" != "$version" ]]; then
  echo "error: only the newest version can be frozen; $version is not the newest" >&2
  exit 2
fi
printf -- '- version: "%s"\n  sha256: %s\n' "$version" "$(digest "$version")" >>releases.yml
echo "froze templates/builtin/$version"

# The version before it becomes a delta on it.
previous="$(versions | tail -n 2 | head -n 1)"
if [[ "$previous" != "$version" && ! -e "$previous/delta.txt" ]]; then
  released="$(digest "$previous")"
  (cd "$previous" && find . -type f -printf '%P\n') | LC_ALL=C sort >"$previous.files"
  {
    echo "# Templates $previous are $version's files with the files beside this one in their place, less"
    echo "# the files listed here, which $version added. Frozen: see releases.yml; build.rs assembles it."
    (cd "$version" && find . -type f -printf '%P\n') | LC_ALL=C sort | comm -23 - "$previous.files"
  } >"$previous.delta"
  rm "$previous.files"
  while IFS= read -r -d '' file; do
    rel="${file#"$previous"/}"
    if [[ -f "$version/$rel" ]] && cmp -s "$file" "$version/$rel"; then
      rm "$file"
    fi
  done < <(find "$previous" -type f -print0)
  mv "$previous.delta" "$previous/delta.txt"
  find "$previous" -type d -empty -delete
  check="$(mktemp -d)"
  assemble "$previous" "$version" "$check"
  if [[ "$(digest "$check")" != "$released" ]]; then
    rm -rf "$check"
    echo "error: $previous as a delta does not assemble to its released files; restore it with git" >&2
    exit 1
  fi
  rm -rf "$check"
  echo "stored templates/builtin/$previous as a delta on $version"
fi
