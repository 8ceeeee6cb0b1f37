import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["SHOP_SECRET_KEY"]
ALLOWED_HOSTS = os.environ.get("SHOP_HOSTS", "localhost").split(",")
