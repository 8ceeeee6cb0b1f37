"""Test settings: a throwaway secret and Django's test environment."""

import os

import django
from django.test.utils import setup_test_environment

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ module }}.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")
django.setup()
setup_test_environment()
