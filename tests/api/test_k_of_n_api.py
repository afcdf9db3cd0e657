"""K-of-N sign-off over the API: protocols and requests say how many approvals they need, each
approval answers the request as it now stands, and approving twice is refused."""

import pytest
from django.utils import timezone

from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry import configuration, services
from mlteam.registry.models import PromotionApproval
from tests.factories import MemberFactory, result_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_of_n(world):
    """The gate needs two approvals; the request's checklist is complete."""
    configuration.protocol_update(
        protocol=world.protocol, actor=world.lead, changes={"required_approvals": 2}
    )
    result_create(
        artifact=world.artifact, benchmark=world.benchmark, value=0.9, recorded_at=timezone.now()
    )
    request = services.promotion_request(
        artifact=world.artifact, to_stage="staging", actor=world.member
    )
    item = request.items.get(position=1)
    services.promotion_item_tick(item=item, actor=world.gate_owner, evidence="https://wiki/r")
    return request


def second_gate_owner(world):
    return MemberFactory(
        user__username="gate2", role=world.gate_owner.role, team=world.gate_owner.team
    )


def test_a_protocol_says_how_many_approvals_it_requires(world, two_of_n, as_user):
    body = as_user(world.reader).get(f"/api/v1/protocols/{world.protocol.pk}/").json()
    assert body["required_approvals"] == 2


def test_each_approval_answers_the_request_as_it_now_stands(world, two_of_n, as_user):
    url = f"/api/v1/promotions/{two_of_n.pk}/"

    first = as_user(world.gate_owner).post(url + "approve/", {"note": "first look"})

    assert first.status_code == 200
    body = first.json()
    assert (body["state"], body["required_approvals"]) == ("pending", 2)
    (approval,) = body["approvals"]
    assert (approval["approver"], approval["note"]) == ("gate", "first look")
    assert [v["satisfied"] for v in approval["verdicts"]] == [True, True, True]
    world.artifact.refresh_from_db()
    assert world.artifact.status == Stage.EXPERIMENTAL

    second = as_user(second_gate_owner(world)).post(url + "approve/", {})

    assert second.status_code == 200
    body = second.json()
    assert (body["state"], body["decided_by"]) == ("approved", "gate2")
    assert [a["approver"] for a in body["approvals"]] == ["gate", "gate2"]
    world.artifact.refresh_from_db()
    assert world.artifact.status == Stage.STAGING


def test_approving_twice_is_refused_as_json_and_changes_nothing(world, two_of_n, as_user):
    gate = as_user(world.gate_owner)
    url = f"/api/v1/promotions/{two_of_n.pk}/approve/"
    gate.post(url, {})
    events = AuditEvent.objects.count()

    again = gate.post(url, {})

    assert again.status_code == 409
    assert again.json()["error"] == "already_approved"
    assert "1 more approval" in again.json()["detail"]
    assert PromotionApproval.objects.filter(request=two_of_n).count() == 1
    assert AuditEvent.objects.count() == events
    assert (
        AuditEvent.objects.filter(action=AuditAction.PROMOTION_APPROVAL_ADDED).latest("id").summary
    ).endswith("(1 of 2 approvals)")


def test_the_inbox_no_longer_lists_a_request_for_whoever_approved_it(world, two_of_n, as_user):
    gate = as_user(world.gate_owner)
    gate.post(f"/api/v1/promotions/{two_of_n.pk}/approve/", {})

    assert gate.get("/api/v1/promotions/?waiting=true").json()["results"] == []
    other = as_user(second_gate_owner(world)).get("/api/v1/promotions/?waiting=true").json()
    (listed,) = other["results"]
    assert listed["id"] == two_of_n.pk
    assert [a["approver"] for a in listed["approvals"]] == ["gate"]
    assert listed["required_approvals"] == 2
