"""Tests for the example app: run `pytest` from the project root.

The app is called as the ASGI application it is, so the tests need no HTTP client library.
"""

import asyncio
import json

from {{ module }}.app import app


def call(path):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": [], "scheme": "http", "server": ("testserver", 80),
             "client": ("testclient", 50000), "root_path": "", "http_version": "1.1"}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], json.loads(sent[1]["body"])


def test_health_answers_ok():
    assert call("{{ health_path }}") == (200, {"status": "ok"})


def test_index_names_the_service():
    assert call("/")[1]["service"] == "{{ name }}"
