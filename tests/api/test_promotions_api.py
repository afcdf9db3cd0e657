"""The gate owner's journey over the API: inbox, checklist, tick, approve / reject; withdraw."""

import pytest
from django.utils import timezone

from mlteam.kernel.enums import Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry import services
from mlteam.registry.enums import PromotionState
from tests.factories import result_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(world):
    result_create(
        artifact=world.artifact, benchmark=world.benchmark, value=0.9, recorded_at=timezone.now()
    )
    return services.promotion_request(
        artifact=world.artifact, to_stage="staging", actor=world.member
    )


def test_inbox_filters(world, pending, as_user):
    gate = as_user(world.gate_owner)
    assert [p["id"] for p in gate.get("/api/v1/promotions/?waiting=true").json()["results"]] == [
        pending.pk
    ]
    assert gate.get("/api/v1/promotions/?mine=true").json()["results"] == []
    member = as_user(world.member)
    assert member.get("/api/v1/promotions/?waiting=true").json()["results"] == []
    assert [p["id"] for p in member.get("/api/v1/promotions/?mine=true").json()["results"]] == [
        pending.pk
    ]
    assert gate.get("/api/v1/promotions/?state=approved").json()["results"] == []
    assert len(gate.get("/api/v1/promotions/?model=intent&to_stage=staging").json()["results"]) == 1
    assert gate.get("/api/v1/promotions/?state=nonsense").status_code == 400


def test_detail_shows_the_evaluated_checklist(world, pending, as_user):
    body = as_user(world.reader).get(f"/api/v1/promotions/{pending.pk}/").json()
    manual, metric, card = body["checklist"]
    assert manual["kind"] == "manual" and manual["satisfied"] is False
    assert (
        metric["satisfied"] is True
        and metric["observed"] == 0.9
        and metric["benchmark"] == "accuracy"
    )
    assert card["satisfied"] is True


def test_tick_then_approve_moves_the_version(world, pending, as_user):
    gate = as_user(world.gate_owner)
    url = f"/api/v1/promotions/{pending.pk}/"
    not_yet = gate.post(url + "approve/", {})
    assert not_yet.status_code == 409 and not_yet.json()["error"] == "checklist_incomplete"
    no_evidence = gate.post(url + "checks/1/", {})
    assert no_evidence.json()["error"] == "evidence_required"
    machine = gate.post(url + "checks/2/", {"evidence": "x"})
    assert machine.json()["error"] == "not_manual"
    assert gate.post(url + "checks/9/", {"evidence": "x"}).status_code == 404
    ticked = gate.post(url + "checks/1/", {"evidence": "https://wiki/eval-review"})
    assert ticked.status_code == 200
    assert ticked.json()["checklist"][0]["ticked_by"] == "gate"
    approved = gate.post(url + "approve/", {"note": "looks good"})
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved" and approved.json()["decided_by"] == "gate"
    world.artifact.refresh_from_db()
    assert world.artifact.status == Stage.STAGING
    again = gate.post(url + "approve/", {})
    assert again.status_code == 409 and again.json()["error"] == "already_decided"


def test_untick(world, pending, as_user):
    gate = as_user(world.gate_owner)
    url = f"/api/v1/promotions/{pending.pk}/checks/1/"
    gate.post(url, {"evidence": "ok"})
    body = gate.post(url, {"ticked": False}).json()
    assert body["checklist"][0]["ticked"] is False


def test_four_eyes_and_roles_are_the_engines(world, pending, as_user):
    url = f"/api/v1/promotions/{pending.pk}/approve/"
    assert as_user(world.lead).post(url, {}).json()["error"] == "wrong_role"
    assert as_user(world.member).post(url, {}).json()["error"] == "wrong_role"
    pending.refresh_from_db()
    assert pending.state == PromotionState.PENDING


def test_reject_needs_a_reason(world, pending, as_user):
    gate = as_user(world.gate_owner)
    url = f"/api/v1/promotions/{pending.pk}/reject/"
    assert gate.post(url, {"reason": "  "}).json()["error"] == "reason_required"
    assert gate.post(url, {}).json()["error"] == "invalid"
    response = gate.post(url, {"reason": "accuracy regressed on long tickets"})
    assert response.json()["state"] == "rejected"
    assert response.json()["decision_note"] == "accuracy regressed on long tickets"
    world.artifact.refresh_from_db()
    assert world.artifact.status == Stage.EXPERIMENTAL


def test_withdraw(world, pending, as_user):
    url = f"/api/v1/promotions/{pending.pk}/withdraw/"
    assert as_user(world.gate_owner).post(url, {}).json()["error"] == "not_requester"
    assert as_user(world.member).post(url, {"note": "wrong build"}).json()["state"] == "withdrawn"
    assert AuditEvent.objects.filter(action="promotion.withdrawn").count() == 1
