#!/usr/bin/env python3
"""Smoke test for the built image. Standard library only; exit status 0 or 1.

    python3 docker/smoke_test.py IMAGE                 # run IMAGE hardened and check it
    python3 docker/smoke_test.py IMAGE --network host  # where the engine has no bridge network
{%- if server != 'none' %}
    python3 docker/smoke_test.py --probe-url URL       # only poll a server that is already up
{%- endif %}

It starts the container detached under a unique name with --read-only (tmpfs /tmp),
--cap-drop=ALL and no-new-privileges, {% if server != 'none' %}polls its health check until it answers (no fixed sleep;
through `docker exec`, so it works with a local, remote or docker-in-docker engine){% else %}checks the worker starts and keeps running{% endif %},
checks it does not run as root, times `docker stop`, prints the logs on any failure and always
removes the container. DOCKER names the client (default: docker).
"""

import argparse
import http.client
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

{%- if server != 'none' %}
DEFAULT_PORT = {{ port }}
DEFAULT_HEALTH_PATH = "{{ health_path }}"
{%- endif %}
# Settings the app needs to start, none of them secret.
SMOKE_ENV = {
{%- if framework == 'django' %}
    "DJANGO_SECRET_KEY": "smoke-test-only-not-a-secret",
{%- endif %}
}


class Failure(Exception):
    """A check failed; the message says which and why."""


def wait_until_healthy(probe, timeout, interval=0.25, is_alive=lambda: True):
    """Calls `probe()` (returning ok, detail) until it succeeds; raises Failure after `timeout`
    seconds or once the process under test is gone. Returns the seconds it took."""
    started = time.monotonic()
    last = "no attempt"
    while time.monotonic() - started < timeout:
        if not is_alive():
            raise Failure(f"the process exited before it was healthy (last: {last})")
        ok, last = probe()
        if ok:
            return time.monotonic() - started
        time.sleep(interval)
    raise Failure(f"not healthy within {timeout:g}s (last: {last})")


def url_probe(url):
    """A probe for a URL reachable from here: healthy on a 2xx answer."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def probe():
        try:
            with opener.open(url, timeout=2) as response:
                return 200 <= response.status < 300, f"{url}: HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            return False, f"{url}: {exc}"

    return probe


def docker(*args, check=True):
    command = [os.environ.get("DOCKER", "docker"), *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise Failure(f"`{shlex.join(command)}` failed: {result.stderr.strip()}")
    return result.stdout.strip()


def free_port():
    """A port nobody listens on now, for a server on the host network."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_uid(name):
    """The real uid of PID 1 (tini, running as the image's USER) inside the container."""
    status = docker("exec", name, "cat", "/proc/1/status")
    for line in status.splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise Failure("could not read the uid of the container's PID 1")


def check_image(args):
    name = f"smoke-{uuid.uuid4().hex[:12]}"
    run = [
        "run", "--detach", "--name", name,
        "--read-only", "--tmpfs", "/tmp:rw,nosuid,nodev,size=64m",
        "--cap-drop=ALL", "--security-opt=no-new-privileges",
    ]
    for key, value in SMOKE_ENV.items():
        run += ["--env", f"{key}={value}"]
{%- if server != 'none' %}
    # On the host network the server's port is the host's: pick a free one.
    port = args.port or (free_port() if args.network == "host" else DEFAULT_PORT)
    run += ["--env", f"PORT={port}"]
{%- endif %}
    if args.network:
        run += ["--network", args.network]
    alive = lambda: docker("inspect", "--format", "{{ '{{.State.Running}}' }}", name, check=False) == "true"
    try:
        docker(*run, args.image)
{%- if server != 'none' %}
        # The image's own health check, run inside the container: no published port needed.
        def probe():
            result = subprocess.run(
                [os.environ.get("DOCKER", "docker"), "exec", "--env", f"PORT={port}", name,
                 "python", "/app/docker/healthcheck.py"],
                capture_output=True, text=True,
            )
            return result.returncode == 0, (result.stderr or result.stdout).strip()

        took = wait_until_healthy(probe, args.timeout, is_alive=alive)
        print(f"smoke: healthy on port {port} at {DEFAULT_HEALTH_PATH} after {took:.1f}s")
{%- else %}
        # A worker has no health endpoint: it must start and keep running.
        deadline = time.monotonic() + args.keep_running
        while time.monotonic() < deadline:
            if not alive():
                raise Failure("the worker exited on its own")
            time.sleep(0.25)
        print(f"smoke: still running after {args.keep_running:g}s")
{%- endif %}
        uid = process_uid(name)
        if uid == 0:
            raise Failure("the process runs as root (uid 0); the image must set a numeric non-root USER")
        print(f"smoke: runs as uid {uid}")
        started = time.monotonic()
        docker("stop", "--time", "10", name)
        stop_seconds = time.monotonic() - started
        print(f"smoke: docker stop took {stop_seconds:.2f}s")
        if stop_seconds > args.max_stop_seconds:
            raise Failure(
                f"docker stop took {stop_seconds:.1f}s (limit {args.max_stop_seconds:g}s): "
                "SIGTERM is not reaching the process; check ENTRYPOINT/CMD use the JSON form and "
                "the entrypoint ends in exec"
            )
        return 0
    except Failure as failure:
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
        logs = subprocess.run(
            [os.environ.get("DOCKER", "docker"), "logs", name], capture_output=True, text=True
        )
        print(f"---- container logs ----\n{logs.stdout}{logs.stderr}", file=sys.stderr)
        return 1
    finally:
        docker("rm", "--force", name, check=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", nargs="?", help="image to test, e.g. {{ name }}:main-abc1234")
{%- if server != 'none' %}
    parser.add_argument("--probe-url", help="only poll this URL until healthy")
    parser.add_argument("--port", type=int, help=f"port the server listens on (default {DEFAULT_PORT}; "
                        "a free one with --network host)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to become healthy")
{%- else %}
    parser.add_argument("--keep-running", type=float, default=5, help="seconds the worker must run")
{%- endif %}
    parser.add_argument("--max-stop-seconds", type=float, default=3)
    parser.add_argument("--network", help="docker network; `host` where there is no bridge")
    args = parser.parse_args(argv)
{%- if server != 'none' %}
    if args.probe_url:
        try:
            took = wait_until_healthy(url_probe(args.probe_url), args.timeout)
        except Failure as failure:
            print(f"smoke: FAILED: {failure}", file=sys.stderr)
            return 1
        print(f"smoke: healthy at {args.probe_url} after {took:.1f}s")
        return 0
{%- endif %}
    if not args.image:
        parser.error("give an IMAGE to test{% if server != 'none' %}, or --probe-url URL{% endif %}")
    return check_image(args)


if __name__ == "__main__":
    sys.exit(main())
