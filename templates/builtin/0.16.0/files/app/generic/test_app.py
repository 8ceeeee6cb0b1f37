"""Tests for the example app: run `pytest` from the project root."""
{%- if framework == 'wsgi' %}

import json
from wsgiref.util import setup_testing_defaults

from {{ app_module }} import {{ app_attr }}


def call(path):
    target = {{ app_attr }}{% if app_factory %}(){% endif %}
    environ = {"PATH_INFO": path}
    setup_testing_defaults(environ)
    seen = {}
    body = b"".join(target(environ, lambda status, headers: seen.update(status=status)))
    return seen["status"], json.loads(body)


def test_health_answers_ok():
    assert call("{{ health_path }}") == ("200 OK", {"status": "ok"})


def test_index_names_the_service():
    assert call("/")[1]["service"] == "{{ name }}"
{%- else %}

import asyncio
import json

from {{ app_module }} import {{ app_attr }}


def call(path):
    target = {{ app_attr }}{% if app_factory %}(){% endif %}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(target({"type": "http", "method": "GET", "path": path, "headers": []}, receive, send))
    return sent[0]["status"], json.loads(sent[1]["body"])


def test_health_answers_ok():
    assert call("{{ health_path }}") == (200, {"status": "ok"})


def test_index_names_the_service():
    assert call("/")[1]["service"] == "{{ name }}"
{%- endif %}
