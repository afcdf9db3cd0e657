"""Cached token lookups (API_TOKEN_CACHE_SECONDS > 0, as with REDIS_URL): the second request
finds the token without a query, and revoking it, deactivating its user or changing their roster
entry takes effect on the very next request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from mlteam.api import token_cache
from mlteam.api.services import token_create, token_revoke
from tests.factories import MemberFactory, RoleFactory

pytestmark = pytest.mark.django_db
MODELS = "/api/v1/models/"


@pytest.fixture(autouse=True, params=[0, 0.5], ids=["shared-cache", "and-process-memo"])
def token_cache_on(settings, request):
    settings.API_TOKEN_CACHE_SECONDS = 300
    settings.API_TOKEN_LOCAL_SECONDS = request.param  # 0.5 with REDIS_URL
    cache.clear()
    token_cache._memo.clear()
    yield
    cache.clear()
    token_cache._memo.clear()


def token_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MODELS).status_code == 200
    return [q["sql"] for q in queries if '"api_apitoken"' in q["sql"]]


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_the_second_request_finds_the_token_in_the_cache():
    member = MemberFactory()
    _, raw = token_create(user=member.user)
    client = bearer(raw)
    first = token_queries(client)
    assert any(sql.startswith("SELECT") for sql in first)
    assert token_queries(client) == []  # no lookup, and last_used_at was written a moment ago


def test_revoking_a_cached_token_refuses_the_next_request():
    member = MemberFactory()
    token, raw = token_create(user=member.user)
    client = bearer(raw)
    assert client.get(MODELS).status_code == 200
    token_revoke(token=token, actor=member.user)
    response = client.get(MODELS)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_deactivating_the_user_or_changing_their_role_is_seen_at_once():
    member = MemberFactory()
    _, raw = token_create(user=member.user)
    client = bearer(raw)
    assert client.get(MODELS).status_code == 200
    lead = RoleFactory(name="ML Lead", is_ml_lead=True)
    member.role = lead
    member.save()
    from mlteam.api.services import token_find

    assert token_find(raw).user.member.role == lead
    member.user.is_active = False
    member.user.save()
    assert client.get(MODELS).status_code == 401


def test_a_cache_that_fails_falls_back_to_the_database(monkeypatch):
    member = MemberFactory()
    _, raw = token_create(user=member.user)

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    assert bearer(raw).get(MODELS).status_code == 200


def test_the_process_memo_keeps_a_token_briefly_and_then_asks_the_shared_cache(
    settings, monkeypatch
):
    """Another process's revocation (here: the shared entry deleted behind this process's back)
    is seen within API_TOKEN_LOCAL_SECONDS; this process's own is seen at once (tests above)."""
    settings.API_TOKEN_LOCAL_SECONDS = 0.5
    clock = {"now": 1000.0}
    monkeypatch.setattr(token_cache.time, "monotonic", lambda: clock["now"])
    member = MemberFactory()
    token, raw = token_create(user=member.user)
    client = bearer(raw)
    assert client.get(MODELS).status_code == 200
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a) or real_get(*a, **k))
    assert client.get(MODELS).status_code == 200
    assert reads == []  # from this process's memory
    token.revoked_at = token.created_at  # as another server revoking it would leave things:
    token.save(update_fields=["revoked_at"])  # the row revoked…
    cache.delete(token_cache.key(token.digest))  # …and the shared entry gone
    clock["now"] += 0.4
    assert client.get(MODELS).status_code == 200  # still remembered here
    clock["now"] += 0.2
    refused = client.get(MODELS)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert reads  # asked the shared cache again, then the database


def test_the_memo_is_off_without_a_local_time(settings):
    settings.API_TOKEN_LOCAL_SECONDS = 0
    _, raw = token_create(user=MemberFactory().user)
    assert bearer(raw).get(MODELS).status_code == 200
    assert token_cache._memo == {}
