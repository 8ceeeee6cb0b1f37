#!/usr/bin/env python3
"""Smoke test for the built image (P20). Standard library only; exit status 0 or 1.

    python3 docker/smoke_test.py IMAGE                 # run IMAGE hardened and check it
    python3 docker/smoke_test.py IMAGE --network host  # where the engine has no bridge network
    python3 docker/smoke_test.py --probe-url URL       # only poll a server that is already up

It starts the container detached under a unique name with --read-only (tmpfs /tmp),
--cap-drop=ALL and no-new-privileges, polls the health URL until it answers (no fixed sleep),
checks the server does not run as root, times `docker stop`, prints the logs on any failure and
always removes the container. DOCKER names the client (default: docker).
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

DEFAULT_PORT = 9000
DEFAULT_HEALTH_PATH = "/livez"


class Failure(Exception):
    """A check failed; the message says which and why."""


def wait_until_healthy(url, timeout, interval=0.25, is_alive=lambda: True):
    """Polls `url` until it answers 2xx; raises Failure after `timeout` seconds or if the
    process under test is gone. Returns the seconds it took."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    started = time.monotonic()
    last_error = "no attempt"
    while time.monotonic() - started < timeout:
        if not is_alive():
            raise Failure(f"the server exited before {url} answered")
        try:
            with opener.open(url, timeout=2) as response:
                if 200 <= response.status < 300:
                    return time.monotonic() - started
                last_error = f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            last_error = str(exc)
        time.sleep(interval)
    raise Failure(f"{url} did not answer 2xx within {timeout:g}s (last: {last_error})")


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


def container_url(name, network, port, path):
    if network == "host":
        return f"http://127.0.0.1:{port}{path}"
    # Published on a random loopback port: ask the engine which.
    mapping = docker("port", name, f"{port}/tcp").splitlines()[0]
    host_port = mapping.rsplit(":", 1)[1]
    return f"http://127.0.0.1:{host_port}{path}"


def process_uid(name):
    """The real uid of PID 1 (tini, running as the image's USER) inside the container."""
    status = docker("exec", name, "cat", "/proc/1/status")
    for line in status.splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise Failure("could not read the uid of the container's PID 1")


def check_image(args):
    name = f"smoke-{uuid.uuid4().hex[:12]}"
    if args.port is None:
        # On the host network the server's port is the host's: pick a free one.
        args.port = free_port() if args.network == "host" else DEFAULT_PORT
    run = [
        "run", "--detach", "--name", name,
        "--read-only", "--tmpfs", "/tmp:rw,nosuid,nodev,size=64m",
        "--cap-drop=ALL", "--security-opt=no-new-privileges",
        "--env", f"PORT={args.port}",
    ]
    run += ["--network", "host"] if args.network == "host" else ["--publish", f"127.0.0.1::{args.port}"]
    if args.network not in (None, "host"):
        run += ["--network", args.network]
    try:
        docker(*run, args.image)
        url = container_url(name, args.network, args.port, args.health_path)
        alive = lambda: docker("inspect", "--format", "{{.State.Running}}", name, check=False) == "true"
        took = wait_until_healthy(url, args.timeout, is_alive=alive)
        print(f"smoke: healthy at {url} after {took:.1f}s")
        uid = process_uid(name)
        if uid == 0:
            raise Failure("the server runs as root (uid 0); the image must set a numeric non-root USER")
        print(f"smoke: runs as uid {uid}")
        started = time.monotonic()
        docker("stop", "--time", "10", name)
        stop_seconds = time.monotonic() - started
        print(f"smoke: docker stop took {stop_seconds:.2f}s")
        if stop_seconds > args.max_stop_seconds:
            raise Failure(
                f"docker stop took {stop_seconds:.1f}s (limit {args.max_stop_seconds:g}s): "
                "SIGTERM is not reaching the server; check ENTRYPOINT/CMD use the JSON form and "
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
    parser.add_argument("image", nargs="?", help="image to test, e.g. billing-api:main-abc1234")
    parser.add_argument("--probe-url", help="only poll this URL until healthy")
    parser.add_argument("--port", type=int, help=f"port the server listens on (default {DEFAULT_PORT}; "
                        "a free one with --network host)")
    parser.add_argument("--health-path", default=DEFAULT_HEALTH_PATH)
    parser.add_argument("--timeout", type=float, default=60, help="seconds to become healthy")
    parser.add_argument("--max-stop-seconds", type=float, default=3)
    parser.add_argument("--network", help="docker network; `host` where there is no bridge")
    args = parser.parse_args(argv)
    if args.probe_url:
        try:
            took = wait_until_healthy(args.probe_url, args.timeout)
        except Failure as failure:
            print(f"smoke: FAILED: {failure}", file=sys.stderr)
            return 1
        print(f"smoke: healthy at {args.probe_url} after {took:.1f}s")
        return 0
    if not args.image:
        parser.error("give an IMAGE to test, or --probe-url URL")
    return check_image(args)


if __name__ == "__main__":
    sys.exit(main())
