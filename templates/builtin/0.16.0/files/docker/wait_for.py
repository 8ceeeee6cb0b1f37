"""Wait until TCP services accept connections, before the command starts.

    WAIT_FOR=db:5432,cache:6379 WAIT_FOR_TIMEOUT=30    (the entrypoint runs this when set)
    python docker/wait_for.py db:5432 cache:6379

Standard library only; exits 1 naming the services that never answered.
"""

import os
import socket
import sys
import time


def parse(target: str) -> tuple[str, int]:
    host, sep, port = target.strip().rpartition(":")
    if not sep or not host or not port.isdigit():
        raise SystemExit(f"wait_for: `{target}` is not host:port")
    return host.strip("[]"), int(port)


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    targets = argv or [t for t in os.environ.get("WAIT_FOR", "").split(",") if t.strip()]
    timeout = float(os.environ.get("WAIT_FOR_TIMEOUT", "30"))
    pending = [parse(t) for t in targets]
    deadline = time.monotonic() + timeout
    while pending:
        pending = [(h, p) for h, p in pending if not reachable(h, p)]
        if pending and time.monotonic() >= deadline:
            names = ", ".join(f"{h}:{p}" for h, p in pending)
            print(f"wait_for: no answer from {names} within {timeout:g}s", file=sys.stderr)
            return 1
        if pending:
            time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
