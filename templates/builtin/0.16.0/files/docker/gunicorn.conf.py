"""Gunicorn settings for the container.

Environment variables override the defaults: PORT, WEB_CONCURRENCY (worker processes),
{% if server == 'wsgi' %}GUNICORN_THREADS, {% endif %}GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE,
FORWARDED_ALLOW_IPS and LOG_LEVEL. Every module-level name below is a gunicorn setting: a
misspelt one would be silently ignored, so pyscaffold's tests check them against gunicorn.
"""

import gc
import math
import os
import queue
import signal
import sys


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _read(path: str) -> str:
    with open(path, encoding="ascii") as f:
        return f.read().strip()


def _quota_cpus(cgroup: str) -> float | None:
    """The CPUs a cgroup CPU quota allows (`docker run --cpus`, a Kubernetes CPU limit)."""
    try:  # cgroup v2: "max 100000" (no quota) or "150000 100000" (1.5 CPUs)
        quota, period = _read(f"{cgroup}/cpu.max").split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    for folder in ("cpu", "cpu,cpuacct"):  # cgroup v1: a quota of -1 means none
        try:
            quota = int(_read(f"{cgroup}/{folder}/cpu.cfs_quota_us"))
            period = int(_read(f"{cgroup}/{folder}/cpu.cfs_period_us"))
        except (OSError, ValueError):
            continue
        return quota / period if quota > 0 and period > 0 else None
    return None


def _cpus(cgroup: str = "/sys/fs/cgroup") -> int:
    # The CPUs this process may use: its cpuset, capped by the container's CPU quota, which
    # the cpuset does not show (a `--cpus 1` container on a 16-core host sees 16 CPUs).
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    quota = _quota_cpus(cgroup)
    return cpus if quota is None else max(1, min(cpus, math.ceil(quota)))


# All interfaces, so the container's published port reaches it; $PORT for Heroku/Cloud Run.
bind = f"0.0.0.0:{_int('PORT', {{ port }})}"

{%- if server == 'asgi' %}
# ASGI: uvicorn's event loop in each worker process; one worker per CPU is enough.
worker_class = "{{ asgi_worker_class }}"
workers = _int("WEB_CONCURRENCY", min(_cpus() + 1, 12))
{%- else %}
# Threaded workers: a slow request holds a thread, not a whole worker, so health checks answer.
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", min(2 * _cpus() + 1, 12))
threads = _int("GUNICORN_THREADS", 4)
{%- endif %}

# Worker heartbeats in memory: a slow or read-only disk cannot stall or kill workers.
worker_tmp_dir = "/dev/shm"

# `docker stop` sends SIGKILL after 10 s: finish in-flight requests well inside that.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 5)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Logs to stdout/stderr, where the container runtime collects them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")

# Trust X-Forwarded-* only from these proxies (set to your load balancer's addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The control socket's default path is under $HOME, which the app user does not have.
control_socket_disable = True


# The signals on which gunicorn's master stops its workers (`docker stop` sends SIGTERM).
_STOP = {signal.SIGTERM, signal.SIGINT, signal.SIGQUIT}


def _stop_pending(server) -> bool:
    """Whether this new worker's copy of the master's signal queue holds a stop: one the master
    received while it was forking workers, or one that reached this process through the
    master's handler it inherited. The copy is this process's own; gunicorn's worker never
    reads it. gunicorn 23 and older keep a list, later ones a queue."""
    pending = getattr(server, "SIG_QUEUE", None)
    if isinstance(pending, list):
        return any(sig in _STOP for sig in pending)
    stop = False
    while pending is not None:
        try:
            stop = pending.get_nowait() in _STOP or stop
        except (queue.Empty, AttributeError):
            break
    return stop


def post_fork(server, worker):
    """Runs in each new worker before it sets up its own signal handling. Until then a SIGTERM
    (`docker stop` while gunicorn starts its workers) would reach the master's handler this
    process inherited and be lost, and the worker would serve on until the graceful timeout:
    remember it, and stop at once if one came before this hook."""
    for sig in _STOP:
        signal.signal(sig, lambda *_: setattr(worker, "stop_requested", True))
    worker.pyscaffold_arbiter = server
    if _stop_pending(server):
        sys.exit(0)


def post_worker_init(worker):
    """Runs in each worker once the app is loaded. Freezing what startup created keeps the
    garbage collector from scanning it again, in every request and when the worker exits: on
    `docker stop`, workers then exit in milliseconds instead of a tenth of a second each. A
    stop that came while the worker was starting ends it now, whatever its worker class."""
    gc.freeze()
    stopped = getattr(worker, "stop_requested", False)
    if stopped or _stop_pending(getattr(worker, "pyscaffold_arbiter", None)):
        sys.exit(0)
