"""Tests for the example app: run `pytest` from the project root."""

from {{ module }}.app import app


def test_health_answers_ok():
    response = app.test_client().get("{{ health_path }}")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_index_names_the_service():
    response = app.test_client().get("/")
    assert response.get_json()["service"] == "{{ name }}"
