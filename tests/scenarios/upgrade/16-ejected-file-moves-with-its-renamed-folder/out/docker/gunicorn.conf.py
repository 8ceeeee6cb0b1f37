"""Gunicorn settings for the container.

Environment variables override the defaults: PORT, WEB_CONCURRENCY (worker processes),
GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE,
FORWARDED_ALLOW_IPS and LOG_LEVEL. Every module-level name below is a gunicorn setting: a
misspelt one would be silently ignored, so pyscaffold's tests check them against gunicorn.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cpus() -> int:
    # The CPUs this process may use (a container's cpuset), not the host's count.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# All interfaces, so the container's published port reaches it; $PORT for Heroku/Cloud Run.
bind = f"0.0.0.0:{_int('PORT', 8000)}"
# Threaded workers: a slow request holds a thread, not a whole worker, so health checks answer.
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", min(2 * _cpus() + 1, 12))
threads = _int("GUNICORN_THREADS", 4)

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
