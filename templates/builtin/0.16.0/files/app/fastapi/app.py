"""The example FastAPI app: replace the routes with your own and keep the health endpoint.

gunicorn serves it with uvicorn workers in the container (docker/gunicorn.conf.py);
`uvicorn {{ module }}.app:app --reload` serves it during development.
"""

import os

from fastapi import FastAPI

app = FastAPI(title="{{ name }}")


@app.get("{{ health_path }}")
def health() -> dict[str, str]:
    """Liveness for the image's HEALTHCHECK, the smoke test and orchestrators: cheap, no I/O."""
    return {"status": "ok"}


@app.get("/")
def index() -> dict[str, str]:
    """What is running: the build's commit, branch and date come from the image."""
    return {
        "service": "{{ name }}",
        "environment": os.environ.get("APP_ENV", "production"),
        "commit": os.environ.get("GIT_COMMIT", "unknown"),
        "branch": os.environ.get("GIT_BRANCH", "unknown"),
        "built": os.environ.get("BUILD_DATE", "unknown"),
    }
