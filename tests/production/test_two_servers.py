"""Two stateless app servers on one PostgreSQL and one Redis, as behind a load balancer: a login
on one works on the other, a token revoked on one is refused by both within a second, and registering
versions through both at the same time gives consecutive version numbers."""

import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from mlteam.api.services import token_create
from mlteam.registry import services
from tests.factories import MemberFactory

from .conftest import database_url_of

pytestmark = pytest.mark.postgres
PASSWORD = "two-servers-password"


def login(http, username: str) -> None:
    page = http.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = http.post(
        "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302, response.text[:500]
    assert response.headers["location"] == "/"


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, start_module_server, redis_url):
    with django_db_blocker.unblock():
        database_url = database_url_of(connection)
    shared = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"mlteam-test-{secrets.token_hex(4)}",
        "SECRET_KEY": secrets.token_hex(32),  # one key: sessions signed by one verify on the other
        "WEB_CONCURRENCY": "2",
    }
    return start_module_server(**shared), start_module_server(**shared)


@pytest.fixture
def two_servers(servers, transactional_db):
    return servers


def test_a_login_on_one_server_works_on_the_other(two_servers):
    a, b = two_servers
    member = MemberFactory()
    member.user.password = PBKDF2PasswordHasher().encode(PASSWORD, secrets.token_hex(8))
    member.user.save()
    with a.client() as on_a:
        login(on_a, member.user.username)
        with b.client(cookies=on_a.cookies) as on_b:
            page = on_b.get("/")
            assert page.status_code == 200
            assert member.user.username in page.text or "Dashboard" in page.text
            assert on_b.get("/models/").status_code == 200


def test_a_token_revoked_on_one_server_is_refused_by_both_within_a_second(two_servers):
    a, b = two_servers
    member = MemberFactory()
    member.user.password = PBKDF2PasswordHasher().encode(PASSWORD, secrets.token_hex(8))
    member.user.save()
    token, raw = token_create(user=member.user, name="pipeline")
    bearer = {"Authorization": f"Bearer {raw}"}
    with a.client(headers=bearer) as api_a, b.client(headers=bearer) as api_b:
        for _ in range(3):  # cached on both by now
            assert api_a.get("/api/v1/models/").status_code == 200
            assert api_b.get("/api/v1/models/").status_code == 200
    with a.client() as on_a:
        login(on_a, member.user.username)
        page = on_a.get("/account/tokens/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        revoked = on_a.post(
            f"/account/tokens/{token.pk}/revoke/", data={"csrfmiddlewaretoken": csrf}
        )
        assert revoked.status_code == 302
    revoked_at = time.monotonic()
    with a.client(headers=bearer) as api_a, b.client(headers=bearer) as api_b:
        for api in (api_b, api_a):
            # Each worker remembers a token for API_TOKEN_LOCAL_SECONDS (0.5 s) at most.
            response = api.get("/api/v1/models/")
            while response.status_code == 200 and time.monotonic() - revoked_at < 1:
                time.sleep(0.02)
                response = api.get("/api/v1/models/")
            assert response.status_code == 401, "still accepted a second after the revocation"
            assert "revoked" in response.json()["detail"]


def test_registering_through_both_servers_at_once_gives_consecutive_versions(two_servers):
    a, b = two_servers
    member = MemberFactory()
    model = services.model_create(name="shared-model", team=member.team, task="t", actor=member)
    _, raw = token_create(user=member.user)
    bearer = {"Authorization": f"Bearer {raw}"}
    url = f"/api/v1/models/{model.name}/versions/"
    with a.client(headers=bearer) as api_a, b.client(headers=bearer) as api_b:

        def register(i: int) -> int:
            api = api_a if i % 2 else api_b
            response = api.post(url, json={"artifact_uri": f"s3://bucket/{i}"})
            assert response.status_code == 201, response.text
            return response.json()["version"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            versions = list(pool.map(register, range(24)))
    assert sorted(versions) == list(range(1, 25))
    assert sorted(model.artifacts.values_list("version", flat=True)) == list(range(1, 25))
