"""Token created and revoked are audit events (prefix and name, never the secret), written in
the same transaction; at most 20 active tokens per person, refused on the page and the command
with ``too_many_tokens``."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from mlteam.api import services
from mlteam.api.models import ApiToken
from mlteam.api.services import MAX_ACTIVE_TOKENS, token_create, token_revoke
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict
from mlteam.kernel.models import AuditEvent
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_creating_a_token_is_audited_without_the_secret(member):
    token, raw = token_create(user=member.user, name="nightly", days=30)
    (event,) = events(AuditAction.TOKEN_CREATED)
    assert event.actor == member.user and event.member == member
    assert event.details == {
        "token": token.pk,
        "prefix": token.prefix,
        "name": "nightly",
        "expires_at": token.expires_at.isoformat(),
    }
    assert f"'nightly' (mlt_{token.prefix}_…) created for {member.user.username}" in event.summary
    secret = raw.split("_", 2)[2]
    stored = f"{event.summary} {event.details}"
    assert secret not in stored and token.digest not in stored


def test_revoking_a_token_is_audited(member):
    token, _ = token_create(user=member.user, name="old")
    token_revoke(token=token, actor=member.user)
    (event,) = events(AuditAction.TOKEN_REVOKED)
    assert event.actor == member.user and event.member == member
    assert event.details == {
        "token": token.pk,
        "prefix": token.prefix,
        "name": "old",
        "reason": "revoked",
    }


def test_a_refused_revocation_writes_nothing(member):
    token, _ = token_create(user=member.user)
    token_revoke(token=token, actor=member.user)
    with pytest.raises(Conflict):
        token_revoke(token=token, actor=member.user)
    assert len(events(AuditAction.TOKEN_REVOKED)) == 1


def test_the_audit_event_is_in_the_same_transaction(member):
    """If the audit row cannot be written, no token exists (and none is revoked)."""
    with (
        mock.patch.object(services, "audit_record", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        token_create(user=member.user)
    assert not ApiToken.objects.exists()

    token, _ = token_create(user=member.user)
    with (
        mock.patch.object(services, "audit_record", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        token_revoke(token=token, actor=member.user)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_command_is_audited_as_the_system():
    user = UserFactory(username="ci-bot")
    call_command("create_token", "ci-bot", stdout=StringIO(), stderr=StringIO())
    (event,) = events(AuditAction.TOKEN_CREATED)
    assert event.actor is None and event.details["actor"] == "system"
    assert event.details["prefix"] == ApiToken.objects.get(user=user).prefix


def test_the_page_audits_create_and_revoke(client, member):
    client.force_login(member.user)
    client.post(reverse("api:tokens"), {"name": "pipeline", "days": 90})
    token = ApiToken.objects.get()
    client.post(reverse("api:token-revoke", args=[token.pk]))
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        AuditAction.TOKEN_CREATED,
        AuditAction.TOKEN_REVOKED,
    ]


def fill_up(user, count=MAX_ACTIVE_TOKENS):
    return [token_create(user=user, name=f"t{n}")[0] for n in range(count)]


def test_the_21st_active_token_is_refused():
    user = UserFactory()
    fill_up(user)
    with pytest.raises(Conflict) as refused:
        token_create(user=user, name="one too many")
    assert refused.value.code == "too_many_tokens"
    assert "already holds 20 active API tokens" in refused.value.message
    assert ApiToken.objects.filter(user=user).count() == 20
    assert len(events(AuditAction.TOKEN_CREATED)) == 20


def test_revoked_and_expired_tokens_do_not_count():
    user = UserFactory()
    tokens = fill_up(user, MAX_ACTIVE_TOKENS - 1)
    token_create(user=user, name="expired", days=1, at=timezone.now() - timedelta(days=2))
    token_create(user=user, name="twentieth")
    with pytest.raises(Conflict):
        token_create(user=user)
    token_revoke(token=tokens[0], actor=user)
    token_create(user=user, name="in its place")
    # Someone else's tokens are their own count.
    token_create(user=UserFactory())


def test_the_page_and_the_command_show_the_refusal(client):
    member = MemberFactory(user__username="busy")
    fill_up(member.user)
    client.force_login(member.user)
    response = client.post(reverse("api:tokens"), {"name": "more", "days": 90})
    assert response.status_code == 200 and response.context["created"] is None
    assert "already holds 20 active API tokens" in response.content.decode()

    with pytest.raises(CommandError, match=r"already holds 20 .*\[too_many_tokens\]"):
        call_command("create_token", "busy", stdout=StringIO(), stderr=StringIO())
    assert ApiToken.objects.filter(user=member.user).count() == 20


def test_the_admin_revokes_tokens_audited_and_never_edits_or_deletes_them(client, member):
    operator = UserFactory(is_staff=True, is_superuser=True)
    token, _ = token_create(user=member.user, name="leaked")
    client.force_login(operator)
    change = reverse("admin:api_apitoken_change", args=[token.pk])
    client.post(change, {"name": "renamed"})
    client.post(reverse("admin:api_apitoken_delete", args=[token.pk]), {"post": "yes"})
    token.refresh_from_db()
    assert token.name == "leaked" and token.revoked_at is None

    response = client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert "Revoked 1 tokens" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    (event,) = events(AuditAction.TOKEN_REVOKED)
    assert event.actor == operator and event.member == member
