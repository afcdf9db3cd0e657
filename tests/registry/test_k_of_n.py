"""K-of-N sign-off: a protocol may require several distinct gate owners to approve.

Each approval is a ``PromotionApproval`` with the checklist verdicts of its moment; the request is
approved (and the version moves) when the K-th lands, in the same transaction."""

import pytest

from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed
from mlteam.kernel.models import AuditEvent
from mlteam.registry import configuration, rules, services
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import ModelArtifact, PromotionApproval, PromotionRequest
from mlteam.registry.selectors import promotion_for_page, promotions_waiting_for
from tests.factories import MemberFactory
from tests.registry.test_concurrency import race

pytestmark = pytest.mark.django_db


def require(world, k: int) -> None:
    configuration.protocol_update(
        protocol=world.to_production, actor=world.lead, changes={"required_approvals": k}
    )


def third_gate_owner(world):
    return MemberFactory(user__username="gate3", team=world.gate.team, role=world.gate.role)


def test_the_request_snapshots_how_many_approvals_the_protocol_requires(world):
    require(world, 2)
    request = world.production_request()
    require(world, 3)  # a later edit shapes later requests only

    request.refresh_from_db()
    assert request.required_approvals == 2


def test_the_first_of_two_approvals_is_recorded_and_leaves_the_request_pending(world):
    require(world, 2)
    request = world.production_request()

    services.promotion_approve(request=request, actor=world.gate, note="looks good")

    request.refresh_from_db()
    assert request.state == PromotionState.PENDING
    assert request.artifact.status == Stage.STAGING
    approval = PromotionApproval.objects.get(request=request)
    assert (approval.approver, approval.note) == (world.gate, "looks good")
    assert [v["satisfied"] for v in approval.verdicts] == [True] * request.items.count()
    assert approval.verdicts[0]["item"] == 1
    event = AuditEvent.objects.filter(promotion=request).latest("id")
    assert event.action == AuditAction.PROMOTION_APPROVAL_ADDED
    assert "1 of 2 approvals" in event.summary
    assert (event.details["approvals"], event.details["required_approvals"]) == (1, 2)
    assert not AuditEvent.objects.filter(
        promotion=request, action=AuditAction.PROMOTION_APPROVED
    ).exists()


def test_the_second_approval_approves_and_moves_the_version_at_once(world):
    require(world, 2)
    request = world.production_request()
    services.promotion_approve(request=request, actor=world.gate)

    services.promotion_approve(request=request, actor=world.gate2, note="second pair of eyes")

    request.refresh_from_db()
    artifact = ModelArtifact.objects.get(pk=request.artifact_id)
    assert request.state == PromotionState.APPROVED
    assert (request.decided_by, request.decision_note) == (world.gate2, "second pair of eyes")
    assert artifact.status == Stage.PRODUCTION
    approvers = list(request.approvals.order_by("at", "id").values_list("approver", flat=True))
    assert approvers == [world.gate.pk, world.gate2.pk]
    actions = list(
        AuditEvent.objects.filter(promotion=request).order_by("id").values_list("action", flat=True)
    )
    assert actions[-3:] == [
        AuditAction.PROMOTION_APPROVAL_ADDED,
        AuditAction.ARTIFACT_TRANSITIONED,
        AuditAction.PROMOTION_APPROVED,
    ]
    approved = AuditEvent.objects.get(promotion=request, action=AuditAction.PROMOTION_APPROVED)
    assert "2 of 2 approvals" in approved.summary


def test_a_single_approval_gate_still_approves_at_once_and_records_the_approval(world):
    request = world.production_request()

    services.promotion_approve(request=request, actor=world.gate)

    request.refresh_from_db()
    assert request.state == PromotionState.APPROVED
    assert request.approvals.get().approver == world.gate
    assert not AuditEvent.objects.filter(action=AuditAction.PROMOTION_APPROVAL_ADDED).exists()


def test_the_same_approver_twice_is_refused_and_changes_nothing(world):
    require(world, 2)
    request = world.production_request()
    services.promotion_approve(request=request, actor=world.gate)
    events = AuditEvent.objects.count()

    with pytest.raises(Conflict) as refused:
        services.promotion_approve(request=request, actor=world.gate)

    assert refused.value.code == "already_approved"
    assert "1 more approval by other holders of 'ML Production Engineer'" in str(
        refused.value.message
    )
    assert PromotionApproval.objects.filter(request=request).count() == 1
    assert AuditEvent.objects.count() == events


