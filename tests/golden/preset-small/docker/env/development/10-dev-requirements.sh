# shellcheck shell=bash
# Sourced by docker/entrypoint.sh when APP_ENV=development (compose.yaml sets it). Installs
# requirements-dev.txt as the app user into a writable folder and puts it on PYTHONPATH, so the
# production virtualenv stays untouched. Add more NN-name.sh or NN-name.py files beside it, or a
# folder per environment (docker/env/staging/, ...).
dev_site="${DEV_SITE_PACKAGES:-/tmp/dev-site-packages}"
if [[ -f /app/requirements-dev.txt ]]; then
  python -m pip install --quiet --no-cache-dir --disable-pip-version-check \
    --target "$dev_site" -r /app/requirements-dev.txt
  export PYTHONPATH="$dev_site${PYTHONPATH:+:$PYTHONPATH}"
fi
