#!/usr/bin/env bash
# Releases pyscaffold VERSION from a clean checkout:
#   scripts/release.sh 0.2.0             bump, close the CHANGELOG section, commit, tag v0.2.0
#   scripts/release.sh 0.2.0 --dry-run   check everything and say what it would do
#
# Before it changes anything it checks that the tree is clean, that the tag is new, that VERSION
# is not older than the crate's version, that every built-in template version is frozen in
# templates/builtin/releases.yml (the newest one with the digest recorded there) and that the
# CHANGELOG has an `(unreleased)` section with entries. Then it sets the version in Cargo.toml
# and Cargo.lock, dates the CHANGELOG section, commits and makes an annotated tag. It pushes
# nothing: it prints the push command. RELEASE_DATE (YYYY-MM-DD) overrides today's date.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "error: $1" >&2
  echo "help: $2" >&2
  exit 2
}

version="${1:-}"
dry_run=false
[[ "${2:-}" == --dry-run ]] && dry_run=true
if [[ ! "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
  fail "\`${version}\` is not a release version" \
    "give it as MAJOR.MINOR.PATCH without a leading v: scripts/release.sh 0.2.0 [--dry-run]"
fi
date="${RELEASE_DATE:-$(date -u +%F)}"
[[ "$date" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || fail "RELEASE_DATE \`$date\` is not YYYY-MM-DD" "unset it to use today's date"

git rev-parse --git-dir >/dev/null 2>&1 || fail "$(pwd) is not a git checkout" "run the script in pyscaffold's repository"
if [[ -n "$(git status --porcelain)" ]]; then
  fail "the checkout has uncommitted changes" "commit or stash them: a release is made from a committed tree"
fi
if git rev-parse -q --verify "refs/tags/v$version" >/dev/null; then
  fail "the tag v$version exists already" "pick the next version; a released version is never re-tagged"
fi

current="$(sed -n '/^\[package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
[[ -n "$current" ]] || fail "Cargo.toml's [package] has no version line" "restore Cargo.toml from git"
if [[ "$(printf '%s\n%s\n' "$current" "$version" | sort -V | head -n 1)" != "$current" ]]; then
  fail "$version is older than the crate's version $current" "give a version after $current"
fi

# Every template version the binary embeds is frozen; the newest, a full tree, still has the
# digest it was frozen with (older ones are deltas the test suite assembles and checks).
builtin=templates/builtin
digest() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}
newest=""
while IFS= read -r dir; do
  if ! grep -q "^- version: \"$dir\"" "$builtin/releases.yml"; then
    fail "template version $dir is not frozen" \
      "finish it and run scripts/freeze-templates.sh $dir, or remove templates/builtin/$dir"
  fi
  newest="$dir"
done < <(find "$builtin" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V)
[[ -n "$newest" ]] || fail "there are no built-in template versions" "restore templates/builtin from git"
recorded="$(grep -A1 "^- version: \"$newest\"" "$builtin/releases.yml" | sed -n 's/^  sha256: //p')"
if [[ "$(digest "$builtin/$newest")" != "$recorded" ]]; then
  fail "templates $newest changed after it was frozen" \
    "restore templates/builtin/$newest from git and put the change in a new version (scripts/freeze-templates.sh --next)"
fi

# The CHANGELOG's one unreleased section, with at least one entry.
heading="$(grep -n '^## .*(unreleased)$' CHANGELOG.md || true)"
case "$(printf '%s' "$heading" | grep -c '^' || true)" in
  0) fail "CHANGELOG.md has no \`## ... (unreleased)\` section" "add one above the last release listing what users gain" ;;
  1) ;;
  *) fail "CHANGELOG.md has more than one unreleased section" "merge them into one" ;;
esac
line="${heading%%:*}"
entries="$(tail -n +"$((line + 1))" CHANGELOG.md | sed '/^## /,$d' | grep -c '^- ' || true)"
if [[ "$entries" == 0 ]]; then
  fail "the unreleased section of CHANGELOG.md has no entries" "say what users gain in $version before releasing it"
fi

echo "release $version ($current before), templates $newest, CHANGELOG: $entries entries dated $date"
if $dry_run; then
  echo "dry run: nothing changed"
  exit 0
fi

sed -i "/^\[package\]/,/^\[/s/^version = \".*\"$/version = \"$version\"/" Cargo.toml
cargo update --offline --workspace --quiet
sed -i "${line}s/.*/## $version ($date)/" CHANGELOG.md
got="$(cargo metadata --offline --locked --no-deps --format-version 1 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')"
[[ "$got" == "$version" ]] || fail "Cargo.toml says $got after the bump" "restore it with git checkout -- Cargo.toml Cargo.lock CHANGELOG.md"

git add Cargo.toml Cargo.lock CHANGELOG.md
git commit -q -m "Release $version" -m "Built-in templates up to $newest."
git tag -a "v$version" -m "pyscaffold $version (templates $newest)"
echo "tagged v$version; publish with: git push origin HEAD v$version"
