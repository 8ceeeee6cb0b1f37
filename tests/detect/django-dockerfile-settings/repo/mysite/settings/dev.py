from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "django-insecure-development-only"
ALLOWED_HOSTS = ["*"]
