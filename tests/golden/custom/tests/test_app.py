"""Tests for the example app: run `pytest` from the project root."""

from billing_api.app import app


def test_health_answers_ok():
    response = app.test_client().get("/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_index_names_the_service():
    response = app.test_client().get("/")
    assert response.get_json()["service"] == "billing-api"
