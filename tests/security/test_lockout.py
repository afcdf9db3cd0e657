"""Sign-in lockout (django-axes): 5 wrong passwords for one username from one address lock that
pair out of the site and admin logins for 15 minutes; the page says when to retry; an ML lead
lifts it in the admin, audited."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, NotAllowed
from mlteam.kernel.models import AuditEvent
from mlteam.roster.access import lockout_lift
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
HERE = "10.1.1.1"
ELSEWHERE = "10.2.2.2"


def sign_in(client, path, username, password, address=HERE):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, path, username, times, address=HERE):
    return [sign_in(client, path, username, "wrong", address) for _ in range(times)]


def test_four_failures_then_the_right_password_signs_in(client, member):
    responses = fail(client, LOGIN, member.user.username, 4)
    assert {r.status_code for r in responses} == {200}
    assert sign_in(client, LOGIN, member.user.username, PASSWORD).status_code == 302
    client.logout()
    # A success clears the count: four more failures still do not lock.
    assert {r.status_code for r in fail(client, LOGIN, member.user.username, 4)} == {200}


def test_the_fifth_failure_locks_the_username_from_that_address(client, member):
    *_, fifth = fail(client, LOGIN, member.user.username, 5)
    assert fifth.status_code == 429
    right = sign_in(client, LOGIN, member.user.username, PASSWORD)
    assert right.status_code == 429
    assert client.get("/").status_code == 302  # not signed in

    # The same person from another address, and someone else from this one, are not locked.
    assert sign_in(client, LOGIN, member.user.username, PASSWORD, ELSEWHERE).status_code == 302
    client.logout()
    other = MemberFactory()
    assert sign_in(client, LOGIN, other.user.username, PASSWORD).status_code == 302


def test_the_lockout_page_says_what_happened_and_when_to_retry(client, member):
    *_, locked = fail(client, LOGIN, member.user.username, 5)
    html = locked.content.decode()
    attempt = AccessAttempt.objects.get(username=member.user.username)
    retry_at = timezone.localtime(attempt.attempt_time + timedelta(minutes=15))
    assert "Sign-in locked" in html
    assert f"5 wrong passwords in a row were given for <strong>{member.user.username}" in html
    assert "locked for 15 minutes" in html
    assert f'Try again after <strong><time datetime="{retry_at.isoformat()}' in html
    assert retry_at.strftime("%H:%M") in html
    assert "ML lead" in html and 'href="/accounts/login/"' in html
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    # A proper page: the site's layout, the strict CSP, no inline script or handler.
    assert 'class="skip-link"' in html and "<main" in html and 'role="alert"' in html
    assert "script-src 'self'" in locked["Content-Security-Policy"]
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_failures_while_locked_do_not_extend_it_and_it_ends_after_15_minutes(client, member):
    fail(client, LOGIN, member.user.username, 5)
    first_lock = AccessAttempt.objects.get(username=member.user.username).attempt_time
    fail(client, LOGIN, member.user.username, 3)
    attempt = AccessAttempt.objects.get(username=member.user.username)
    assert attempt.attempt_time == first_lock and attempt.failures_since_start == 5

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    assert sign_in(client, LOGIN, member.user.username, PASSWORD).status_code == 302


def test_the_admin_login_locks_out_too(client):
    staff = MemberFactory(user__is_staff=True)
    *_, fifth = fail(client, ADMIN_LOGIN, staff.user.username, 5)
    assert fifth.status_code == 429
    assert "Back to the admin log in" in fifth.content.decode()
    assert sign_in(client, ADMIN_LOGIN, staff.user.username, PASSWORD).status_code == 429
    # The count is per username and address, whichever login page was used.
    assert sign_in(client, LOGIN, staff.user.username, PASSWORD).status_code == 429


def test_limit_and_cool_off_come_from_settings(client, member, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=3)
    *_, second = fail(client, LOGIN, member.user.username, 2)
    assert second.status_code == 429
    assert "locked for 3 minutes" in second.content.decode()


def test_an_ml_lead_lifts_a_lockout_and_it_is_audited(client, member, lead):
    fail(client, LOGIN, member.user.username, 5)
    fail(client, LOGIN, member.user.username, 2, ELSEWHERE)

    cleared = lockout_lift(username=member.user.username, ip_address=HERE, actor=lead)

    assert cleared == 5
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_UNLOCKED)
    assert event.actor == lead.user and event.member == member
    assert event.details == {
        "username": member.user.username,
        "addresses": [HERE],
        "failures": 5,
    }
    assert "lifted the sign-in lockout" in event.summary
    # Only that address was cleared.
    assert AccessAttempt.objects.filter(username=member.user.username).count() == 1
    assert sign_in(client, LOGIN, member.user.username, PASSWORD).status_code == 302


def test_lifting_is_for_ml_leads_and_needs_a_lockout(client, member, lead):
    fail(client, LOGIN, member.user.username, 5)
    with pytest.raises(NotAllowed):
        lockout_lift(username=member.user.username, actor=MemberFactory())
    assert AccessAttempt.objects.filter(username=member.user.username).exists()
    with pytest.raises(Conflict, match="no failed sign-ins"):
        lockout_lift(username="nobody-failed", actor=lead)
    assert not AuditEvent.objects.filter(action=AuditAction.ACCESS_UNLOCKED).exists()


def test_the_admin_lists_attempts_and_lifts_them_through_the_service(client, member, lead):
    fail(client, LOGIN, member.user.username, 5)
    attempt = AccessAttempt.objects.get()
    client.force_login(lead.user)
    changelist = reverse("admin:axes_accessattempt_changelist")

    page = client.get(changelist)
    assert page.status_code == 200 and member.user.username in page.content.decode()
    # Read-only: no edit, no delete, no add (lifting is the audited action).
    assert client.post(
        reverse("admin:axes_accessattempt_change", args=[attempt.pk]), {"username": "x"}
    ).status_code in (302, 403)
    assert AccessAttempt.objects.get().username == member.user.username
    assert (
        client.post(
            reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
        ).status_code
        == 403
    )

    response = client.post(
        changelist, {"action": "lift_lockout", "_selected_action": [attempt.pk]}, follow=True
    )
    assert "Cleared 5 failed sign-ins" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.get(action=AuditAction.ACCESS_UNLOCKED).actor == lead.user


def test_the_member_list_lifts_a_members_lockout(client, member, lead):
    fail(client, LOGIN, member.user.username, 5)
    lead.user.is_superuser = True  # the member list needs the model permissions
    lead.user.save()
    client.force_login(lead.user)
    response = client.post(
        reverse("admin:roster_mlteammember_changelist"),
        {"action": "lift_lockout", "_selected_action": [member.pk]},
        follow=True,
    )
    assert "Cleared 5 failed sign-ins" in response.content.decode()
    assert sign_in(client, LOGIN, member.user.username, PASSWORD).status_code == 302


def test_people_who_are_not_ml_leads_do_not_see_the_attempts(client, member):
    staff = MemberFactory(user__is_staff=True)
    client.force_login(staff.user)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_a_forged_forwarded_address_neither_breaks_nor_dodges_the_lockout(client, member, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        last = client.post(
            LOGIN,
            {"username": member.user.username, "password": "wrong"},
            REMOTE_ADDR=HERE,
            HTTP_X_FORWARDED_FOR=f"garbage-{n}",
        )
    assert last.status_code == 429
    assert AccessAttempt.objects.get().ip_address == HERE
