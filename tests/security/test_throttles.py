"""API rates (DRF throttles on the shared cache): per token, per signed-in user on a session, and
per address for anonymous callers; over the rate 429 in the API's error shape with Retry-After.
The suite runs without rates (tests/settings.py); these tests set low ones."""

import pytest
from rest_framework.test import APIClient

from mlteam.api.services import token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MODELS = "/api/v1/models/"


@pytest.fixture
def rates(settings, clean_cache):
    settings.API_THROTTLE_RATES = {"token": "3/minute", "anon": "2/minute"}
    return settings.API_THROTTLE_RATES


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def assert_throttled(response):
    assert response.status_code == 429
    body = response.json()
    assert body["error"] == "throttled"
    assert "throttled" in body["detail"].lower() and "second" in body["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Content-Type"].startswith("application/json")


def test_a_token_over_its_rate_gets_429_json_with_retry_after(rates):
    _, raw = token_create(user=UserFactory())
    client = bearer(raw)
    assert [client.get(MODELS).status_code for _ in range(3)] == [200, 200, 200]
    assert_throttled(client.get(MODELS))


def test_each_token_has_its_own_budget(rates):
    user = UserFactory()
    _, first = token_create(user=user, name="one")
    _, second = token_create(user=user, name="two")
    for _ in range(3):
        bearer(first).get(MODELS)
    assert bearer(first).get(MODELS).status_code == 429
    assert bearer(second).get(MODELS).status_code == 200


def test_a_session_counts_per_user(rates):
    client = APIClient()
    client.force_login(UserFactory())
    for _ in range(3):
        assert client.get(MODELS).status_code == 200
    assert_throttled(client.get(MODELS))


def test_anonymous_callers_are_counted_per_address_even_when_refused(rates):
    client = APIClient()
    assert [client.get(MODELS).status_code for _ in range(2)] == [401, 401]
    assert_throttled(client.get(MODELS))
    # Another address has its own count.
    assert client.get(MODELS, REMOTE_ADDR="10.9.9.9").status_code == 401
    # Endpoints open without a login count the same way.
    assert_throttled(client.get("/api/v1/no-such-thing/"))


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(rates, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()
    for _ in range(2):
        client.get(MODELS, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client.get(MODELS, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert client.get(MODELS, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 401


def test_without_rates_nothing_is_throttled(settings, clean_cache):
    settings.API_THROTTLE_RATES = {"token": None, "anon": None}
    client = APIClient()
    assert {client.get(MODELS).status_code for _ in range(5)} == {401}


def test_a_forwarded_address_that_is_not_one_falls_back_to_the_connection(rates, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()
    for _ in range(2):
        client.get(MODELS, HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="10.5.5.5")
    assert client.get(MODELS, REMOTE_ADDR="10.5.5.5").status_code == 429


def test_the_count_is_one_counter_per_window_that_starts_afresh(rates, monkeypatch):
    """Fixed windows on the cache's atomic increment: the budget comes back when the minute
    turns, and Retry-After says how long until it does."""
    from mlteam.api.throttles import TokenRateThrottle

    clock = {"now": 120.0}  # the start of a minute
    monkeypatch.setattr(TokenRateThrottle, "timer", lambda self: clock["now"])
    _, raw = token_create(user=UserFactory())
    client = bearer(raw)
    assert [client.get(MODELS).status_code for _ in range(3)] == [200, 200, 200]
    clock["now"] = 150.0
    refused = client.get(MODELS)
    assert refused.status_code == 429 and int(refused["Retry-After"]) == 30
    clock["now"] = 180.0  # the next minute
    assert client.get(MODELS).status_code == 200


def test_a_rate_can_be_switched_off_by_environment(monkeypatch):
    import importlib

    import mlteam.settings as production

    monkeypatch.setenv("API_THROTTLE_RATE", "off")
    try:
        assert importlib.reload(production).API_THROTTLE_RATES["token"] is None
    finally:
        monkeypatch.delenv("API_THROTTLE_RATE")
        importlib.reload(production)
