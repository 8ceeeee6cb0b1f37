"""Tests for the example views: run `pytest` from the project root."""

from django.test import Client


def test_health_answers_ok():
    response = Client().get("{{ health_path }}")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_index_names_the_service():
    assert Client().get("/").json()["service"] == "{{ name }}"
