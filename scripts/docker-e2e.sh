#!/usr/bin/env bash
# A real Docker Engine and a Python base image for pyscaffold's end-to-end tests, with no image
# registry: the base image is made with debootstrap and `docker import`.
#
#   scripts/docker-e2e.sh start    install what is missing, start dockerd, import the base image
#   scripts/docker-e2e.sh stop     stop the dockerd this script started and discard its data
#                                  (images, containers, build cache), so the next run is clean
#   scripts/docker-e2e.sh status   exit 0 when the daemon answers
#
# `start` prints `DOCKER_HOST=unix://...` on stdout (everything else goes to stderr). It is
# idempotent: a running daemon and an imported image are reused, and the base rootfs tarball is
# cached under $PYSCAFFOLD_E2E_CACHE, keyed by its recipe, so only the first run debootstraps.
# The daemon has no bridge network and no iptables rules: containers use `--network host` and
# all traffic stays on this machine's loopback.
set -euo pipefail

state="${PYSCAFFOLD_E2E_ROOT:-/var/lib/pyscaffold-e2e}"
cache="${PYSCAFFOLD_E2E_CACHE:-/var/cache/pyscaffold-e2e}"
socket="$state/docker.sock"
pidfile="$state/dockerd.pid"
# Debian's client: a newer client earlier on PATH may lack BuildKit support.
docker=(/usr/bin/docker -H "unix://$socket")

packages=python3,python3-dev,python3-venv,python3-pip,ca-certificates
# Every tag a generated Dockerfile may ask for runs the Debian suite whose Python the tag names:
# bookworm carries 3.11 and trixie 3.13. Debian has no 3.12 or 3.14, so those tags run
# trixie's 3.13 as stand-ins (said on stderr), which still satisfies `requires-python >= 3.12`.
suite_for() {
  case "$1" in
    3.11) echo bookworm ;;
    *) echo trixie ;;
  esac
}

fail() {
  echo "error: $1" >&2
  echo "help: $2" >&2
  exit 1
}

say() { echo "docker-e2e: $*" >&2; }

install_packages() {
  local missing=()
  for pkg in docker.io buildah debootstrap docker-registry rsync; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return
  [[ $(id -u) -eq 0 ]] || fail "missing packages: ${missing[*]}" "run as root, or install them with apt-get"
  say "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || fail "apt-get could not install ${missing[*]}" "check that Debian's package archive is reachable"
}

daemon_up() { "${docker[@]}" info >/dev/null 2>&1; }

start_daemon() {
  daemon_up && return
  mkdir -p "$state"
  say "starting dockerd (data root $state/data)"
  # setsid: the daemon outlives this script; `stop` ends it by its pid file.
  setsid dockerd --data-root "$state/data" --exec-root "$state/exec" --pidfile "$pidfile" \
    -H "unix://$socket" --bridge=none --iptables=false --ip6tables=false \
    >"$state/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    daemon_up && return
    sleep 0.5
  done
  tail -n 20 "$state/dockerd.log" >&2 || true
  fail "dockerd did not answer within 60 s" "see $state/dockerd.log"
}

# Makes (once, cached by recipe) and imports the base image of one Debian suite; prints its id.
suite_image() {
  local suite="$1" recipe key tarball rootfs
  recipe="debootstrap --variant=minbase --include=$packages $suite; python symlinks; no EXTERNALLY-MANAGED; host CA; v1"
  key="$(printf '%s' "$recipe" | sha256sum | cut -c1-16)"
  if "${docker[@]}" image inspect "pyscaffold-e2e-base:$suite-$key" >/dev/null 2>&1; then
    echo "pyscaffold-e2e-base:$suite-$key"
    return
  fi
  tarball="$cache/python-$suite-$key.tar"
  if [[ ! -s "$tarball" ]]; then
    mkdir -p "$cache"
    rootfs="$(mktemp -d "$cache/rootfs.XXXXXX")"
    say "debootstrap $suite into $rootfs (first run only, 1-2 minutes)"
    debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" http://deb.debian.org/debian >&2 \
      || fail "debootstrap failed" "check that Debian's package archive is reachable"
    # Behave like the official python image: python on /usr/local/bin, pip allowed.
    ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
    ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python3"
    rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
    # This machine reaches package indexes through a certificate authority only the host trusts.
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$rootfs"
  fi
  say "importing the $suite base image"
  "${docker[@]}" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["python3"]' \
    "$tarball" "pyscaffold-e2e-base:$suite-$key" >&2
  echo "pyscaffold-e2e-base:$suite-$key"
}

base_image() {
  local py release suite image python
  for py in 3.11 3.12 3.13 3.14; do
    suite="$(suite_for "$py")"
    image="$(suite_image "$suite")"
    python="$("${docker[@]}" run --rm --network host "$image" python3 -c \
      'import sys; print("%d.%d" % sys.version_info[:2])')"
    if [[ "$python" == "$py" ]]; then
      say "python:$py-slim-* tags run Debian $suite's Python $python"
    else
      say "python:$py-slim-* tags are stand-ins: Debian has no Python $py, they run $suite's $python"
    fi
    for release in bookworm trixie; do
      "${docker[@]}" tag "$image" "python:$py-slim-$release"
    done
  done
}

case "${1:-}" in
  start)
    install_packages
    start_daemon
    base_image
    echo "DOCKER_HOST=unix://$socket"
    ;;
  stop)
    if [[ -f "$pidfile" ]]; then
      pid="$(cat "$pidfile")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
      done
      say "dockerd stopped"
    fi
    # Each run starts from an empty engine: no build cache from an earlier run can hide a
    # rebuild. The base rootfs tarball stays cached. The folder itself stays: it may be a
    # mount point of its own.
    if [[ -d "$state/data" ]]; then
      find "$state/data" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
    fi
    ;;
  status)
    daemon_up
    ;;
  *)
    fail "usage: scripts/docker-e2e.sh start|stop|status" "pick one of the three"
    ;;
esac
