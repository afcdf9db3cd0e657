"""Configuration of the handoff gates: protocols and their criteria.

The set of active protocols *is* the lifecycle state machine, so only ML leads (and superuser
operators, and ``SYSTEM`` for the seed) change it, and every change is an AuditEvent
``protocol.changed`` naming the fields, written in the same transaction. Requests already made
keep the checklist they snapshotted; an edit only shapes requests made after it. Bad input is
refused with a domain error and changes nothing; a change that changes nothing writes nothing.
"""

import math
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError

from mlteam.kernel import limits
from mlteam.kernel.audit import audit_config_change
from mlteam.kernel.config import fields_changed, fields_set
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.errors import Conflict, InvalidInput
from mlteam.registry.enums import Comparator, CriterionKind
from mlteam.registry.models import MAX_REQUIRED_APPROVALS, GateCriterion, HandoffProtocol
from mlteam.roster.guards import Actor, require_roster_editor

PROTOCOL_FIELDS = (
    "name",
    "description",
    "from_stage",
    "to_stage",
    "responsible_role",
    "allow_owner_approval",
    "required_approvals",
    "active",
)
CRITERION_FIELDS = ("position", "kind", "statement", "benchmark", "comparator", "threshold")


def _audit(obj, verb: str, actor: Actor, changed, at, of=None) -> None:
    audit_config_change(
        action=AuditAction.PROTOCOL_CHANGED,
        obj=obj,
        verb=verb,
        actor=actor,
        changed=changed,
        at=at,
        of=of,
        extra={"protocol": of.pk} if of is not None else None,
    )


# -- protocols -------------------------------------------------------------------------------
def _stage(value, what: str) -> str:
    if value not in Stage.values:
        raise InvalidInput(
            "unknown_stage",
            f"'{value}' is not a stage for the {what}; use one of {', '.join(Stage.values)}.",
        )
    return value


