"""Registering models and their versions: new versions always start experimental.

Part of the handoff engine's interface (``services.py`` re-exports these functions); every
write runs in one transaction with its AuditEvent. A registered version is immutable except
its description (``artifact_update``, the one place that rule lives for the admin and the API).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from mlteam.kernel import limits
from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed
from mlteam.registry.models import Model, ModelArtifact
from mlteam.registry.names import require_model_name
from mlteam.registry.registering import version_rows_insert
from mlteam.roster.membership import require_team_work
from mlteam.roster.models import MLTeamMember, Team
from mlteam.tracking.models import Run

TASK_MAX = limits.TASK

# The longest text each field takes (kernel.limits); the name has its own rule (names.py).
MODEL_TEXT_LIMITS = {"description": limits.DESCRIPTION}
VERSION_TEXT_LIMITS = {"artifact_uri": limits.URI, "description": limits.DESCRIPTION}


def _clean_task(task: str, name: str) -> str:
    task = (task or "").strip()
    if not task:
        raise InvalidInput(
            "task_required",
            f"Say what task '{name}' does (e.g. text-classification, ranking); a task is required.",
        )
    limits.require_max_length("task", task, TASK_MAX)
    return task


def model_create(
    *,
    name: str,
    team: Team,
    task: str,
    actor: MLTeamMember,
    description: str = "",
    at: datetime | None = None,
) -> Model:
    """Register a new model owned by ``team``. Side effects: AuditEvent ``model.created``.

    ``name`` must follow the model name rule as sent (it is the model's URL; never rewritten);
    ``task`` is required; text longer than its limit is refused (``too_long``).
    """
    require_team_work(actor, team, "register models for it")
    require_model_name(name)
    task = _clean_task(task, name)
    limits.require_max_lengths({"description": description}, MODEL_TEXT_LIMITS)
    if Model.objects.filter(name=name).exists():
        raise Conflict(
            "duplicate_model", f"A model named '{name}' already exists; pick another name."
        )
    at = at or timezone.now()
    with transaction.atomic():
        model = Model.objects.create(
            name=name,
            team=team,
            task=task,
            description=description,
            created_at=at,
            updated_at=at,
        )
        audit_record(
            action=AuditAction.MODEL_CREATED,
            summary=f"{actor} created model {name} for {team.name}",
            actor=actor.user,
            at=at,
            model=model,
            team=team,
        )
    return model


def model_update(*, model: Model, actor: MLTeamMember, changes: dict) -> Model:
    """Change a model's task or description (its name and owning team are fixed: URLs, the
    API and pipelines use them). Side effects: AuditEvent ``model.updated`` naming the fields;
    a change that changes nothing writes nothing.
    """
    require_team_work(actor, model.team, "edit this model")
    unknown = sorted(set(changes) - {"task", "description"})
    if unknown:
        raise InvalidInput(
            "not_editable",
            f"{', '.join(unknown)} cannot be changed; only the task and description can.",
        )
    if "task" in changes:
        changes = {**changes, "task": _clean_task(changes["task"], model.name)}
    limits.require_max_lengths(changes, MODEL_TEXT_LIMITS)
    stored = Model.objects.get(pk=model.pk)  # a ModelForm may already have set the new values
    changed = sorted(name for name, value in changes.items() if getattr(stored, name) != value)
    if not changed:
        return model
    at = timezone.now()
    with transaction.atomic():
        for name in changed:
            setattr(model, name, changes[name])
        model.updated_at = at
        model.save(update_fields=[*changed, "updated_at"])
        audit_record(
            action=AuditAction.MODEL_UPDATED,
            summary=f"{actor} changed {', '.join(changed)} of model {model.name}",
            actor=actor.user,
            at=at,
            model=model,
            team=model.team,
            details={"fields": changed},
        )
    return model


def artifact_register(
    *,
    model: Model,
    actor: MLTeamMember,
    artifact_uri: str = "",
    source_run: Run | None = None,
    description: str = "",
    at: datetime | None = None,
) -> ModelArtifact:
    """Register the next version of ``model``; it starts experimental and owned by ``actor``.

    Side effects: bumps the model's version counter (gap-free, safe under concurrency), starts
    the version's model card as a copy of the previous version's, the first StageTransition of
    its history (into experimental), AuditEvent ``artifact.registered``.
    """
    require_team_work(actor, model.team, "register versions of this model")
    limits.require_max_lengths(
        {"artifact_uri": artifact_uri, "description": description}, VERSION_TEXT_LIMITS
    )
    at = at or timezone.now()
    with transaction.atomic():
        artifact = version_rows_insert(
            model=model,
            owner=actor,
            artifact_uri=artifact_uri,
            source_run=source_run,
            description=description,
            at=at,
        )
        audit_record(
            action=AuditAction.ARTIFACT_REGISTERED,
            summary=f"{actor} registered {artifact}",
            actor=actor.user,
            at=at,
            to_state=Stage.EXPERIMENTAL,
            artifact=artifact,
            details={
                "artifact_uri": artifact_uri,
                "source_run": source_run.pk if source_run else None,
            },
        )
    return artifact


# What may change once a version is registered: nothing that was evaluated and signed off.
VERSION_EDITABLE = ("description",)


def version_immutable(artifact: ModelArtifact, fields) -> InvalidInput:
    """The refusal of any change to a registered version other than its description."""
    named = ", ".join(sorted(fields)) or "this"
    return InvalidInput(
        "version_immutable",
        f"{artifact.model.name} v{artifact.version} is immutable once registered: {named} "
        "cannot change (what was evaluated and signed off must not change); only its "
        "description can. Edit its card, or register a new version.",
    )


def artifact_update(*, artifact: ModelArtifact, actor: MLTeamMember, changes: dict):
    """Change a version's description; every other field is refused (``status_read_only`` for
    the status, ``version_immutable`` for the rest). Side effects: AuditEvent
    ``artifact.updated`` with the old and new description; a change that changes nothing writes
    nothing.
    """
    if "status" in changes:
        raise InvalidInput(
            "status_read_only",
            "status is read-only: a version changes stage only through an approved promotion.",
        )
    fixed = set(changes) - set(VERSION_EDITABLE)
    if fixed:
        raise version_immutable(artifact, fixed)
    if actor is None:
        raise NotAllowed(
            "no_roster_entry", "You have no roster entry, so you cannot edit versions."
        )
    require_team_work(actor, artifact.model.team, f"edit {artifact}")
    description = changes.get("description", artifact.description)
    if not isinstance(description, str):
        raise InvalidInput("invalid_description", "A version's description is text.")
    limits.require_max_lengths({"description": description}, VERSION_TEXT_LIMITS)
    with transaction.atomic():
        stored = ModelArtifact.objects.select_for_update().get(pk=artifact.pk)
        if stored.description == description:
            return stored
        ModelArtifact.objects.filter(pk=stored.pk).update(description=description)
        audit_record(
            action=AuditAction.ARTIFACT_UPDATED,
            summary=f"{actor} changed the description of {stored}",
            actor=actor.user,
            artifact=stored,
            details={"fields": ["description"], "from": stored.description, "to": description},
        )
        stored.description = description
    return stored
