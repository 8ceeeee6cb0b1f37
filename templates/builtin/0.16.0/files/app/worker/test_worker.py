"""Tests for the example worker: run `pytest` from the project root."""

from {{ module }}.worker import run_once


def test_run_once_reports_its_work():
    assert run_once().startswith("tick")