def _required_approvals(value) -> int:
    """K of a K-of-N gate: a whole number from 1 (one sign-off, the default) to the maximum."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (1 <= value <= MAX_REQUIRED_APPROVALS)
    ):
        raise InvalidInput(
            "invalid_required_approvals",
            f"Required approvals is a whole number from 1 to {MAX_REQUIRED_APPROVALS} "
            f"(the number of distinct gate owners who must approve); got {value!r}.",
        )
    return value


def _clean_protocol(values: dict, protocol: HandoffProtocol | None) -> dict:
    limits.require_max_lengths(values, {"name": limits.NAME, "description": limits.DESCRIPTION})
    clean = dict(values)
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()
        if not clean["name"]:
            raise InvalidInput("blank_name", "A protocol needs a name.")
    for key, what in (("from_stage", "start"), ("to_stage", "target")):
        if key in clean:
            clean[key] = _stage(clean[key], what)
    if "responsible_role" in clean and clean["responsible_role"] is None:
        raise InvalidInput("no_responsible_role", "A protocol needs the role that signs it off.")
    for key in ("allow_owner_approval", "active"):
        if key in clean:
            clean[key] = bool(clean[key])
    if "required_approvals" in clean:
        clean["required_approvals"] = _required_approvals(clean["required_approvals"])
    from_stage = clean.get("from_stage", getattr(protocol, "from_stage", None))
    to_stage = clean.get("to_stage", getattr(protocol, "to_stage", None))
    if from_stage == to_stage:
        raise InvalidInput("protocol_changes_no_stage", "A protocol must lead to another stage.")
    if clean.get("active", getattr(protocol, "active", True)):
        clash = HandoffProtocol.objects.filter(
            from_stage=from_stage, to_stage=to_stage, active=True
        ).exclude(pk=getattr(protocol, "pk", None))
        if clash.exists():
            raise Conflict(
                "protocol_exists",
                f"'{clash.first().name}' is already the active protocol for {from_stage} → "
                f"{to_stage}; deactivate it first.",
            )
    return clean


def protocol_create(
    *,
    name: str,
    from_stage: str,
    to_stage: str,
    responsible_role,
    actor: Actor,
    description: str = "",
    allow_owner_approval: bool = False,
    required_approvals: int = 1,
    active: bool = True,
    at: datetime | None = None,
) -> HandoffProtocol:
    """Create the gate for ``from_stage → to_stage`` (at most one active per transition).
    Side effects: AuditEvent ``protocol.changed`` ("added"). Add its criteria with
    ``criterion_add``."""
    require_roster_editor(actor, "edit handoff protocols")
    values = _clean_protocol(
        {
            "name": name,
            "description": description,
            "from_stage": from_stage,
            "to_stage": to_stage,
            "responsible_role": responsible_role,
            "allow_owner_approval": allow_owner_approval,
            "required_approvals": required_approvals,
            "active": active,
        },
        None,
    )
    try:
        with transaction.atomic():
            protocol = HandoffProtocol.objects.create(**values)
            _audit(
                protocol, "added", actor, fields_set(HandoffProtocol, values, PROTOCOL_FIELDS), at
            )
    except IntegrityError:  # a concurrent create for the same transition
        raise Conflict(
            "protocol_exists", f"There already is an active protocol for {from_stage} → {to_stage}."
        ) from None
    return protocol


def protocol_update(
    *, protocol: HandoffProtocol, actor: Actor, changes: dict, at: datetime | None = None
) -> HandoffProtocol:
    """Change any of a protocol's fields (name, description, stages, responsible role, whether
    the owner may approve, how many approvals it requires, active). Pending requests keep the
    number of approvals they were made with. Side effects: AuditEvent ``protocol.changed`` naming the
    changed fields."""
    require_roster_editor(actor, "edit handoff protocols")
    fields_changed(protocol, changes, PROTOCOL_FIELDS)
    with transaction.atomic():
        protocol = HandoffProtocol.objects.select_for_update().get(pk=protocol.pk)
        clean = _clean_protocol(changes, protocol)
        changed = fields_changed(protocol, clean, PROTOCOL_FIELDS)
        if not changed:
            return protocol
        for name in changed:
            setattr(protocol, name, clean[name])
        try:
            with transaction.atomic():
                protocol.save(update_fields=changed)
        except IntegrityError:
            raise Conflict(
                "protocol_exists",
                f"There already is an active protocol for {protocol.transition_label}.",
            ) from None
        _audit(protocol, "changed", actor, changed, at)
    return protocol


def protocol_deactivate(
    *, protocol: HandoffProtocol, actor: Actor, at: datetime | None = None
) -> HandoffProtocol:
    """Take a protocol out of the state machine: nothing can be requested through it any more
    (pending requests keep their checklist). Side effects: AuditEvent ``protocol.changed``
    (field ``active``)."""
    if not HandoffProtocol.objects.filter(pk=protocol.pk, active=True).exists():
        require_roster_editor(actor, "edit handoff protocols")
        raise Conflict("protocol_inactive", f"{protocol} is already inactive.")
    return protocol_update(protocol=protocol, actor=actor, changes={"active": False}, at=at)


def protocol_delete(*, protocol: HandoffProtocol, actor: Actor, at: datetime | None = None):
    """Delete a protocol no request was ever made through (with its criteria). Side effects:
    AuditEvent ``protocol.changed`` ("deleted")."""
    require_roster_editor(actor, "edit handoff protocols")
    try:
        with transaction.atomic():
            _audit(protocol, "deleted", actor, [], at)
            protocol.delete()
    except ProtectedError:
        raise Conflict(
            "protocol_in_use",
            f"Requests were made through {protocol}; deactivate it instead of deleting it.",
        ) from None


# -- criteria --------------------------------------------------------------------------------
def _clean_criterion(values: dict, criterion: GateCriterion | None) -> dict:
    clean = dict(values)
    if "kind" in clean and clean["kind"] not in CriterionKind.values:
        raise InvalidInput(
            "unknown_kind",
            f"'{clean['kind']}' is not a criterion kind; use one of {', '.join(CriterionKind.values)}.",
        )
    if "statement" in clean:
        clean["statement"] = (clean["statement"] or "").strip()
        if not clean["statement"]:
            raise InvalidInput("blank_statement", "A gate criterion needs a statement.")
        limits.require_max_length("statement", clean["statement"], limits.LINE)
    if "position" in clean:
        position = clean["position"]
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise InvalidInput("invalid_position", "A position is a whole number from 0.")
    if "comparator" in clean:
        clean["comparator"] = clean["comparator"] or ""
        if clean["comparator"] and clean["comparator"] not in Comparator.values:
            raise InvalidInput(
                "unknown_comparator",
                f"'{clean['comparator']}' is not a comparator; use one of {', '.join(Comparator.values)}.",
            )
    if clean.get("threshold") is not None:
        try:
            clean["threshold"] = float(clean["threshold"])
        except (TypeError, ValueError):
            raise InvalidInput("invalid_threshold", "The threshold must be a number.") from None
        if not math.isfinite(clean["threshold"]):
            raise InvalidInput("invalid_threshold", "The threshold must be a finite number.")

    def value(name):
        return clean[name] if name in clean else getattr(criterion, name, None)

    if value("kind") == CriterionKind.METRIC and (
        value("benchmark") is None or not value("comparator") or value("threshold") is None
    ):
        raise InvalidInput(
            "metric_incomplete",
            "A metric criterion needs a benchmark, a comparator and a threshold.",
        )
    return clean


def _lock(protocol: HandoffProtocol) -> HandoffProtocol:
    """Criteria edits of one protocol queue on its row."""
    return HandoffProtocol.objects.select_for_update().get(pk=protocol.pk)


def criterion_add(
    *,
    protocol: HandoffProtocol,
    kind: str,
    statement: str,
    actor: Actor,
    benchmark=None,
    comparator: str = "",
    threshold: float | None = None,
    position: int | None = None,
    at: datetime | None = None,
) -> GateCriterion:
    """Add an item to ``protocol``'s gate (last unless ``position`` is given). Side effects:
    AuditEvent ``protocol.changed`` ("added")."""
    require_roster_editor(actor, "edit handoff protocols")
    values = {
        "kind": kind,
        "statement": statement,
        "benchmark": benchmark,
        "comparator": comparator,
        "threshold": threshold,
    }
    if position is not None:
        values["position"] = position
    values = _clean_criterion(values, None)
    with transaction.atomic():
        protocol = _lock(protocol)
        if "position" not in values:
            last = protocol.criteria.aggregate(last=Max("position"))["last"]
            values["position"] = (last or 0) + 1
        criterion = GateCriterion.objects.create(protocol=protocol, **values)
        changed = fields_set(GateCriterion, values, CRITERION_FIELDS)
        _audit(criterion, "added", actor, changed, at, of=protocol)
    return criterion


def criterion_change(
    *, criterion: GateCriterion, actor: Actor, changes: dict, at: datetime | None = None
) -> GateCriterion:
    """Change a criterion's position, kind, statement, benchmark, comparator or threshold.
    Side effects: AuditEvent ``protocol.changed`` naming the changed fields."""
    require_roster_editor(actor, "edit handoff protocols")
    fields_changed(criterion, changes, CRITERION_FIELDS)
    with transaction.atomic():
        protocol = _lock(criterion.protocol)
        criterion = GateCriterion.objects.get(pk=criterion.pk)
        clean = _clean_criterion(changes, criterion)
        changed = fields_changed(criterion, clean, CRITERION_FIELDS)
        if not changed:
            return criterion
        for name in changed:
            setattr(criterion, name, clean[name])
        criterion.save(update_fields=changed)
        _audit(criterion, "changed", actor, changed, at, of=protocol)
    return criterion


def criterion_remove(*, criterion: GateCriterion, actor: Actor, at: datetime | None = None):
    """Drop an item from its protocol's gate. Side effects: AuditEvent ``protocol.changed``
    ("deleted")."""
    require_roster_editor(actor, "edit handoff protocols")
    with transaction.atomic():
        protocol = _lock(criterion.protocol)
        _audit(criterion, "deleted", actor, [], at, of=protocol)
        GateCriterion.objects.filter(pk=criterion.pk).delete()


def criterion_reorder(
    *, protocol: HandoffProtocol, order: list, actor: Actor, at: datetime | None = None
) -> list[GateCriterion]:
    """Put ``protocol``'s criteria in ``order`` (every criterion once, as objects or ids); they
    get positions 1, 2, ... Side effects: one AuditEvent ``protocol.changed`` ("reordered")."""
    require_roster_editor(actor, "edit handoff protocols")
    ids = [getattr(item, "pk", item) for item in order]
    with transaction.atomic():
        protocol = _lock(protocol)
        criteria = {c.pk: c for c in protocol.criteria.all()}
        if sorted(ids, key=str) != sorted(criteria, key=str) or len(set(ids)) != len(ids):
            raise InvalidInput(
                "reorder_mismatch",
                f"Give every criterion of {protocol.name} exactly once ({len(criteria)} in all).",
            )
        moved = []
        for position, pk in enumerate(ids, 1):
            criterion = criteria[pk]
            if criterion.position != position:
                criterion.position = position
                moved.append(criterion)
        if not moved:
            return [criteria[pk] for pk in ids]
        GateCriterion.objects.bulk_update(moved, ["position"])
        audit_config_change(
            action=AuditAction.PROTOCOL_CHANGED,
            obj=protocol,
            verb="reordered",
            actor=actor,
            changed=["gate criteria"],
            at=at,
            extra={"order": ids},
        )
    return [criteria[pk] for pk in ids]
