# shellcheck shell=bash
# Sourced by docker/entrypoint.sh when APP_ENV=development (compose.yaml sets it). Installs the
# development requirements as the app user into a writable folder and puts it on PYTHONPATH,
# so the production virtualenv stays untouched. Needs the project mounted at /app, as
# compose.yaml does. Add more NN-name.sh or NN-name.py files beside it, or a folder per
# environment (docker/environments/staging/, ...).
dev_site="${DEV_SITE_PACKAGES:-/tmp/dev-site-packages}"
dev_list="$(mktemp)"
if python /app/docker/dev_requirements.py >"$dev_list" 2>/dev/null && [[ -s "$dev_list" ]]; then
  # The base image's pip: the production virtualenv has none.
  /usr/local/bin/python -m pip install --quiet --no-cache-dir --disable-pip-version-check \
    --target "$dev_site" -r "$dev_list"
  export PYTHONPATH="$dev_site${PYTHONPATH:+:$PYTHONPATH}"
fi
rm -f "$dev_list"
