#!/usr/bin/env bash
# Container entrypoint. tini starts it; it prepares the environment named by APP_ENV,
# then replaces itself with the command (the server, or whatever `docker run IMAGE CMD` asked
# for), so signals go straight to that command.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
app_env="${APP_ENV:-production}"
setup_root="${APP_SETUP_DIR:-$script_dir/environments}"

# Outside production, run this environment's setup scripts in name order: `*.sh` are sourced
# (they may export variables for the command), `*.py` are run. Production runs none, so the
# same image behaves identically wherever APP_ENV=production.
if [[ "$app_env" != "production" && -d "$setup_root/$app_env" ]]; then
  shopt -s nullglob
  for script in "$setup_root/$app_env"/*; do
    case "$script" in
      *.sh)
        echo "entrypoint: sourcing $script" >&2
        # shellcheck source=/dev/null
        source "$script"
        ;;
      *.py)
        echo "entrypoint: running $script" >&2
        python "$script"
        ;;
    esac
  done
  shopt -u nullglob
fi

# Optional: wait for services such as a database (WAIT_FOR=host:port,..., WAIT_FOR_TIMEOUT=s).
if [[ -n "${WAIT_FOR:-}" ]]; then
  python "$script_dir/wait_for.py"
fi

exec "$@"
