"""The handoff engine: the only code that creates versions and changes their stage.

Every interface (pages, admin, API, CLI, management commands) calls these functions. Each runs
in one transaction and writes its AuditEvent(s) inside it; refusals raise a DomainError and
change nothing. ``at`` lets the demo seeder replay history at past dates; it defaults to now.
Registering models and versions lives in ``registration.py`` and is part of this interface.
"""

__all__ = [
    "artifact_register",
    "artifact_update",
    "model_create",
    "model_update",
    "promotion_approve",
    "promotion_item_tick",
    "promotion_reject",
    "promotion_request",
    "promotion_withdraw",
    "protocols_from",
]

from datetime import datetime

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from mlteam.kernel import limits
from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.errors import Conflict, InvalidInput
from mlteam.registry import rules
from mlteam.registry.enums import CriterionKind, PromotionState
from mlteam.registry.gates import checklist_evaluate
from mlteam.registry.models import (
    ChecklistItem,
    HandoffProtocol,
    Model,
    ModelArtifact,
    PromotionApproval,
    PromotionRequest,
    StageTransition,
)
from mlteam.registry.registration import (
    artifact_register,
    artifact_update,
    model_create,
    model_update,
)
from mlteam.roster.models import MLTeamMember


def protocols_from(stage: str):
    return HandoffProtocol.objects.filter(from_stage=stage, active=True).select_related(
        "responsible_role"
    )


def _stage(value: str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        choices = ", ".join(Stage.values)
        raise InvalidInput(
            "unknown_stage", f"'{value}' is not a stage; use one of: {choices}."
        ) from None


def promotion_request(
    *,
    artifact: ModelArtifact,
    to_stage: str,
    actor: MLTeamMember,
    note: str = "",
    at: datetime | None = None,
) -> PromotionRequest:
    """Ask for ``artifact`` to move to ``to_stage`` through the matching active protocol.

    The protocol's criteria are copied into the request's checklist, so a later edit of the
    protocol never rewrites this request. Side effects: AuditEvent ``promotion.requested``.
    """
    target = _stage(to_stage)
    limits.require_max_length("note", note, limits.NOTE)
    _refuse(rules.may_request(artifact, actor))
    at = at or timezone.now()
    with transaction.atomic():
        _lock_model(artifact.model_id)
        artifact = (
            ModelArtifact.objects.select_for_update(of=("self",), no_key=True)
            .select_related("model")
            .get(pk=artifact.pk)
        )
        protocol = _protocol_for(artifact.status, target)
        pending = artifact.promotions.filter(state=PromotionState.PENDING).first()
        if pending is not None:
            raise Conflict(
                "pending_request_exists",
                f"{artifact} already has a pending request (#{pending.pk}, "
                f"{pending.from_stage} → {pending.to_stage}); withdraw it or wait for its decision.",
            )
        replaces = None
        if target == Stage.PRODUCTION:
            replaces = artifact.model.artifacts.filter(status=Stage.PRODUCTION).first()
        try:
            with transaction.atomic():
                request = PromotionRequest.objects.create(
                    artifact=artifact,
                    protocol=protocol,
                    from_stage=artifact.status,
                    to_stage=target,
                    responsible_role=protocol.responsible_role,
                    allow_owner_approval=protocol.allow_owner_approval,
                    required_approvals=protocol.required_approvals,
                    replaces=replaces,
                    requested_by=actor,
                    requested_at=at,
                    note=note,
                )
        except IntegrityError:
            raise Conflict(
                "pending_request_exists",
                f"{artifact} already has a pending request; withdraw it or wait for its decision.",
            ) from None
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                request=request,
                position=position,
                kind=criterion.kind,
                statement=criterion.statement,
                benchmark_id=criterion.benchmark_id,
                comparator=criterion.comparator,
                threshold=criterion.threshold,
            )
            for position, criterion in enumerate(protocol.criteria.order_by("position", "id"), 1)
        )
        audit_record(
            action=AuditAction.PROMOTION_REQUESTED,
            summary=f"{actor} requested {artifact} {artifact.status} → {target}",
            actor=actor.user,
            at=at,
            from_state=artifact.status,
            to_state=target,
            artifact=artifact,
            promotion=request,
            details={"protocol": protocol.name, "note": note},
        )
    return request


def _protocol_for(from_stage: str, to_stage: str) -> HandoffProtocol:
    protocol = protocols_from(from_stage).filter(to_stage=to_stage).first()
    if protocol is None:
        possible = [p.to_stage for p in protocols_from(from_stage)]
        hint = (
            f"from {from_stage} you can request: {', '.join(possible)}"
            if possible
            else (f"nothing leaves {from_stage}")
        )
        raise InvalidInput(
            "no_protocol",
            f"There is no active handoff protocol for {from_stage} → {to_stage}; {hint}.",
        )
    return protocol


