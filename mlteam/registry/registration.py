"""Registering models and their versions: new versions always start experimental.

Part of the handoff engine's interface (``services.py`` re-exports both functions); every
write runs in one transaction with its AuditEvent.
"""

import re
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from mlteam.cards.services import card_start_for_artifact
from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.errors import Conflict, InvalidInput
from mlteam.registry.models import Model, ModelArtifact, StageTransition
from mlteam.roster.membership import require_team_work
from mlteam.roster.models import MLTeamMember, Team
from mlteam.tracking.models import Run

# What the ``<slug:name>`` URLs accept, minus upper case and underscores (names are lowercased).
MODEL_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
MODEL_NAME_MAX = Model._meta.get_field("name").max_length
TASK_MAX = Model._meta.get_field("task").max_length


def _check_model_name(name: str) -> None:
    example = slugify(name)[:MODEL_NAME_MAX].strip("-_").replace("_", "-") or "fraud-detector"
    if not name:
        raise InvalidInput(
            "invalid_name",
            f"Give the model a name: lowercase letters, digits and hyphens, e.g. '{example}'.",
        )
    if not MODEL_NAME.fullmatch(name) or len(name) > MODEL_NAME_MAX:
        raise InvalidInput(
            "invalid_name",
            f"'{name}' cannot be a model name: it becomes part of the page URLs, so use only "
            f"lowercase letters, digits and hyphens, start with a letter or digit and keep it "
            f"to {MODEL_NAME_MAX} characters, e.g. '{example}'.",
        )


def _clean_task(task: str, name: str) -> str:
    task = (task or "").strip()
    if not task:
        raise InvalidInput(
            "task_required",
            f"Say what task '{name}' does (e.g. text-classification, ranking); a task is required.",
        )
    if len(task) > TASK_MAX:
        raise InvalidInput(
            "task_too_long", f"A task has at most {TASK_MAX} characters, e.g. text-classification."
        )
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

    ``name`` is lowercased and must be a slug (it is the model's URL); ``task`` is required.
    """
    require_team_work(actor, team, "register models for it")
    name = name.strip().lower()
    _check_model_name(name)
    task = _clean_task(task, name)
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


# The UPDATE takes the row lock, so concurrent registrations get consecutive numbers; RETURNING
# (PostgreSQL, SQLite ≥ 3.35) hands back the new number without a second statement.
_BUMP = "UPDATE {table} SET last_version = last_version + 1, updated_at = %s WHERE id = %s RETURNING last_version"


def _next_version(model: Model, at: datetime) -> int:
    """Bump ``model``'s gap-free version counter and return the number it handed out."""
    updated_at = Model._meta.get_field("updated_at").get_db_prep_save(at, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            _BUMP.format(table=connection.ops.quote_name(Model._meta.db_table)),
            [updated_at, model.pk],
        )
        return cursor.fetchone()[0]


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
    at = at or timezone.now()
    with transaction.atomic():
        model.last_version = _next_version(model, at)
        model.updated_at = at
        artifact = ModelArtifact.objects.create(
            model=model,
            version=model.last_version,
            status=Stage.EXPERIMENTAL,
            owner=actor,
            artifact_uri=artifact_uri,
            source_run=source_run,
            description=description,
            created_at=at,
            status_changed_at=at,
        )
        StageTransition.objects.create(
            artifact=artifact, model=model, to_stage=Stage.EXPERIMENTAL, at=at
        )
        card_start_for_artifact(artifact)
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
