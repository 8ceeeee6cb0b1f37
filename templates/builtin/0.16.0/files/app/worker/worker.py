"""The example worker: replace `run_once` with your job (poll a queue, run a schedule).

It stops within a second of SIGTERM (what `docker stop` sends), finishing the current run
first, so deploys never kill a job half-way.
"""

import logging
import os
import signal
import threading

log = logging.getLogger("{{ module }}.worker")
stopping = threading.Event()


def run_once() -> str:
    """One unit of work. Returns what it did, for the log."""
    return f"tick in {os.environ.get('APP_ENV', 'production')}"


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(message)s")
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    interval = float(os.environ.get("WORKER_INTERVAL", "5"))
    log.info("worker started (interval %ss)", interval)
    while not stopping.is_set():
        log.info(run_once())
        stopping.wait(interval)
    log.info("worker stopped")


if __name__ == "__main__":
    main()
