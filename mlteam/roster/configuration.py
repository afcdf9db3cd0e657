"""Configuration of the roster: roles, team interactions and model consumers (re-exported by
``mlteam.roster.services``, the one import path).

Roles decide who may do what (an ML-lead role edits the roster and configuration; protocols name
the role that signs a gate), so every add, change and delete is an AuditEvent
``config.changed`` naming the fields, written in the same transaction. Only ML leads (and
superuser operators, and ``SYSTEM`` for the seed) may change configuration; bad input is refused
with a domain error and changes nothing. A change that changes nothing writes nothing.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from mlteam.kernel import limits
from mlteam.kernel.audit import audit_config_change
from mlteam.kernel.config import fields_changed, fields_set
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, InvalidInput
from mlteam.roster.enums import InteractionMode
from mlteam.roster.guards import Actor, require_roster_editor
from mlteam.roster.models import ModelConsumer, Role, Team, TeamInteraction

ROLE_FIELDS = ("name", "description", "is_ml_lead")
INTERACTION_FIELDS = ("from_team", "to_team", "mode", "description")
CONSUMER_FIELDS = ("team", "model", "since", "note")


def _audit(obj, verb: str, actor: Actor, changed, at, **targets) -> None:
    audit_config_change(
        action=AuditAction.CONFIG_CHANGED,
        obj=obj,
        verb=verb,
        actor=actor,
        changed=changed,
        at=at,
        **targets,
    )


def _delete(obj, actor: Actor, at, in_use: str, **targets) -> None:
    """Delete ``obj`` with its audit event; rows still pointing at it refuse the delete."""
    try:
        with transaction.atomic():
            _audit(obj, "deleted", actor, [], at, **targets)
            obj.delete()
    except ProtectedError:
        raise Conflict(f"{obj._meta.model_name}_in_use", in_use) from None


# -- roles -----------------------------------------------------------------------------------
def _clean_role(values: dict, role: Role | None) -> dict:
    clean = dict(values)
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()
        if not clean["name"]:
            raise InvalidInput("blank_name", "A role needs a name.")
        limits.require_max_length("name", clean["name"], limits.NAME)
        clash = Role.objects.filter(name=clean["name"]).exclude(pk=getattr(role, "pk", None))
        if clash.exists():
            raise Conflict("role_name_taken", f"A role called {clean['name']} already exists.")
    limits.require_max_lengths(clean, {"description": limits.DESCRIPTION})
    if "is_ml_lead" in clean:
        clean["is_ml_lead"] = bool(clean["is_ml_lead"])
    return clean


def role_create(
    *,
    name: str,
    actor: Actor,
    description: str = "",
    is_ml_lead: bool = False,
    at: datetime | None = None,
) -> Role:
    """Create a role. Side effects: AuditEvent ``config.changed`` ("added")."""
    require_roster_editor(actor, "create roles")
    values = _clean_role({"name": name, "description": description, "is_ml_lead": is_ml_lead}, None)
    with transaction.atomic():
        role = Role.objects.create(**values)
        _audit(role, "added", actor, fields_set(Role, values, ROLE_FIELDS), at)
    return role


def role_update(*, role: Role, actor: Actor, changes: dict, at: datetime | None = None) -> Role:
    """Change a role's name, description or ML-lead flag (who may edit the roster and
    configuration). Side effects: AuditEvent ``config.changed`` naming the changed fields."""
    require_roster_editor(actor, "change roles")
    fields_changed(role, changes, ROLE_FIELDS)  # refuses unknown fields before anything else
    clean = _clean_role(changes, role)
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=role.pk)
        changed = fields_changed(role, clean, ROLE_FIELDS)
        if not changed:
            return role
        for name in changed:
            setattr(role, name, clean[name])
        role.save(update_fields=changed)
        _audit(role, "changed", actor, changed, at)
    return role


def role_delete(*, role: Role, actor: Actor, at: datetime | None = None) -> None:
    """Delete a role nobody holds, held or signs with. Side effects: AuditEvent
    ``config.changed`` ("deleted")."""
    require_roster_editor(actor, "delete roles")
    _delete(
        role,
        actor,
        at,
        f"The role {role.name} is held by members (now or in the past) or named by a protocol; "
        "rename it instead.",
    )


# -- team interactions -----------------------------------------------------------------------
def _clean_interaction(values: dict, interaction: TeamInteraction | None) -> dict:
    clean = dict(values)
    if "mode" in clean and clean["mode"] not in InteractionMode.values:
        raise InvalidInput(
            "unknown_mode",
            f"'{clean['mode']}' is not an interaction mode; "
            f"use one of {', '.join(InteractionMode.values)}.",
        )
    if "description" in clean:
        clean["description"] = (clean["description"] or "").strip()
        limits.require_max_length("description", clean["description"], limits.LINE)
    from_team = clean.get("from_team", getattr(interaction, "from_team", None))
    to_team = clean.get("to_team", getattr(interaction, "to_team", None))
    if from_team is None or to_team is None:
        raise InvalidInput("missing_team", "An interaction needs a team on each side.")
    if from_team.pk == to_team.pk:
        raise InvalidInput(
            "interaction_with_itself", f"{from_team.name} cannot interact with itself."
        )
    mode = clean.get("mode", getattr(interaction, "mode", None))
    clash = TeamInteraction.objects.filter(from_team=from_team, to_team=to_team, mode=mode)
    if clash.exclude(pk=getattr(interaction, "pk", None)).exists():
        raise Conflict(
            "interaction_exists",
            f"{from_team.name} → {to_team.name} ({InteractionMode(mode).label}) is already recorded.",
        )
    return clean


def team_interaction_add(
    *,
    from_team: Team,
    to_team: Team,
    mode: str,
    actor: Actor,
    description: str = "",
    at: datetime | None = None,
) -> TeamInteraction:
    """Record how two teams work together. Side effects: AuditEvent ``config.changed``
    ("added"), filed under ``from_team``."""
    require_roster_editor(actor, "change team interactions")
    values = _clean_interaction(
        {"from_team": from_team, "to_team": to_team, "mode": mode, "description": description},
        None,
    )
    try:
        with transaction.atomic():
            interaction = TeamInteraction.objects.create(**values)
            changed = fields_set(TeamInteraction, values, INTERACTION_FIELDS)
            _audit(interaction, "added", actor, changed, at, team=from_team)
    except IntegrityError:  # a concurrent add of the same interaction
        raise Conflict("interaction_exists", "This interaction is already recorded.") from None
    return interaction


def team_interaction_update(
    *, interaction: TeamInteraction, actor: Actor, changes: dict, at: datetime | None = None
) -> TeamInteraction:
    """Change an interaction's teams, mode or description. Side effects: AuditEvent
    ``config.changed`` naming the changed fields, filed under the (new) ``from_team``."""
    require_roster_editor(actor, "change team interactions")
    fields_changed(interaction, changes, INTERACTION_FIELDS)
    clean = _clean_interaction(changes, interaction)
    with transaction.atomic():
        interaction = TeamInteraction.objects.select_for_update().get(pk=interaction.pk)
        changed = fields_changed(interaction, clean, INTERACTION_FIELDS)
        if not changed:
            return interaction
        for name in changed:
            setattr(interaction, name, clean[name])
        interaction.save(update_fields=changed)
        _audit(interaction, "changed", actor, changed, at, team=interaction.from_team)
    return interaction


def team_interaction_remove(
    *, interaction: TeamInteraction, actor: Actor, at: datetime | None = None
) -> None:
    """Forget an interaction. Side effects: AuditEvent ``config.changed`` ("deleted")."""
    require_roster_editor(actor, "change team interactions")
    _delete(interaction, actor, at, "", team=interaction.from_team)


# -- model consumers -------------------------------------------------------------------------
def _clean_consumer(values: dict, consumer: ModelConsumer | None) -> dict:
    clean = dict(values)
    if "note" in clean:
        clean["note"] = (clean["note"] or "").strip()
        limits.require_max_length("note", clean["note"], limits.LINE)
    team = clean.get("team", getattr(consumer, "team", None))
    model = clean.get("model", getattr(consumer, "model", None))
    if team is None or model is None:
        raise InvalidInput("missing_team_or_model", "A consumer needs a team and a model.")
    clash = ModelConsumer.objects.filter(team=team, model=model)
    if clash.exclude(pk=getattr(consumer, "pk", None)).exists():
        raise Conflict("consumer_exists", f"{team.name} is already recorded as using {model}.")
    return clean


def model_consumer_add(
    *,
    team: Team,
    model,
    actor: Actor,
    since=None,
    note: str = "",
    at: datetime | None = None,
) -> ModelConsumer:
    """Record that ``team`` builds on ``model`` (a ``registry.Model``). Side effects: AuditEvent
    ``config.changed`` ("added"), filed under the team and the model."""
    require_roster_editor(actor, "change model consumers")
    values = _clean_consumer({"team": team, "model": model, "since": since, "note": note}, None)
    try:
        with transaction.atomic():
            consumer = ModelConsumer.objects.create(**values)
            changed = fields_set(ModelConsumer, values, CONSUMER_FIELDS)
            _audit(consumer, "added", actor, changed, at, team=team, model=model)
    except IntegrityError:  # a concurrent add of the same consumer
        raise Conflict("consumer_exists", f"{team.name} is already recorded as using it.") from None
    return consumer


def model_consumer_update(
    *, consumer: ModelConsumer, actor: Actor, changes: dict, at: datetime | None = None
) -> ModelConsumer:
    """Change a consumer's team, model, since or note. Side effects: AuditEvent
    ``config.changed`` naming the changed fields."""
    require_roster_editor(actor, "change model consumers")
    fields_changed(consumer, changes, CONSUMER_FIELDS)
    clean = _clean_consumer(changes, consumer)
    with transaction.atomic():
        consumer = (
            ModelConsumer.objects.select_for_update(of=("self",))
            .select_related("team", "model")
            .get(pk=consumer.pk)
        )
        changed = fields_changed(consumer, clean, CONSUMER_FIELDS)
        if not changed:
            return consumer
        for name in changed:
            setattr(consumer, name, clean[name])
        consumer.save(update_fields=changed)
        _audit(consumer, "changed", actor, changed, at, team=consumer.team, model=consumer.model)
    return consumer


def model_consumer_remove(
    *, consumer: ModelConsumer, actor: Actor, at: datetime | None = None
) -> None:
    """Forget that a team uses a model. Side effects: AuditEvent ``config.changed`` ("deleted")."""
    require_roster_editor(actor, "change model consumers")
    _delete(consumer, actor, at, "", team=consumer.team, model=consumer.model)