def _refuse(refusal) -> None:
    """Raise the refusal a rule (``rules.py``) returned, if any."""
    if refusal is not None:
        raise refusal


def _lock_model(model_id: int) -> Model:
    """Lock the model row, the first lock of every request and approval.

    One order for everyone — model, then request, then version rows, then the requests an approval
    closes — so two decisions on one model queue here instead of waiting on each other in a
    circle (a deadlock). The lock is FOR NO KEY UPDATE: it still excludes every other approval,
    but lets a tick or withdrawal that already holds a request row add its audit row (a foreign
    key to this model) instead of waiting for us while we wait for its request.
    """
    return Model.objects.select_for_update(no_key=True).get(pk=model_id)


def _lock_pending(request: PromotionRequest) -> PromotionRequest:
    """Re-read the request under a row lock; refuse if it was decided meanwhile.

    Only the request row is locked (``of``), not the rows it joins: the model and versions are
    locked separately, in the order ``_lock_model`` describes.
    """
    locked = (
        PromotionRequest.objects.select_for_update(of=("self",))
        .select_related("artifact__model__team", "responsible_role", "requested_by__user")
        .get(pk=request.pk)
    )
    _refuse(rules.still_pending(locked))
    return locked


def promotion_item_tick(
    *,
    item: ChecklistItem,
    actor: MLTeamMember,
    evidence: str,
    ticked: bool = True,
    at: datetime | None = None,
) -> ChecklistItem:
    """A gate owner confirms (or withdraws confirmation of) a manual checklist item.

    Evidence (text or a link) is required to tick. Side effects: AuditEvent
    ``promotion.item_ticked`` or ``promotion.item_unticked``.
    """
    at = at or timezone.now()
    evidence = limits.require_max_length("evidence", (evidence or "").strip(), limits.NOTE)
    with transaction.atomic():
        request = _lock_pending(item.request)
        item = request.items.select_for_update().get(pk=item.pk)
        if item.kind != CriterionKind.MANUAL:
            raise InvalidInput(
                "not_manual",
                f"'{item.statement}' is checked by the system; only manual items are ticked.",
            )
        _refuse(rules.may_tick(request, actor))
        if ticked and not evidence:
            raise InvalidInput(
                "evidence_required",
                f"Add evidence (a sentence or a link) for '{item.statement}' before ticking it.",
            )
        item.ticked = ticked
        item.evidence = evidence if ticked else ""
        item.ticked_by = actor if ticked else None
        item.ticked_at = at if ticked else None
        item.save(update_fields=["ticked", "evidence", "ticked_by", "ticked_at"])
        audit_record(
            action=AuditAction.PROMOTION_ITEM_TICKED
            if ticked
            else AuditAction.PROMOTION_ITEM_UNTICKED,
            summary=f"{actor} {'signed' if ticked else 'unsigned'} '{item.statement}' on #{request.pk}",
            actor=actor.user,
            at=at,
            artifact=request.artifact,
            promotion=request,
            details={"item": item.position, "statement": item.statement, "evidence": evidence},
        )
    return item


def promotion_approve(
    *, request: PromotionRequest, actor: MLTeamMember, note: str = "", at: datetime | None = None
) -> PromotionRequest:
    """Add the actor's approval to a pending request; the K-th approval (``required_approvals``,
    distinct gate owners) approves it and moves its artifact to the target stage at once.

    Refuses unless the actor holds the protocol's role, is not the requester, is not the
    artifact's owner (unless the protocol allows it), has not approved it already, and every
    checklist item is satisfied — metric items re-evaluated now. Each approval is a
    ``PromotionApproval`` row with the checklist verdicts of that moment. Promoting to
    production deprecates the model's previous production version in the same transaction and
    withdraws that version's own pending request ("superseded by vN"). Side effects: an
    approval that leaves the gate short writes AuditEvent ``promotion.approval_added`` and
    nothing else; the completing one writes ``artifact.transitioned`` (one per moved version),
    ``promotion.withdrawn`` (for a superseded request) and ``promotion.approved``.
    """
    at = at or timezone.now()
    limits.require_max_length("note", note, limits.NOTE)
    try:
        with transaction.atomic():
            return _approve(request, actor, note, at)
    except OperationalError as error:
        if not _lost_lock_race(error):
            raise
        raise Conflict(
            "concurrent_update",
            f"Another decision on this model was being saved at the same moment, so request "
            f"#{request.pk} was not approved and nothing was changed; reload it and try again.",
        ) from None


