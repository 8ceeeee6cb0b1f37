#!/usr/bin/env bash
# Releases a version of the built-in template set: records the digest of
# templates/builtin/VERSION/ in templates/builtin/releases.yml. From then on the version is
# frozen (a test fails if any of its files changes), because projects are generated from it and
# `pyscaffold upgrade` re-renders it as their merge base. A change goes into a new version:
#   scripts/freeze-templates.sh --next 0.4.0   copies the newest version to 0.4.0 to work on
#   scripts/freeze-templates.sh 0.4.0          freezes it when it is ready to release
set -euo pipefail
cd "$(dirname "$0")/../templates/builtin"

digest() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

if [[ "${1:-}" == --next ]]; then
  next="${2:?usage: scripts/freeze-templates.sh --next VERSION}"
  newest="$(find . -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V | tail -n 1)"
  if [[ -e "$next" ]]; then
    echo "error: templates/builtin/$next already exists" >&2
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
printf -- '- version: "%s"\n  sha256: %s\n' "$version" "$(digest "$version")" >>releases.yml
echo "froze templates/builtin/$version"
