"""API tokens: only a digest is stored; Bearer and Token headers; expiry, revocation, the page
and the management command."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from mlteam.api.models import ApiToken
from mlteam.api.services import token_create, token_revoke
from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MODELS = "/api/v1/models/"


def client_with(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def test_only_a_digest_is_stored():
    user = UserFactory()
    token, raw = token_create(user=user, name="pipeline", days=30)
    assert raw.startswith(f"mlt_{token.prefix}_")
    assert len(raw) > 40
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in {str(v) for v in stored.values()}
    assert token.expires_at - token.created_at == timedelta(days=30)


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_bearer_and_token_headers_authenticate(keyword):
    user = UserFactory()
    token, raw = token_create(user=user)
    response = client_with(f"{keyword} {raw}").get(MODELS)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header, fragment",
    [
        ("Bearer mlt_deadbeef_nope", "Unknown API token"),
        ("Bearer nonsense", "Unknown API token"),
        ("Bearer two words", "one value"),
        ("Bearer", "one value"),
    ],
)
def test_bad_tokens_get_401_in_the_error_shape(header, fragment):
    response = client_with(header).get(MODELS)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert fragment in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_right_prefix_with_a_wrong_secret_is_refused():
    _, raw = token_create(user=UserFactory())
    response = client_with(f"Bearer {raw[:-2]}xx").get(MODELS)
    assert response.status_code == 401


def test_revoked_and_expired_tokens_stop_working():
    user = UserFactory()
    revoked, raw_revoked = token_create(user=user, name="old")
    token_revoke(token=revoked, actor=user)
    _, raw_expired = token_create(
        user=user, name="short", days=1, at=timezone.now() - timedelta(days=2)
    )
    for raw, fragment in [(raw_revoked, "revoked"), (raw_expired, "expired")]:
        response = client_with(f"Bearer {raw}").get(MODELS)
        assert response.status_code == 401
        assert fragment in response.json()["detail"]


def test_inactive_users_tokens_are_refused():
    user = UserFactory()
    _, raw = token_create(user=user)
    user.is_active = False
    user.save()
    assert client_with(f"Bearer {raw}").get(MODELS).status_code == 401


def test_token_rules():
    user, other = UserFactory(), UserFactory()
    with pytest.raises(InvalidInput):
        token_create(user=user, days=0)
    with pytest.raises(InvalidInput):
        token_create(user=user, days=5000)
    token, _ = token_create(user=user)
    with pytest.raises(NotAllowed):
        token_revoke(token=token, actor=other)
    token_revoke(token=token, actor=user)
    with pytest.raises(Conflict):
        token_revoke(token=token, actor=user)


def test_create_token_command_prints_only_the_token():
    user = UserFactory(username="ci-bot")
    out, err = StringIO(), StringIO()
    call_command("create_token", "ci-bot", "--days", "7", "--name", "ci", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert client_with(f"Bearer {raw}").get(MODELS).status_code == 200
    token = ApiToken.objects.get(user=user)
    assert token.name == "ci" and "ci" in err.getvalue()
    with pytest.raises(CommandError, match="no user"):
        call_command("create_token", "nobody", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="between 1 and"):
        call_command("create_token", "ci-bot", "--days", "0", stdout=StringIO(), stderr=StringIO())


def test_tokens_page_creates_shows_once_lists_and_revokes(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("api:tokens")
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "pipeline", "days": 90})
    assert response.status_code == 200
    raw = response.context["created"]["raw"]
    assert raw in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    # Shown once: the list shows only the public prefix.
    page = client.get(url).content.decode()
    assert raw not in page and "pipeline" in page and raw.split("_")[1] in page
    assert client_with(f"Bearer {raw}").get(MODELS).status_code == 200

    token = ApiToken.objects.get(user=user)
    response = client.post(reverse("api:token-revoke", args=[token.pk]), follow=True)
    assert "Revoked pipeline" in response.content.decode()
    assert client_with(f"Bearer {raw}").get(MODELS).status_code == 401


def test_tokens_page_rejects_bad_input_inline(client):
    client.force_login(UserFactory())
    response = client.post(reverse("api:tokens"), {"name": "", "days": 7})
    assert response.status_code == 200
    assert response.context["created"] is None
    assert response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_token(client):
    owner = UserFactory()
    token, _ = token_create(user=owner)
    client.force_login(UserFactory())
    assert client.post(reverse("api:token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_tokens_page_needs_a_login(client):
    response = client.get(reverse("api:tokens"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_user_menu_links_to_the_tokens_page(client):
    client.force_login(UserFactory())
    assert reverse("api:tokens") in client.get(reverse("dashboard")).content.decode()