# PostgreSQL's deadlock_detected and serialization_failure: the database gave up on this
# transaction because of another one; doing it again is safe.
RETRYABLE_SQLSTATES = {"40P01", "40001"}


def _lost_lock_race(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in RETRYABLE_SQLSTATES


def _approve(request, actor, note, at) -> PromotionRequest:
    # The lock order of every approval (see _lock_model): model, request, versions.
    _lock_model(_model_id_of(request))
    request = _lock_pending(request)
    # Under the request's lock nobody else adds an approval, so this list is the whole of it.
    prefetch_related_objects([request], "approvals")
    # Who signs is settled before the versions are locked; the checklist is read after.
    _refuse(rules.may_decide(request, actor))
    artifact = (
        ModelArtifact.objects.select_for_update(of=("self",), no_key=True)
        .select_related("model")
        .get(pk=request.artifact_id)
    )
    checks = checklist_evaluate(request)
    _refuse(rules.may_approve(request, actor, checks, artifact=artifact))
    count = _record_approval(request, actor, note, at, checks)
    if count < request.required_approvals:
        _audit_partial_approval(request, artifact, actor, note, at, checks, count)
        return request
    return _complete_approval(request, artifact, actor, note, at, checks, count)


def _complete_approval(request, artifact, actor, note, at, checks, count) -> PromotionRequest:
    """The K-th approval: the version moves, the checklist freezes, the request is approved."""
    if request.to_stage == Stage.PRODUCTION:
        _deprecate_previous_production(request, artifact, actor, at)
    _transition(artifact, request.to_stage, actor, at, request=request)
    _freeze_checks(checks)
    request.state = PromotionState.APPROVED
    request.decided_by = actor
    request.decided_at = at
    request.decision_note = note
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    # A single sign-off keeps its old wording; a K-of-N gate says it was the last one.
    progress = "" if count == 1 else f" ({rules.approvals_label(count, count)})"
    audit_record(
        action=AuditAction.PROMOTION_APPROVED,
        summary=f"{actor} approved {artifact} {request.from_stage} → {request.to_stage}{progress}",
        actor=actor.user,
        at=at,
        from_state=PromotionState.PENDING,
        to_state=PromotionState.APPROVED,
        artifact=artifact,
        promotion=request,
        details=_approval_details(request, note, checks, count),
    )
    return request


def _approval_details(request, note, checks, count) -> dict:
    """What an approval's audit event keeps, partial or final alike."""
    return {
        "note": note,
        "checks": [c.explanation for c in checks],
        "approvals": count,
        "required_approvals": request.required_approvals,
    }


def _record_approval(request, actor, note, at, checks) -> int:
    """Write the actor's approval with the verdicts they saw; return the approvals so far."""
    verdicts = [
        {
            "item": check.item.position,
            "statement": check.item.statement,
            "satisfied": check.satisfied,
            "explanation": check.explanation,
            "observed": check.observed,
        }
        for check in checks
    ]
    count = len(request.approvals.all()) + 1
    try:
        with transaction.atomic():
            PromotionApproval.objects.create(
                request=request, approver=actor, at=at, note=note, verdicts=verdicts
            )
    except IntegrityError:  # the unique (request, approver) constraint, behind the rule
        raise Conflict(
            "already_approved", f"You already approved #{request.pk}; nothing was changed."
        ) from None
    # The prefetched list no longer holds every approval; whoever reads it next queries again.
    getattr(request, "_prefetched_objects_cache", {}).pop("approvals", None)
    return count


def _audit_partial_approval(request, artifact, actor, note, at, checks, count) -> None:
    progress = rules.approvals_label(count, request.required_approvals)
    audit_record(
        action=AuditAction.PROMOTION_APPROVAL_ADDED,
        summary=f"{actor} approved {artifact} {request.from_stage} → {request.to_stage} "
        f"({progress})",
        actor=actor.user,
        at=at,
        artifact=artifact,
        promotion=request,
        details=_approval_details(request, note, checks, count),
    )


def _model_id_of(request: PromotionRequest) -> int:
    # A request never changes artifact, nor an artifact model, so this read needs no lock.
    return Model.objects.filter(artifacts=request.artifact_id).values_list("pk", flat=True).get()


def _deprecate_previous_production(request, artifact, actor, at) -> None:
    # The model row is locked (_approve), so every promotion to production of it queues there.
    current = (
        artifact.model.artifacts.select_for_update(no_key=True)
        .filter(status=Stage.PRODUCTION)
        .first()
    )
    if (current.pk if current else None) != request.replaces_id:
        seen = f"v{request.replaces.version}" if request.replaces_id else "no version"
        now = f"v{current.version}" if current else "no version"
        raise Conflict(
            "production_changed",
            f"When this request was made {seen} of {artifact.model.name} was in production; now "
            f"{now} is. Review again: withdraw this request and request the promotion anew.",
        )
    if current is not None:
        _transition(current, Stage.DEPRECATED, actor, at, request=request, superseded_by=artifact)
        _withdraw_superseded(current, actor, at, superseded_by=artifact)


def _withdraw_superseded(artifact, actor, at, *, superseded_by) -> None:
    """Close the pending request of a version that just left production (e.g. its retirement):
    it could never be approved now, and left pending it would block a later rollback request."""
    superseded = (
        artifact.promotions.select_for_update(of=("self",))
        .filter(state=PromotionState.PENDING)
        .select_related("artifact__model")
    )
    for pending in superseded:
        _close(
            pending,
            PromotionState.WITHDRAWN,
            actor,
            at,
            f"superseded by v{superseded_by.version}",
            AuditAction.PROMOTION_WITHDRAWN,
        )


def _transition(artifact, to_stage, actor, at, *, request, superseded_by=None) -> None:
    from_stage = artifact.status
    artifact.status = to_stage
    artifact.status_changed_at = at
    try:
        with transaction.atomic():
            artifact.save(update_fields=["status", "status_changed_at"])
    except IntegrityError:
        raise Conflict(
            "production_conflict",
            f"{artifact.model.name} already has a version in production; reload and review again.",
        ) from None
    Model.objects.filter(pk=artifact.model_id).update(updated_at=at)
    StageTransition.objects.create(
        artifact=artifact,
        model_id=artifact.model_id,
        from_stage=from_stage,
        to_stage=to_stage,
        at=at,
        request=request,
        superseded_by=superseded_by,
    )
    reason = (
        f"superseded by v{superseded_by.version}" if superseded_by else f"request #{request.pk}"
    )
    audit_record(
        action=AuditAction.ARTIFACT_TRANSITIONED,
        summary=f"{artifact} {from_stage} → {to_stage} ({reason})",
        actor=actor.user,
        at=at,
        from_state=from_stage,
        to_state=to_stage,
        artifact=artifact,
        promotion=request,
        details={"reason": reason},
    )


def _freeze_checks(checks) -> None:
    for check in checks:
        check.item.satisfied_at_decision = check.satisfied
        check.item.observed_value = check.observed
    ChecklistItem.objects.bulk_update(
        [c.item for c in checks], ["satisfied_at_decision", "observed_value"]
    )


def promotion_reject(
    *, request: PromotionRequest, actor: MLTeamMember, reason: str, at: datetime | None = None
) -> PromotionRequest:
    """A gate owner turns a request down; a reason is required. The artifact stays where it is.

    Side effects: AuditEvent ``promotion.rejected``.
    """
    reason = limits.require_max_length("reason", (reason or "").strip(), limits.NOTE)
    at = at or timezone.now()
    with transaction.atomic():
        # Decided meanwhile, or not yours to decide, matters more than a missing reason.
        request = _lock_pending(request)
        _refuse(rules.may_reject(request, actor))
        if not reason:
            raise InvalidInput(
                "reason_required", "Say why you reject this request (a reason is required)."
            )
        return _close(
            request, PromotionState.REJECTED, actor, at, reason, AuditAction.PROMOTION_REJECTED
        )


def promotion_withdraw(
    *, request: PromotionRequest, actor: MLTeamMember, note: str = "", at: datetime | None = None
) -> PromotionRequest:
    """The requester (or an ML lead) takes a pending request back. Side effects: AuditEvent."""
    limits.require_max_length("note", note, limits.NOTE)
    at = at or timezone.now()
    with transaction.atomic():
        request = _lock_pending(request)
        _refuse(rules.may_withdraw(request, actor))
        return _close(
            request, PromotionState.WITHDRAWN, actor, at, note, AuditAction.PROMOTION_WITHDRAWN
        )


def _close(request, state, actor, at, note, action) -> PromotionRequest:
    request.state = state
    request.decided_by = actor
    request.decided_at = at
    request.decision_note = note
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_record(
        action=action,
        summary=f"{actor} {state} #{request.pk} ({request.artifact} {request.from_stage} → {request.to_stage})",
        actor=actor.user,
        at=at,
        from_state=PromotionState.PENDING,
        to_state=state,
        artifact=request.artifact,
        promotion=request,
        details={"note": note},
    )
    return request
