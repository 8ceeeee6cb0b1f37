import os

from config.env import env

DEBUG = env.bool("DEBUG", default=False)
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
STATIC_ROOT = "staticfiles"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS").split(" ")

if "CDN_TOKEN" in os.environ or "CDN_BEARER_TOKEN" in os.environ:
    CDN_ZONE = os.environ["CDN_ZONE"]
    CDN_URL = os.environ["CDN_URL"]
