"""People who leave lose access in the same transaction as ``member_leave``: their tokens are
revoked, their login is disabled and their sessions ended, each audited as part of the leave;
returning brings the login back but never the old tokens."""

from io import StringIO
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from mlteam.api.models import ApiToken
from mlteam.api.services import token_create
from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import NotAllowed
from mlteam.kernel.models import AuditEvent
from mlteam.kernel.sessions import session_keys_of
from mlteam.roster import access, services
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db
MODELS = "/api/v1/models/"


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200
    return client


def rejoin(member):
    return services.member_join(
        user=member.user,
        role=member.role,
        orientation=member.orientation,
        team=member.team,
        actor=SYSTEM,
    )


@pytest.fixture
def leaver(db):
    return MemberFactory(user__username="leaver")


def test_a_leavers_tokens_stop_working_at_once(leaver, lead):
    _, raw = token_create(user=leaver.user, name="pipeline")
    _, other = token_create(user=leaver.user, name="laptop")
    assert bearer(raw).get(MODELS).status_code == 200

    services.member_leave(member=leaver, actor=lead)

    for token in (raw, other):
        response = bearer(token).get(MODELS)
        assert response.status_code == 401
        assert response.json()["error"] == "not_authenticated"
    assert not ApiToken.objects.filter(user=leaver.user, revoked_at=None).exists()


def test_a_leavers_sessions_end_and_their_login_stops_working(leaver, lead):
    browser, laptop = signed_in(leaver.user), signed_in(leaver.user)
    colleague = signed_in(lead.user)
    assert len(session_keys_of(leaver.user.pk)) == 2

    services.member_leave(member=leaver, actor=lead)

    for client in (browser, laptop):
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert session_keys_of(leaver.user.pk) == []
    assert colleague.get("/").status_code == 200  # others stay signed in
    leaver.user.refresh_from_db()
    assert not leaver.user.is_active
    refused = Client().post("/accounts/login/", {"username": "leaver", "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session


def test_cached_sessions_are_dropped_from_the_cache_too(leaver, lead, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client = signed_in(leaver.user)
    key = client.session.session_key
    cache = caches[settings.SESSION_CACHE_ALIAS]
    cache_key = "django.contrib.sessions.cached_db" + key
    assert cache.get(cache_key) is not None

    services.member_leave(member=leaver, actor=lead)

    assert cache.get(cache_key) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302


def test_the_leave_records_what_access_ended(leaver, lead):
    token, _ = token_create(user=leaver.user, name="pipeline")
    signed_in(leaver.user)

    services.member_leave(member=leaver, actor=lead)

    trail = AuditEvent.objects.filter(member=leaver).order_by("id")
    left, revoked, ended = trail.exclude(action=AuditAction.TOKEN_CREATED)
    assert left.action == AuditAction.MEMBER_LEFT
    assert revoked.action == AuditAction.TOKEN_REVOKED and revoked.actor == lead.user
    assert revoked.details == {
        "token": token.pk,
        "prefix": token.prefix,
        "name": "pipeline",
        "reason": "left",
    }
    assert "left the organisation" in revoked.summary
    assert ended.action == AuditAction.ACCESS_ENDED and ended.actor == lead.user
    assert ended.details == {"login_disabled": True, "sessions_ended": 1}
    assert left.at == revoked.at == ended.at


def test_nobody_who_left_gets_a_token(leaver, lead):
    services.member_leave(member=leaver, actor=lead)
    with pytest.raises(NotAllowed) as refused:
        token_create(user=leaver.user)
    assert refused.value.code == "inactive_user"

    # Someone recorded as gone whose login is still on (left before this rule) is refused too.
    leaver.user.is_active = True
    leaver.user.save()
    with pytest.raises(NotAllowed) as refused:
        token_create(user=leaver.user)
    assert refused.value.code == "member_left"
    client = signed_in(leaver.user)
    page = client.post("/account/tokens/", {"name": "sneaky", "days": 30})
    assert page.status_code == 200 and "people who left cannot get API tokens" in (
        page.content.decode()
    )
    assert not ApiToken.objects.filter(user=leaver.user, revoked_at=None).exists()


def test_rejoining_brings_the_login_back_but_not_the_old_tokens(leaver, lead):
    _, old = token_create(user=leaver.user, name="before")
    services.member_leave(member=leaver, actor=lead)

    returned = rejoin(leaver)

    returned.user.refresh_from_db()
    assert returned.user.is_active
    assert bearer(old).get(MODELS).status_code == 401
    _, new = token_create(user=returned.user, name="after")
    assert bearer(new).get(MODELS).status_code == 200
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "leaver", "password": PASSWORD}).status_code
        == 302
    )
    restored = AuditEvent.objects.get(action=AuditAction.ACCESS_RESTORED)
    assert restored.member == returned
    joined = AuditEvent.objects.filter(action=AuditAction.MEMBER_JOINED).latest("id")
    assert joined.details["login_restored"] is True


@pytest.mark.parametrize("failing", ["end_sessions_of", "audit_record"])
def test_if_the_leave_fails_nothing_is_revoked(leaver, lead, failing):
    _, raw = token_create(user=leaver.user)
    client = signed_in(leaver.user)
    events_before = AuditEvent.objects.count()

    with (
        mock.patch.object(access, failing, side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        services.member_leave(member=leaver, actor=lead)

    leaver.refresh_from_db()
    leaver.user.refresh_from_db()
    assert leaver.is_active and leaver.user.is_active
    assert bearer(raw).get(MODELS).status_code == 200
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.count() == events_before


def test_the_admin_leave_action_ends_access_too(client, leaver, lead):
    _, raw = token_create(user=leaver.user)
    lead.user.is_superuser = True
    lead.user.save()
    client.force_login(lead.user)
    client.post(
        "/admin/roster/mlteammember/",
        {"action": "record_leaving", "_selected_action": [leaver.pk]},
    )
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert bearer(raw).get(MODELS).status_code == 401


def test_people_who_left_before_the_upgrade_lose_access_with_the_sweep(leaver, lead):
    """A leave recorded before leaving ended access: the roster says gone, the login and the
    token still work. ``manage.py end_leavers_access`` ends it as a leave would, once."""
    _, raw = token_create(user=leaver.user, name="pipeline")
    stayer = MemberFactory(user__username="stayer")
    _, kept = token_create(user=stayer.user, name="pipeline")
    browser = signed_in(leaver.user)
    type(leaver).objects.filter(pk=leaver.pk).update(left_on=leaver.joined_on)

    out = StringIO()
    call_command("end_leavers_access", stdout=out)

    assert "1 leaver had access" in out.getvalue()
    assert bearer(raw).get(MODELS).status_code == 401
    assert bearer(kept).get(MODELS).status_code == 200
    assert browser.get("/").status_code == 302
    leaver.user.refresh_from_db()
    assert not leaver.user.is_active
    ended = AuditEvent.objects.filter(action=AuditAction.ACCESS_ENDED, member=leaver)
    assert ended.count() == 1 and ended.get().actor is None  # the system did it
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED, member=leaver).exists()

    again = StringIO()
    call_command("end_leavers_access", stdout=again)
    assert "0 leavers had access" in again.getvalue()
    assert ended.count() == 1


def test_only_roster_editors_sweep(leaver):
    with pytest.raises(NotAllowed):
        access.leavers_access_end(actor=leaver)
