"""The example views: replace them with your own and keep the health endpoint."""

import os

from django.http import JsonResponse


def health(request):
    """Liveness for the image's HEALTHCHECK, the smoke test and orchestrators: no database."""
    return JsonResponse({"status": "ok"})


def index(request):
    """What is running: the build's commit, branch and date come from the image."""
    return JsonResponse({
        "service": "{{ name }}",
        "environment": os.environ.get("APP_ENV", "production"),
        "commit": os.environ.get("GIT_COMMIT", "unknown"),
        "branch": os.environ.get("GIT_BRANCH", "unknown"),
        "built": os.environ.get("BUILD_DATE", "unknown"),
    })
