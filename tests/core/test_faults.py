"""Bad input and faults answer in the interface's own form: JSON {"error", "detail"} under
/api/, our error pages elsewhere — never a stack trace, never a 500."""

import json
import logging

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from mlteam.api.services import token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(member):
    _, raw = token_create(user=member.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"error", "detail"}
    return body


def test_an_unknown_api_address_is_a_json_404(api):
    assert error_of(api.get("/api/v1/nope/"), 404)["error"] == "not_found"


def test_an_unknown_page_is_our_404_page_with_navigation(logged_in_client):
    response = logged_in_client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'href="/models/"' in html and 'href="/promotions/"' in html
    assert "Traceback" not in html


def test_an_oversized_body_is_413_json_and_nothing_is_created(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "big", "team": "x", "task": "t", "description": "a" * 5000})
    response = api.post("/api/v1/models/", body, content_type="application/json")
    assert error_of(response, 413)["error"] == "payload_too_large"


def test_an_oversized_form_post_gets_the_413_page(logged_in_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = logged_in_client.post("/benchmarks/new/", {"name": "x" * 5000})
    assert response.status_code == 413
    assert "Request too large" in response.content.decode()


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, "[" * 70 + "]" * 70, '{"name": ', "\x00", "[1,]"],
    ids=["100k-deep", "70-deep", "truncated", "nul", "trailing-comma"],
)
def test_malformed_or_absurdly_nested_json_is_400_json(api, body):
    response = api.post("/api/v1/models/", body, content_type="application/json")
    assert error_of(response, 400)["error"] == "parse_error"


def test_json_nested_within_the_limit_reaches_validation(api):
    body = json.dumps({"name": [[[["x"]]]], "team": "t", "task": "t"})
    response = api.post("/api/v1/models/", body, content_type="application/json")
    assert error_of(response, 400)["error"] == "invalid"


@pytest.mark.parametrize(
    "path, status",
    [
        ("/api/v1/members/%00/", 400),
        ("/api/v1/models/a%00b/", 400),
        ("/api/v1/models/?q=%00", 400),
        ("/api/v1/promotions/99999999999999999999999/", 404),
        ("/api/v1/runs/18446744073709551616/", 404),
        ("/api/v1/events/?version=99999999999999999999", 400),
    ],
)
def test_nul_or_out_of_range_values_in_urls_are_404_or_400(api, path, status):
    error_of(api.get(path), status)


@pytest.mark.parametrize("path", ["/models/a%00b/", "/models/?q=%00"])
def test_nul_in_a_page_url_is_never_a_500(logged_in_client, path):
    assert logged_in_client.get(path).status_code in (400, 404)


def test_a_lost_database_is_a_503_json_with_retry_after(api, monkeypatch):
    from mlteam.api.views import registry

    def down(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")

    monkeypatch.setattr(registry.ModelList, "get_queryset", down)  # the filtered lists
    monkeypatch.setattr(registry.fast_reads, "models_first_page", down)  # the compiled page
    for query in ({}, {"ordering": "name"}):
        response = api.get("/api/v1/models/", query)
        body = error_of(response, 503)
        assert body["error"] == "service_unavailable"
        assert response["Retry-After"] == "5"
        assert "5432" not in json.dumps(body)


def test_a_lost_database_on_a_page_is_the_503_page(logged_in_client, monkeypatch):
    from mlteam.web.registry import views

    def down(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")

    monkeypatch.setattr(views, "model_list", down, raising=False)
    logged_in_client.raise_request_exception = False
    monkeypatch.setattr("mlteam.site.views.dashboard_context", down)
    response = logged_in_client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "Temporarily unavailable" in html and "5432" not in html


def test_health_needs_no_database_and_ready_checks_database_migrations_and_cache(client):
    assert client.get("/health/").json() == {"status": "ok"}
    ready = client.get("/ready/")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok", "cache": "ok"}


def test_ready_is_503_json_when_the_cache_fails(client, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/ready/")
    body = error_of(response, 503)
    assert body["error"] == "service_unavailable"
    assert body["checks"]["cache"].startswith("failed")


def test_every_request_logs_one_json_line_with_its_request_id(api, member):
    from mlteam.kernel.logs import JsonFormatter

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("mlteam.request")
    logger.addHandler(handler)
    try:
        response = api.get("/api/v1/models/", HTTP_X_REQUEST_ID="trace-123")
    finally:
        logger.removeHandler(handler)
    assert response["X-Request-ID"] == "trace-123"
    (record,) = records
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "trace-123"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/models/", 200)
    assert line["user"] == member.user.username
    assert isinstance(line["duration_ms"], float)


def test_a_request_id_that_does_not_look_like_one_is_replaced(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID="<script>" * 20)
    assert response["X-Request-ID"] != "<script>" * 20
    assert len(response["X-Request-ID"]) == 32