def test_requester_and_owner_never_count_among_the_approvals(world):
    require(world, 2)
    request = world.production_request()
    # The requester and the version's owner hold the gate's role too, yet cannot approve.
    PromotionRequest.objects.filter(pk=request.pk).update(requested_by=world.gate2)
    ModelArtifact.objects.filter(pk=request.artifact_id).update(owner=world.gate)

    for who, code in ((world.gate2, "own_request"), (world.gate, "owner_cannot_approve")):
        with pytest.raises(NotAllowed) as refused:
            services.promotion_approve(
                request=PromotionRequest.objects.get(pk=request.pk), actor=who
            )
        assert refused.value.code == code
    assert not PromotionApproval.objects.filter(request=request).exists()


def test_a_checklist_reopened_after_the_first_approval_blocks_the_next(world):
    require(world, 2)
    request = world.production_request()
    services.promotion_approve(request=request, actor=world.gate)
    item = request.items.filter(kind="manual").first()
    services.promotion_item_tick(item=item, actor=world.gate, evidence="", ticked=False)

    with pytest.raises(Conflict) as refused:
        services.promotion_approve(request=request, actor=world.gate2)

    assert refused.value.code == "checklist_incomplete"
    # The first approval keeps the verdicts it was given.
    assert all(v["satisfied"] for v in request.approvals.get().verdicts)


def test_the_inbox_and_the_page_drop_a_request_for_whoever_approved_it(world):
    require(world, 2)
    request = world.production_request()
    assert promotions_waiting_for(world.gate).filter(pk=request.pk).exists()

    services.promotion_approve(request=request, actor=world.gate)

    assert not promotions_waiting_for(world.gate).filter(pk=request.pk).exists()
    assert promotions_waiting_for(world.gate2).filter(pk=request.pk).exists()
    page = promotion_for_page(request.pk)
    assert rules.may_decide(page, world.gate).code == "already_approved"
    assert rules.may_decide(page, world.gate2) is None
    assert rules.approvals_still_needed(page) == 1
    assert world.gate not in rules.gate_owners_of(page)
    assert world.gate2 in rules.gate_owners_of(page)


@pytest.mark.parametrize("value", [0, -1, 11, "2", 1.5, True, None])
def test_required_approvals_must_be_a_whole_number_from_one_to_ten(world, value):
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        require(world, value)
    assert refused.value.code == "invalid_required_approvals"
    world.to_production.refresh_from_db()
    assert world.to_production.required_approvals == 1
    assert AuditEvent.objects.count() == before


def test_changing_required_approvals_is_an_audited_configuration_change(world):
    require(world, 3)

    event = AuditEvent.objects.filter(action=AuditAction.PROTOCOL_CHANGED).latest("id")
    assert "required_approvals" in str(event.details)
    world.to_production.refresh_from_db()
    assert world.to_production.required_approvals == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_approvers_racing_for_the_second_approval_leave_one_winner(world, attempt):
    require(world, 2)
    request = world.production_request()
    services.promotion_approve(request=request, actor=world.gate)
    third = third_gate_owner(world)

    results, errors = race(
        [
            lambda who=who: services.promotion_approve(
                request=PromotionRequest.objects.get(pk=request.pk), actor=who
            )
            for who in (world.gate2, third)
        ]
    )

    winners = [r for r in results if r is not None]
    assert len(winners) == 1, errors
    (error,) = [e for e in errors if e is not None]
    assert isinstance(error, Conflict) and error.code in {"already_decided", "concurrent_update"}
    request.refresh_from_db()
    assert request.state == PromotionState.APPROVED
    assert request.approvals.count() == 2
    assert ModelArtifact.objects.get(pk=request.artifact_id).status == Stage.PRODUCTION
    assert (
        AuditEvent.objects.filter(promotion=request, action=AuditAction.PROMOTION_APPROVED).count()
        == 1
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_approver_racing_themselves_is_counted_once(world):
    require(world, 2)
    request = world.production_request()

    results, errors = race(
        [
            lambda: services.promotion_approve(
                request=PromotionRequest.objects.get(pk=request.pk), actor=world.gate
            )
            for _ in range(2)
        ]
    )

    assert sum(r is not None for r in results) == 1, errors
    (error,) = [e for e in errors if e is not None]
    assert isinstance(error, Conflict) and error.code in {"already_approved", "concurrent_update"}
    request.refresh_from_db()
    assert request.state == PromotionState.PENDING
    assert request.approvals.count() == 1
