import os

DEBUG = False
if "APP_DEBUG" in os.environ:
    DEBUG = os.environ["APP_DEBUG"] == "1"
if "MAIL_SERVER" in os.environ:
    MAIL_SERVER = os.environ["MAIL_SERVER"]
    MAIL_PORT = int(os.environ["MAIL_PORT"]) if "MAIL_PORT" in os.environ else 25
LOG_LEVEL = "LOG_LEVEL" in os.environ and os.environ["LOG_LEVEL"] or "INFO"
try:
    SENTRY_DSN = os.environ["SENTRY_DSN"]
except KeyError:
    SENTRY_DSN = None
try:
    REDIS_URL = os.environ["REDIS_URL"]
except (KeyError, ValueError):
    REDIS_URL = "redis://localhost:6379/0"
if os.environ.get("S3_BUCKET"):
    S3_BUCKET = os.environ["S3_BUCKET"]
CACHE_TTL = int(os.environ.get("CACHE_TTL", "60"))
APP_TOKEN = os.environ["APP_TOKEN"]
