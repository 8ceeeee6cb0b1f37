"""The example Flask app: replace the routes with your own and keep the health endpoint.

gunicorn serves it in the container (docker/gunicorn.conf.py); `flask --app {{ module }}.app:app
run --debug` serves it during development.
"""

import os

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("{{ health_path }}")
def health():
    """Liveness for the image's HEALTHCHECK, the smoke test and orchestrators: cheap, no I/O."""
    return jsonify(status="ok")


@app.get("/")
def index():
    """What is running: the build's commit, branch and date come from the image."""
    return jsonify(
        service="{{ name }}",
        environment=os.environ.get("APP_ENV", "production"),
        commit=os.environ.get("GIT_COMMIT", "unknown"),
        branch=os.environ.get("GIT_BRANCH", "unknown"),
        built=os.environ.get("BUILD_DATE", "unknown"),
    )
