"""Health and readiness for load balancers; request ids in responses and in structured logs."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.db import connections
from django.urls import path

from config import urls as site_urls
from core import health
from core.observability import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("the payment provider timed out")


# The site's routes follow: the error pages link to them.
urlpatterns = [
    path("boom/", boom),
    path("healthz", health.healthz),
    path("readyz", health.readyz),
    *site_urls.urlpatterns,
]


def broken_database() -> dict:
    settings_dict = dict(connections["default"].settings_dict)
    if settings_dict["ENGINE"].endswith("sqlite3"):
        settings_dict["NAME"] = "/nonexistent-folder/rabta.sqlite3"
    else:
        settings_dict["PORT"] = "1"  # nothing listens there
    return settings_dict


def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_is_ok_when_the_database_and_redis_answer(client, settings):
    response = client.get("/readyz")

    assert response.status_code == 200
    expected = {"database": True, **({"redis": True} if settings.REDIS_URL else {})}
    assert response.json() == {
        "status": "ok",
        "checks": expected,
        "tasks": {"oldest_ready_seconds": None, "stuck_running": 0, "failed_last_hour": 0, "healthy": True},
    }


def test_an_unreachable_database_is_reported(client, monkeypatch):
    assert health.database_reachable(broken_database()) is False
    for key, value in broken_database().items():
        monkeypatch.setitem(connections["default"].settings_dict, key, value)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


def test_an_unreachable_redis_is_reported(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": True, "redis": False},
        "tasks": {"oldest_ready_seconds": None, "stuck_running": 0, "failed_last_hour": 0, "healthy": True},
    }


def test_every_response_carries_a_request_id_and_keeps_a_sane_incoming_one(client):
    fresh = client.get("/healthz")
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234abcd")
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")

    assert len(fresh["X-Request-ID"]) == 32
    assert kept["X-Request-ID"] == "lb-1234abcd"
    assert replaced["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(replaced["X-Request-ID"]) == 32


@pytest.mark.urls("tests.core.test_health")
def test_an_error_reaches_the_log_as_json_with_its_request_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    client.raise_request_exception = False
    try:
        response = client.get("/boom/", HTTP_X_REQUEST_ID="req-0123456789")
    finally:
        logger.removeHandler(handler)

    assert response.status_code == 500
    entry = json.loads(stream.getvalue().splitlines()[0])
    assert entry["request_id"] == "req-0123456789"
    assert entry["level"] == "ERROR"
    assert entry["status"] == 500
    assert "RuntimeError: the payment provider timed out" in entry["exception"]


def test_a_503_is_logged_with_its_request_id(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/readyz", HTTP_X_REQUEST_ID="probe-0123456789")
    finally:
        logger.removeHandler(handler)

    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert (response.status_code, entry["status"], entry["request_id"]) == (503, 503, "probe-0123456789")
