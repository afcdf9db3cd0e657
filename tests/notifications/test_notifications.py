"""Gate owners hear about what waits for them; requesters about decisions; pipelines through
signed webhooks. Everything leaves after commit, through the task queue."""

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mlteam.kernel.enums import Stage
from mlteam.notifications import services
from mlteam.notifications.models import Notification
from mlteam.registry import services as engine
from mlteam.registry.rules import gate_owners_of
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def request_staging(world, committed, actor=None):
    artifact = world.register()
    world.passing_evals(artifact)
    with committed(execute=True):
        return engine.promotion_request(
            artifact=artifact, to_stage=Stage.STAGING, actor=actor or world.requester
        )


def test_a_waiting_request_emails_every_gate_owner_but_the_requester(
    world, run_tasks, django_capture_on_commit_callbacks
):
    second = MemberFactory(user__username="evaluator2", role=world.evaluator.role)
    request = request_staging(world, django_capture_on_commit_callbacks)

    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([world.evaluator.user.email, second.user.email])
    message = mail.outbox[0]
    assert "waits for your sign-off" in message.subject
    assert f"https://mlteam.example.com/promotions/{request.pk}/" in message.body
    assert f"https://mlteam.example.com/promotions/{request.pk}/" in message.alternatives[0][0]
    notified = Notification.objects.filter(event__promotion=request)
    assert {n.recipient for n in notified} == {world.evaluator, second}
    assert all(n.emailed_at for n in notified)


def test_the_owner_is_left_out_where_the_protocol_forbids_owners(
    world, run_tasks, django_capture_on_commit_callbacks
):
    """The version's owner holds the gate's role too: told only where the protocol lets owners
    approve; the requester never."""
    world.owner.role = world.evaluator.role
    world.owner.save()
    request = request_staging(world, django_capture_on_commit_callbacks)
    told = {address for message in mail.outbox for address in message.to}
    assert told == {world.evaluator.user.email}  # not the owner: the gate forbids owners

    request.allow_owner_approval = True
    assert set(gate_owners_of(request)) == {world.evaluator, world.owner}


def test_the_requester_hears_the_decision(world, run_tasks, django_capture_on_commit_callbacks):
    request = request_staging(world, django_capture_on_commit_callbacks)
    world.sign_manual_items(request, world.evaluator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        engine.promotion_reject(request=request, actor=world.evaluator, reason="Card is thin")
    assert [m.to for m in mail.outbox] == [[world.requester.user.email]]
    assert mail.outbox[0].subject.startswith("[mlteam] Rejected: intent-classifier")


def test_a_rolled_back_change_sends_nothing(world, run_tasks, django_capture_on_commit_callbacks):
    artifact = world.register()
    world.passing_evals(artifact)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        engine.promotion_request(artifact=artifact, to_stage=Stage.STAGING, actor=world.requester)
        raise RuntimeError("the caller's transaction fails after the request")
    assert callbacks == []
    assert mail.outbox == [] and not Notification.objects.exists()


def test_preferences_choose_the_emails_not_the_in_app_notifications(
    world, run_tasks, django_capture_on_commit_callbacks
):
    services.email_preferences_set(member=world.evaluator, events=["promotion.approved"])
    request_staging(world, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=world.evaluator).count() == 1


def test_unknown_preference_is_refused(world):
    from mlteam.kernel.errors import InvalidInput

    with pytest.raises(InvalidInput, match="Unknown event orbit"):
        services.email_preferences_set(member=world.evaluator, events=["orbit"])


def test_dispatch_twice_notifies_once(world, run_tasks, django_capture_on_commit_callbacks):
    request = request_staging(world, django_capture_on_commit_callbacks)
    event = request.events.get(action="promotion.requested")
    again = services.event_dispatch(event_id=event.pk)
    assert again.notifications == [] and Notification.objects.filter(event=event).count() == 1


# --- the badge and the pages -------------------------------------------------------------------


def badge_queries(client, user) -> tuple[int, str]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("dashboard")).content.decode()
    return len(captured), page


def test_badge_counts_the_inbox_in_one_query_whatever_its_size(
    world, django_capture_on_commit_callbacks, client
):
    first = request_staging(world, django_capture_on_commit_callbacks)
    one, page = badge_queries(client, world.evaluator.user)
    assert "1 waiting for you" in page
    for _ in range(2):
        request_staging(world, django_capture_on_commit_callbacks)
    three, page = badge_queries(client, world.evaluator.user)
    assert "3 waiting for you" in page and one == three
    _, page = badge_queries(client, world.requester.user)
    assert "nav-badge" not in page
    assert first.pk


def test_notifications_page_lists_and_marks_read(
    world, run_tasks, django_capture_on_commit_callbacks, client
):
    request = request_staging(world, django_capture_on_commit_callbacks)
    client.force_login(world.evaluator.user)
    page = client.get(reverse("notifications:list")).content.decode()
    assert f'href="/promotions/{request.pk}/"' in page and "Mark all read" in page
    assert client.post(reverse("notifications:mark_read")).status_code == 302
    assert not Notification.objects.filter(recipient=world.evaluator, read_at__isnull=True)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Nothing new" in page
    assert f"/promotions/{request.pk}/" in client.get("/notifications/?show=all").content.decode()


def test_preferences_page_saves_and_refuses_an_unknown_event(world, client):
    client.force_login(world.evaluator.user)
    url = reverse("notifications:preferences")
    assert "A promotion waits for my sign-off" in client.get(url).content.decode()
    client.post(url, {"events": ["promotion.requested", "card.updated"]})
    assert world.evaluator.email_preference.events == ["card.updated", "promotion.requested"]
    refused = client.post(url, {"events": ["orbit"]})
    assert (
        refused.status_code == 200
        and "not one of the available choices" in refused.content.decode()
    )
    world.evaluator.email_preference.refresh_from_db()
    assert world.evaluator.email_preference.events == ["card.updated", "promotion.requested"]


def test_who_is_told_is_exactly_whose_inbox_holds_the_request(
    world, django_capture_on_commit_callbacks
):
    from mlteam.registry.rules import promotions_waiting_for
    from mlteam.roster.models import MLTeamMember

    world.owner.role = world.evaluator.role  # an owner who could sign, were owners allowed
    world.owner.save()
    staging = request_staging(world, django_capture_on_commit_callbacks)
    retired = world.in_production()
    retirement = engine.promotion_request(
        artifact=retired, to_stage=Stage.DEPRECATED, actor=world.requester
    )
    for request in (staging, retirement):
        inbox_holders = {
            m for m in MLTeamMember.objects.all() if request in promotions_waiting_for(m)
        }
        assert set(gate_owners_of(request)) == inbox_holders != set()
