"""Django settings for {{ name }}, read from the environment so one image serves every
environment.

DJANGO_SECRET_KEY   required at run time (never baked into the image)
DJANGO_DEBUG        "1" for development only
DJANGO_ALLOWED_HOSTS comma-separated host names (default: localhost,127.0.0.1)
DJANGO_DB_PATH      SQLite file (default: /tmp/db.sqlite3); point DATABASES at your database
DJANGO_STATIC_ROOT  where collectstatic writes (the image sets /app/staticfiles)

`collectstatic` runs at build time with DJANGO_COLLECTSTATIC=1, which needs no secret.
Migrations never run at container start: run them as a separate command (README.Docker.md).
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if os.environ.get("DJANGO_COLLECTSTATIC") == "1":
        SECRET_KEY = "collectstatic-only"  # nothing is signed while collecting static files
    else:
        raise ImproperlyConfigured("set DJANGO_SECRET_KEY (e.g. from your secret store)")

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "{{ module }}.urls"
WSGI_APPLICATION = "{{ module }}.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB_PATH", "/tmp/db.sqlite3"),
    }
}

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STORAGES = {
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Logs to stderr, where the container runtime collects them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
}
