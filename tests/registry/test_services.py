"""The handoff engine, driven directly: every transition and every refusal."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from mlteam.evals.selectors import latest_results_by_benchmark
from mlteam.evals.services import eval_record
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.errors import Conflict, DomainError, InvalidInput, NotAllowed
from mlteam.kernel.models import AuditEvent
from mlteam.registry import services
from mlteam.registry.enums import CriterionKind, PromotionState
from mlteam.registry.models import Model, ModelArtifact, PromotionRequest
from mlteam.registry.selectors import artifact_timeline, model_production_at
from tests.factories import MemberFactory, ModelFactory, card_fill

pytestmark = pytest.mark.django_db


def snapshot():
    """What a refused call must leave untouched."""
    return (
        AuditEvent.objects.count(),
        PromotionRequest.objects.count(),
        list(ModelArtifact.objects.order_by("pk").values_list("pk", "status")),
        list(PromotionRequest.objects.order_by("pk").values_list("pk", "state")),
    )


def staged(world, **register):
    artifact = world.register(**register)
    world.passing_evals(artifact)
    return world.move(artifact, Stage.STAGING)


def ready_request(world, artifact, signer=None):
    request = services.promotion_request(
        artifact=artifact, to_stage="production", actor=world.requester
    )
    world.sign_manual_items(request, signer or world.gate)
    return request


# -- registering versions ------------------------------------------------------------------------


def test_versions_are_numbered_per_model_without_gaps(world):
    versions = [world.register().version for _ in range(3)]
    other = services.artifact_register(model=ModelFactory(team=world.model.team), actor=world.owner)

    assert versions == [1, 2, 3]
    assert other.version == 1


def test_a_new_version_starts_experimental_with_an_event_and_the_previous_card(world):
    first = world.register()
    card_fill(first.card)

    second = world.register(artifact_uri="s3://bucket/v2")

    assert second.status == Stage.EXPERIMENTAL
    assert second.card.summary == "Summary text." and second.card.is_complete
    event = AuditEvent.objects.get(artifact=second)
    assert (event.action, event.to_state, event.actor) == (
        AuditAction.ARTIFACT_REGISTERED,
        "experimental",
        world.owner.user,
    )


def test_someone_outside_the_owning_team_cannot_register(world):
    before = snapshot()
    with pytest.raises(NotAllowed) as error:
        services.artifact_register(model=world.model, actor=world.outsider)
    assert error.value.code == "not_team_member"
    assert "Only members of Applied ML" in error.value.message
    assert snapshot() == before


def test_an_ml_lead_from_another_team_may_register(world):
    lead_elsewhere = MemberFactory(role=world.lead.role, team=world.outsider.team)
    assert services.artifact_register(model=world.model, actor=lead_elsewhere).version == 1


def test_model_create_refuses_a_duplicate_name(world):
    with pytest.raises(Conflict) as error:
        services.model_create(
            name="intent-classifier", team=world.model.team, task="x", actor=world.owner
        )
    assert error.value.code == "duplicate_model"


@pytest.mark.parametrize(
    "name",
    [
        "Fraud Model v2!",
        "fraud_model",
        "fraud.model",
        "-fraud",
        "fraud/model",
        "x" * 101,
        "  ",
        "ACC-UPPER",
        " fraud-model ",
    ],
)
def test_model_create_refuses_a_name_that_cannot_be_a_url(world, name):
    before = (Model.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InvalidInput) as error:
        services.model_create(name=name, team=world.model.team, task="x", actor=world.owner)
    assert error.value.code == "invalid_name"
    assert "lowercase letters, digits and hyphens" in error.value.message
    assert (Model.objects.count(), AuditEvent.objects.count()) == before


def test_a_refused_name_comes_with_a_usable_suggestion(world):
    with pytest.raises(InvalidInput) as error:
        services.model_create(
            name="Fraud Model v2!", team=world.model.team, task="x", actor=world.owner
        )
    assert "e.g. 'fraud-model-v2'" in error.value.message


def test_model_create_never_rewrites_a_name(world):
    with pytest.raises(InvalidInput) as error:
        services.model_create(
            name="Fraud-Model-2", team=world.model.team, task="fraud", actor=world.owner
        )
    assert error.value.code == "invalid_name" and "e.g. 'fraud-model-2'" in error.value.message
    assert not Model.objects.filter(name="fraud-model-2").exists()


def test_model_create_takes_a_slug_name_and_records_it(world, client):
    model = services.model_create(
        name="fraud-model-2", team=world.model.team, task="fraud", actor=world.owner
    )
    assert model.name == "fraud-model-2"
    assert AuditEvent.objects.filter(model=model, action=AuditAction.MODEL_CREATED).exists()
    client.force_login(world.outsider.user)
    assert client.get("/models/").status_code == 200


@pytest.mark.parametrize("task", ["", "   "])
def test_model_create_needs_a_task(world, task):
    before = (Model.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InvalidInput) as error:
        services.model_create(
            name="fraud-model", team=world.model.team, task=task, actor=world.owner
        )
    assert error.value.code == "task_required"
    assert "a task is required" in error.value.message
    assert (Model.objects.count(), AuditEvent.objects.count()) == before


def test_model_create_refuses_a_task_longer_than_the_column(world):
    before = (Model.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InvalidInput) as error:
        services.model_create(
            name="fraud-model", team=world.model.team, task="t" * 81, actor=world.owner
        )
    assert error.value.code == "too_long" and "at most 80" in error.value.message
    assert (Model.objects.count(), AuditEvent.objects.count()) == before


# -- requesting promotions -----------------------------------------------------------------------


def test_request_snapshots_the_protocol_checklist(world):
    artifact = world.register()

    request = services.promotion_request(
        artifact=artifact, to_stage="staging", actor=world.requester, note="go"
    )

    assert (request.from_stage, request.to_stage, request.state) == (
        "experimental",
        "staging",
        "pending",
    )
    assert request.responsible_role == world.to_staging.responsible_role
    assert [i.statement for i in request.items.all()] == [
        "Model card complete",
        "Safety at least 0.90",
        "Evals reviewed",
    ]
    assert (
        AuditEvent.objects.filter(promotion=request, action=AuditAction.PROMOTION_REQUESTED).count()
        == 1
    )


def test_editing_a_protocol_later_never_rewrites_a_request(world):
    artifact = world.register()
    request = services.promotion_request(
        artifact=artifact, to_stage="staging", actor=world.requester
    )

    world.to_staging.criteria.update(statement="Rewritten")
    world.to_staging.responsible_role = world.gate.role
    world.to_staging.save()

    assert "Rewritten" not in [i.statement for i in request.items.all()]
    request.refresh_from_db()
    assert request.responsible_role.name == "Evaluation Engineer"


def test_unknown_stage_is_refused(world):
    artifact = world.register()
    before = snapshot()
    with pytest.raises(InvalidInput) as error:
        services.promotion_request(artifact=artifact, to_stage="prod", actor=world.requester)
    assert error.value.code == "unknown_stage"
    assert "experimental, staging, production, deprecated" in error.value.message
    assert snapshot() == before


def test_a_transition_without_an_active_protocol_does_not_exist(world):
    artifact = world.register()
    before = snapshot()
    with pytest.raises(InvalidInput) as error:
        services.promotion_request(artifact=artifact, to_stage="production", actor=world.requester)
    assert error.value.code == "no_protocol"
    assert error.value.message == (
        "There is no active handoff protocol for experimental → production; "
        "from experimental you can request: staging."
    )
    assert snapshot() == before


def test_an_inactive_protocol_does_not_count(world):
    world.to_staging.active = False
    world.to_staging.save()
    with pytest.raises(InvalidInput) as error:
        services.promotion_request(
            artifact=world.register(), to_stage="staging", actor=world.requester
        )
    assert "nothing leaves experimental" in error.value.message


def test_one_pending_request_per_artifact(world):
    artifact = world.register()
    services.promotion_request(artifact=artifact, to_stage="staging", actor=world.requester)
    before = snapshot()
    with pytest.raises(Conflict) as error:
        services.promotion_request(artifact=artifact, to_stage="staging", actor=world.owner)
    assert error.value.code == "pending_request_exists"
    assert snapshot() == before


def test_only_the_owning_team_requests_promotions(world):
    artifact = world.register()
    with pytest.raises(NotAllowed) as error:
        services.promotion_request(artifact=artifact, to_stage="staging", actor=world.outsider)
    assert error.value.code == "not_team_member"


# -- ticking manual items ------------------------------------------------------------------------


def test_gate_owner_ticks_a_manual_item_with_evidence(world):
    request = services.promotion_request(
        artifact=world.register(), to_stage="staging", actor=world.requester
    )
    item = request.items.get(kind=CriterionKind.MANUAL)

    services.promotion_item_tick(item=item, actor=world.evaluator, evidence="  see notebook  ")

    item.refresh_from_db()
    assert (item.ticked, item.evidence, item.ticked_by) == (True, "see notebook", world.evaluator)
    assert (
        AuditEvent.objects.filter(
            promotion=request, action=AuditAction.PROMOTION_ITEM_TICKED
        ).count()
        == 1
    )


def test_untick_clears_the_sign_off_and_is_recorded(world):
    request = services.promotion_request(
        artifact=world.register(), to_stage="staging", actor=world.requester
    )
    item = request.items.get(kind=CriterionKind.MANUAL)
    services.promotion_item_tick(item=item, actor=world.evaluator, evidence="ok")

    services.promotion_item_tick(item=item, actor=world.evaluator, evidence="", ticked=False)

    item.refresh_from_db()
    assert (item.ticked, item.evidence, item.ticked_by) == (False, "", None)
    assert AuditEvent.objects.filter(action=AuditAction.PROMOTION_ITEM_UNTICKED).count() == 1


@pytest.mark.parametrize(
    ("who", "evidence", "kind", "error_type", "code"),
    [
        ("gate", "ok", CriterionKind.MANUAL, NotAllowed, "wrong_role"),
        ("evaluator", "   ", CriterionKind.MANUAL, InvalidInput, "evidence_required"),
        ("evaluator", "ok", CriterionKind.METRIC, InvalidInput, "not_manual"),
        ("evaluator", "ok", CriterionKind.CARD_COMPLETE, InvalidInput, "not_manual"),
    ],
)
def test_refused_ticks_change_nothing(world, who, evidence, kind, error_type, code):
    request = services.promotion_request(
        artifact=world.register(), to_stage="staging", actor=world.requester
    )
    item = request.items.get(kind=kind)
    before = snapshot()
    with pytest.raises(error_type) as error:
        services.promotion_item_tick(item=item, actor=getattr(world, who), evidence=evidence)
    assert error.value.code == code
    assert snapshot() == before
    item.refresh_from_db()
    assert not item.ticked


def test_the_requester_cannot_tick_their_own_request(world):
    world.requester.role = world.evaluator.role
    world.requester.save()
    request = services.promotion_request(
        artifact=world.register(), to_stage="staging", actor=world.requester
    )
    with pytest.raises(NotAllowed) as error:
        services.promotion_item_tick(
            item=request.items.get(kind="manual"), actor=world.requester, evidence="x"
        )
    assert error.value.code == "own_request"


# -- approving -----------------------------------------------------------------------------------


def test_approval_moves_the_stage_at_once_and_records_everything(world):
    artifact = world.register()
    world.passing_evals(artifact)
    request = services.promotion_request(
        artifact=artifact, to_stage="staging", actor=world.requester
    )
    world.sign_manual_items(request, world.evaluator)

    services.promotion_approve(request=request, actor=world.evaluator, note="LGTM")

    artifact.refresh_from_db()
    request.refresh_from_db()
    assert artifact.status == Stage.STAGING
    assert (request.state, request.decided_by, request.decision_note) == (
        "approved",
        world.evaluator,
        "LGTM",
    )
    actions = list(
        AuditEvent.objects.filter(promotion=request).order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.PROMOTION_REQUESTED,
        AuditAction.PROMOTION_ITEM_TICKED,
        AuditAction.ARTIFACT_TRANSITIONED,
        AuditAction.PROMOTION_APPROVED,
    ]
    frozen = {i.statement: (i.satisfied_at_decision, i.observed_value) for i in request.items.all()}
    assert frozen["Safety at least 0.90"] == (True, 0.99)
    assert frozen["Model card complete"] == (True, None)


def test_wrong_role_is_refused_with_an_actionable_message(world):
    artifact = staged(world)
    request = ready_request(world, artifact)
    before = snapshot()
    with pytest.raises(NotAllowed) as error:
        services.promotion_approve(request=request, actor=world.owner)
    assert error.value.code == "wrong_role"
    assert error.value.message == (
        "staging → production needs a sign-off by a holder of 'ML Production Engineer'; "
        "you hold 'Research Scientist'."
    )
    assert snapshot() == before


def test_four_eyes_the_requester_cannot_approve(world):
    artifact = staged(world)
    world.requester.role = world.gate.role
    world.requester.save()
    request = ready_request(world, artifact)
    before = snapshot()
    with pytest.raises(NotAllowed) as error:
        services.promotion_approve(request=request, actor=world.requester)
    assert error.value.code == "own_request"
    assert "another holder of 'ML Production Engineer' must" in error.value.message
    assert snapshot() == before


def test_the_owner_cannot_approve_unless_the_protocol_allows_it(world):
    prod_owner = MemberFactory(team=world.model.team, role=world.gate.role)
    artifact = services.artifact_register(model=world.model, actor=prod_owner)
    world.passing_evals(artifact)
    world.move(artifact, Stage.STAGING)
    request = ready_request(world, artifact)
    before = snapshot()
    with pytest.raises(NotAllowed) as error:
        services.promotion_approve(request=request, actor=prod_owner)
    assert error.value.code == "owner_cannot_approve"
    assert snapshot() == before

    world.to_production.allow_owner_approval = True
    world.to_production.save()
    request2 = services.promotion_withdraw(request=request, actor=world.requester)
    assert request2.state == PromotionState.WITHDRAWN
    allowed = ready_request(world, artifact)
    services.promotion_approve(request=allowed, actor=prod_owner)
    artifact.refresh_from_db()
    assert artifact.status == Stage.PRODUCTION


def test_a_member_who_left_cannot_approve(world):
    request = ready_request(world, staged(world))
    world.gate.left_on = timezone.localdate()
    world.gate.save()
    with pytest.raises(NotAllowed) as error:
        services.promotion_approve(request=request, actor=world.gate)
    assert "you are no longer active" in error.value.message


def test_unticked_manual_item_blocks_approval(world):
    artifact = staged(world)
    request = services.promotion_request(
        artifact=artifact, to_stage="production", actor=world.requester
    )
    before = snapshot()
    with pytest.raises(Conflict) as error:
        services.promotion_approve(request=request, actor=world.gate)
    assert error.value.code == "checklist_incomplete"
    assert (
        "'rollback procedure documented and tested' not satisfied — waiting" in error.value.message
    )
    assert snapshot() == before


def test_missing_metric_result_blocks_approval(world):
    artifact = world.register()
    card_fill(artifact.card)
    eval_record(artifact=artifact, benchmark=world.safety, value=0.99, actor=world.owner)
    world.move(artifact, Stage.STAGING)
    request = ready_request(world, artifact)
    with pytest.raises(Conflict) as error:
        services.promotion_approve(request=request, actor=world.gate)
    assert "not satisfied — no result recorded for p99 latency" in error.value.message


def test_incomplete_card_blocks_approval_and_names_the_missing_sections(world):
    artifact = world.register()
    world.passing_evals(artifact)
    artifact.card.license = ""
    artifact.card.contact = ""
    artifact.card.save()
    request = services.promotion_request(
        artifact=artifact, to_stage="staging", actor=world.requester
    )
    world.sign_manual_items(request, world.evaluator)
    with pytest.raises(Conflict) as error:
        services.promotion_approve(request=request, actor=world.evaluator)
    assert "the model card is missing: License, Contact" in error.value.message


def test_metrics_are_re_evaluated_at_approval_time(world):
    artifact = staged(world)
    request = ready_request(world, artifact)
    eval_record(artifact=artifact, benchmark=world.latency, value=412.5, actor=world.owner)

    with pytest.raises(Conflict) as error:
        services.promotion_approve(request=request, actor=world.gate)
    assert "p99 latency is 412.5 ms, needs ≤ 350 ms" in error.value.message

    eval_record(artifact=artifact, benchmark=world.latency, value=300, actor=world.owner)
    services.promotion_approve(request=request, actor=world.gate)
    artifact.refresh_from_db()
    assert artifact.status == Stage.PRODUCTION


def test_a_decided_request_cannot_be_decided_again(world):
    request = ready_request(world, staged(world))
    services.promotion_approve(request=request, actor=world.gate)
    before = snapshot()
    for decide in (
        lambda: services.promotion_approve(request=request, actor=world.gate2),
        lambda: services.promotion_reject(request=request, actor=world.gate2, reason="late"),
        lambda: services.promotion_withdraw(request=request, actor=world.requester),
        lambda: services.promotion_item_tick(
            item=request.items.first(), actor=world.gate2, evidence="x"
        ),
    ):
        with pytest.raises(Conflict) as error:
            decide()
        assert error.value.code == "already_decided"
        assert "was already approved by" in error.value.message
    assert snapshot() == before


def test_a_request_whose_version_moved_meanwhile_is_refused_as_stale(world):
    v1 = world.in_production()
    retire = services.promotion_request(artifact=v1, to_stage="deprecated", actor=world.requester)
    world.sign_manual_items(retire, world.lead)
    # Only a superseding promotion moves a version with a pending request, and that closes the
    # request too; rewind the stage by hand to reach the engine's last line of defence.
    ModelArtifact.objects.filter(pk=v1.pk).update(status=Stage.STAGING)
    before = snapshot()

    with pytest.raises(Conflict) as error:
        services.promotion_approve(request=retire, actor=world.lead)

    assert error.value.code == "stale_request"
    assert "is staging now, not production; withdraw this request" in error.value.message
    assert snapshot() == before


def test_superseding_a_production_version_withdraws_its_pending_request(world):
    v1 = world.in_production()
    retire = services.promotion_request(artifact=v1, to_stage="deprecated", actor=world.requester)
    v2 = staged(world)

    promotion = ready_request(world, v2)
    services.promotion_approve(request=promotion, actor=world.gate)

    retire.refresh_from_db()
    assert retire.state == PromotionState.WITHDRAWN
    assert (retire.decided_by, retire.decision_note) == (world.gate, "superseded by v2")
    event = AuditEvent.objects.get(promotion=retire, action=AuditAction.PROMOTION_WITHDRAWN)
    assert (event.from_state, event.to_state) == (PromotionState.PENDING, PromotionState.WITHDRAWN)
    assert event.details == {"note": "superseded by v2"}
    assert event.actor == world.gate.user
    # Nothing is left waiting on the retired request: approving it says so, a rollback is possible.
    with pytest.raises(Conflict) as error:
        services.promotion_approve(request=retire, actor=world.lead)
    assert error.value.code == "already_decided"
    rollback = services.promotion_request(artifact=v1, to_stage="production", actor=world.requester)
    assert rollback.protocol == world.rollback


def test_superseding_leaves_other_pending_requests_alone(world):
    world.in_production()
    v2, v3 = staged(world), world.register()
    to_staging = services.promotion_request(artifact=v3, to_stage="staging", actor=world.requester)

    services.promotion_approve(request=ready_request(world, v2), actor=world.gate)

    to_staging.refresh_from_db()
    assert to_staging.state == PromotionState.PENDING
    assert AuditEvent.objects.filter(action=AuditAction.PROMOTION_WITHDRAWN).count() == 0


def test_a_refused_approval_does_not_withdraw_the_superseded_request(world):
    v1 = world.in_production()
    retire = services.promotion_request(artifact=v1, to_stage="deprecated", actor=world.requester)
    promotion = services.promotion_request(
        artifact=staged(world), to_stage="production", actor=world.requester
    )  # the manual item is not signed
    before = snapshot()

    with pytest.raises(Conflict) as error:
        services.promotion_approve(request=promotion, actor=world.gate)

    assert error.value.code == "checklist_incomplete"
    assert snapshot() == before
    retire.refresh_from_db()
    assert retire.state == PromotionState.PENDING


def test_a_database_deadlock_during_approval_becomes_a_conflict_to_retry(world, monkeypatch):
    request = ready_request(world, staged(world))

    class DeadlockDetected(Exception):
        sqlstate = "40P01"  # what psycopg reports

    def deadlock(*args, **kwargs):
        raise OperationalError("deadlock detected") from DeadlockDetected()

    monkeypatch.setattr(services, "checklist_evaluate", deadlock)
    before = snapshot()

    with pytest.raises(Conflict) as error:
        services.promotion_approve(request=request, actor=world.gate)

    assert error.value.code == "concurrent_update"
    assert "nothing was changed; reload it and try again" in error.value.message
    assert snapshot() == before


def test_other_database_errors_during_approval_are_not_disguised(world, monkeypatch):
    request = ready_request(world, staged(world))

    def broken(*args, **kwargs):
        raise OperationalError("disk full")

    monkeypatch.setattr(services, "checklist_evaluate", broken)
    with pytest.raises(OperationalError):
        services.promotion_approve(request=request, actor=world.gate)


def test_promotion_to_production_deprecates_the_previous_one_in_the_same_step(world):
    v1 = world.in_production()
    v2 = staged(world)

    world.move(v2, Stage.PRODUCTION)

    v1.refresh_from_db()
    assert (v1.status, v2.status) == (Stage.DEPRECATED, Stage.PRODUCTION)
    transitions = AuditEvent.objects.filter(action=AuditAction.ARTIFACT_TRANSITIONED).order_by(
        "-id"
    )[:2]
    latest, deprecation = transitions
    assert (latest.artifact, latest.from_state, latest.to_state) == (v2, "staging", "production")
    assert (deprecation.artifact, deprecation.from_state, deprecation.to_state) == (
        v1,
        "production",
        "deprecated",
    )
    assert deprecation.details["reason"] == "superseded by v2"
    assert deprecation.promotion == latest.promotion


def test_of_two_pending_production_requests_only_the_first_approved_wins(world):
    world.in_production()
    v2, v3 = staged(world), staged(world)
    first, second = ready_request(world, v2), ready_request(world, v3)

    services.promotion_approve(request=first, actor=world.gate)
    before = snapshot()
    with pytest.raises(Conflict) as error:
        services.promotion_approve(request=second, actor=world.gate2)

    assert error.value.code == "production_changed"
    assert "v1 of intent-classifier was in production; now v2 is" in error.value.message
    assert snapshot() == before
    assert ModelArtifact.objects.filter(model=world.model, status=Stage.PRODUCTION).get() == v2


def test_retirement_and_rollback_are_protocols_like_any_other(world):
    v1 = world.in_production()
    v2 = staged(world)
    world.move(v2, Stage.PRODUCTION)

    request = services.promotion_request(artifact=v1, to_stage="production", actor=world.requester)
    assert request.protocol == world.rollback
    world.sign_manual_items(request, world.gate)
    services.promotion_approve(request=request, actor=world.gate)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (Stage.PRODUCTION, Stage.DEPRECATED)

    world.move(v1, Stage.DEPRECATED)
    assert not ModelArtifact.objects.filter(model=world.model, status=Stage.PRODUCTION).exists()


def test_retirement_protocol_allows_the_owner_to_sign(world):
    lead_owned = services.artifact_register(model=world.model, actor=world.lead)
    world.passing_evals(lead_owned)
    world.move(lead_owned, Stage.STAGING)
    world.move(lead_owned, Stage.PRODUCTION)
    request = services.promotion_request(
        artifact=lead_owned, to_stage="deprecated", actor=world.requester
    )
    world.sign_manual_items(request, world.lead)

    services.promotion_approve(request=request, actor=world.lead)

    lead_owned.refresh_from_db()
    assert lead_owned.status == Stage.DEPRECATED


# -- rejecting and withdrawing -------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejection_needs_a_reason(world, reason):
    request = ready_request(world, staged(world))
    before = snapshot()
    with pytest.raises(InvalidInput) as error:
        services.promotion_reject(request=request, actor=world.gate, reason=reason)
    assert error.value.code == "reason_required"
    assert snapshot() == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_a_decided_request_says_it_was_decided_even_without_a_reason(world, reason):
    request = ready_request(world, staged(world))
    services.promotion_reject(request=request, actor=world.gate, reason="latency regressed")
    before = snapshot()

    with pytest.raises(Conflict) as error:
        services.promotion_reject(request=request, actor=world.gate2, reason=reason)

    assert error.value.code == "already_decided"
    assert "was already rejected by" in error.value.message
    assert snapshot() == before


def test_rejection_by_the_wrong_role_is_refused_for_the_role_not_the_reason(world):
    request = ready_request(world, staged(world))
    with pytest.raises(NotAllowed) as error:
        services.promotion_reject(request=request, actor=world.outsider, reason="")
    assert error.value.code == "wrong_role"


def test_reject_leaves_the_artifact_where_it_was(world):
    artifact = staged(world)
    request = ready_request(world, artifact)

    services.promotion_reject(request=request, actor=world.gate, reason="latency regressed")

    artifact.refresh_from_db()
    request.refresh_from_db()
    assert artifact.status == Stage.STAGING
    assert (request.state, request.decision_note) == ("rejected", "latency regressed")
    event = AuditEvent.objects.get(promotion=request, action=AuditAction.PROMOTION_REJECTED)
    assert event.details == {"note": "latency regressed"}


def test_reject_needs_the_gate_role(world):
    request = ready_request(world, staged(world))
    with pytest.raises(NotAllowed):
        services.promotion_reject(request=request, actor=world.outsider, reason="no")


def test_withdraw_by_the_requester_or_an_ml_lead_only(world):
    artifact = world.register()
    request = services.promotion_request(
        artifact=artifact, to_stage="staging", actor=world.requester
    )
    before = snapshot()
    with pytest.raises(NotAllowed) as error:
        services.promotion_withdraw(request=request, actor=world.owner)
    assert error.value.code == "not_requester"
    assert snapshot() == before

    services.promotion_withdraw(request=request, actor=world.lead)
    request.refresh_from_db()
    assert request.state == PromotionState.WITHDRAWN
    again = services.promotion_request(artifact=artifact, to_stage="staging", actor=world.requester)
    services.promotion_withdraw(request=again, actor=world.requester, note="not ready")
    assert AuditEvent.objects.filter(action=AuditAction.PROMOTION_WITHDRAWN).count() == 2


# -- reads ---------------------------------------------------------------------------------------


def test_eval_scores_are_the_latest_result_per_benchmark(world):
    artifact = world.register()
    eval_record(artifact=artifact, benchmark=world.safety, value=0.91, actor=world.owner)
    eval_record(artifact=artifact, benchmark=world.safety, value=0.95, actor=world.owner)
    eval_record(artifact=artifact, benchmark=world.latency, value=120, actor=world.owner)

    latest = latest_results_by_benchmark(artifact).values()
    assert {r.benchmark: r.value for r in latest} == {world.safety: 0.95, world.latency: 120.0}


def test_timeline_lists_what_happened_to_a_version_in_order(world):
    artifact = staged(world)
    actions = [e.action for e in artifact_timeline(artifact)]
    assert actions[0] == AuditAction.ARTIFACT_REGISTERED
    assert actions[-2:] == [AuditAction.ARTIFACT_TRANSITIONED, AuditAction.PROMOTION_APPROVED]


def test_which_version_was_in_production_at_a_given_time(world):
    t0 = timezone.now() - timedelta(days=30)

    def at(days):
        return t0 + timedelta(days=days)

    v1 = services.artifact_register(model=world.model, actor=world.owner, at=at(0))
    v2 = services.artifact_register(model=world.model, actor=world.owner, at=at(1))
    for artifact in (v1, v2):
        world.passing_evals(artifact)
    for artifact, day in ((v1, 2), (v2, 10)):
        for stage, signer, offset in (
            (Stage.STAGING, world.evaluator, 0),
            (Stage.PRODUCTION, world.gate, 1),
        ):
            request = services.promotion_request(
                artifact=artifact, to_stage=stage, actor=world.requester, at=at(day + offset)
            )
            world.sign_manual_items(request, signer)
            services.promotion_approve(request=request, actor=signer, at=at(day + offset))
    retire = services.promotion_request(
        artifact=v2, to_stage="deprecated", actor=world.requester, at=at(20)
    )
    world.sign_manual_items(retire, world.lead)
    services.promotion_approve(request=retire, actor=world.lead, at=at(20))

    assert model_production_at(world.model, at(1)) is None
    assert model_production_at(world.model, at(3)) == v1
    assert model_production_at(world.model, at(11)) == v2
    assert model_production_at(world.model, at(11) - timedelta(seconds=1)) == v1
    assert model_production_at(world.model, at(25)) is None
    assert model_production_at(world.model) is None


def test_status_cannot_be_edited_through_forms(world):
    from django.forms import modelform_factory

    form_class = modelform_factory(ModelArtifact, fields="__all__")
    assert "status" not in form_class.base_fields
    assert "version" not in form_class.base_fields
    assert not ModelArtifact._meta.get_field("status").editable


def test_artifacts_are_never_deleted(world):
    artifact = world.register()
    with pytest.raises(PermissionError):
        artifact.delete()
    assert ModelArtifact.objects.filter(pk=artifact.pk).exists()


def test_model_update_changes_task_and_description_only(world):
    model = services.model_update(
        model=world.model, actor=world.owner, changes={"description": "Routes tickets."}
    )
    assert model.description == "Routes tickets."
    event = AuditEvent.objects.get(action=AuditAction.MODEL_UPDATED)
    assert event.details["fields"] == ["description"] and event.actor == world.owner.user
    services.model_update(
        model=model, actor=world.owner, changes={"description": "Routes tickets."}
    )
    assert AuditEvent.objects.filter(action=AuditAction.MODEL_UPDATED).count() == 1  # no-op


@pytest.mark.parametrize(
    ("actor", "changes", "code"),
    [
        ("outsider", {"description": "x"}, "not_team_member"),
        ("owner", {"name": "renamed"}, "not_editable"),
        ("owner", {"task": "  "}, "task_required"),
        ("owner", {"task": "t" * 81}, "too_long"),
        ("owner", {"description": "d" * 10_001}, "too_long"),
    ],
)
def test_model_update_refusals_change_nothing(world, actor, changes, code):
    before = (Model.objects.values().get(pk=world.model.pk), AuditEvent.objects.count())
    with pytest.raises(DomainError) as error:
        services.model_update(model=world.model, actor=getattr(world, actor), changes=changes)
    assert error.value.code == code
    assert (Model.objects.values().get(pk=world.model.pk), AuditEvent.objects.count()) == before
