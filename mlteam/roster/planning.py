"""Rebalancing plans: draft roster changes, see their effect on every team's band first, apply
them as one transaction through the roster services.

A plan is a list of changes (``move``, ``embed``, ``orientation``, ``role``, ``leave``, ``hire``).
When a change first touches a person, the plan records that person's state (``basis``);
applying refuses a plan the roster has overtaken (someone in it changed since) and says what
changed. Applying writes each change through ``member_update`` / ``member_leave`` (their own
audit events, each carrying ``details.plan``), a ``roster.hire_planned`` event per hire
placeholder and one ``roster.plan`` event for the plan.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from mlteam.kernel import limits
from mlteam.kernel.actors import actor_user
from mlteam.kernel.audit import audit_context, audit_record
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, InvalidInput, NotFound
from mlteam.roster.enums import Orientation
from mlteam.roster.guards import Actor, require_roster_editor, resolve_at
from mlteam.roster.models import MLTeamMember, Role, RosterPlan, Team
from mlteam.roster.plan_simulation import (  # noqa: F401  (one import path for the planner)
    PlanPreview,
    TeamEffect,
    all_teams,
    describe_changes,
    plan_preview,
    roster_now,
    simulate,
    state_of,
)
from mlteam.roster.services import member_leave, member_update

KINDS = {
    "move": "Move to another team",
    "embed": "Embed in another team (or end an embedding)",
    "orientation": "Switch orientation",
    "role": "Change role",
    "leave": "Record a planned leaver",
    "hire": "Add a hire placeholder",
}
MAX_CHANGES = 100


# -- validating a change -----------------------------------------------------------------------
def _pk(value, what: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput("invalid_change", f"The {what} must be an id; got {value!r}.") from None
    if number < 1 or number > 2**31:
        raise InvalidInput("invalid_change", f"The {what} must be an id; got {value!r}.")
    return number


def _exists(model, pk: int, what: str):
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise InvalidInput("invalid_change", f"There is no {what} #{pk}.")
    return obj


def _orientation(value) -> str:
    if value not in Orientation.values:
        raise InvalidInput(
            "unknown_orientation", f"'{value}' is not an orientation; use research or production."
        )
    return value


def change_clean(change: dict) -> tuple[dict, MLTeamMember | None]:
    """A change as stored (ids and values checked), and the member it touches (None: a hire)."""
    if not isinstance(change, dict) or change.get("kind") not in KINDS:
        kind = change.get("kind") if isinstance(change, dict) else change
        raise InvalidInput(
            "unknown_change_kind", f"'{kind}' is not a plan change; use one of {', '.join(KINDS)}."
        )
    kind = change["kind"]
    if kind == "hire":
        title = str(change.get("title") or "").strip()[:160]
        if not title:
            raise InvalidInput(
                "blank_title",
                "A hire placeholder needs a title, e.g. 'production engineer for Foundation Models'.",
            )
        team = _exists(Team, _pk(change.get("team"), "team"), "team")
        role = _exists(Role, _pk(change.get("role"), "role"), "role")
        orientation = _orientation(change.get("orientation"))
        return {"kind": kind, "title": title, "team": team.pk, "role": role.pk, "orientation": orientation}, None  # fmt: skip
    member = (
        MLTeamMember.objects.select_related("user")
        .filter(pk=_pk(change.get("member"), "member"))
        .first()
    )
    if member is None or not member.is_active:
        raise InvalidInput("invalid_change", "Plans can only change people on the roster now.")
    clean = {"kind": kind, "member": member.pk}
    if kind in ("move", "embed"):
        raw = change.get("team")
        if kind == "embed" and raw in (None, ""):
            clean["team"] = None
        else:
            clean["team"] = _exists(Team, _pk(raw, "team"), "team").pk
    elif kind == "orientation":
        clean["orientation"] = _orientation(change.get("orientation"))
    elif kind == "role":
        clean["role"] = _exists(Role, _pk(change.get("role"), "role"), "role").pk
    return clean, member


# -- writes ------------------------------------------------------------------------------------
def _locked_draft(plan: RosterPlan) -> RosterPlan:
    plan = RosterPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state != RosterPlan.State.DRAFT:
        raise Conflict("plan_closed", f"The plan '{plan.name}' was already {plan.state}.")
    return plan


def _audit_plan(plan: RosterPlan, verb: str, actor, at, **details) -> None:
    audit_record(
        action=AuditAction.PLAN_CHANGED,
        summary=f"Rebalancing plan '{plan.name}' {verb} ({len(plan.changes)} changes)",
        actor=actor,
        at=at,
        to_state=plan.state,
        details={"plan": plan.pk, "verb": verb, **details},
    )


def plan_create(*, name: str, actor: Actor, note: str = "", changes=()) -> RosterPlan:
    """Save a new draft plan (optionally with its first changes).

    Side effects: AuditEvent ``roster.plan`` ("saved").
    """
    require_roster_editor(actor, "draft rebalancing plans")
    name = (name or "").strip()
    if not name:
        raise InvalidInput(
            "blank_name", "A plan needs a name, e.g. 'Foundation Models back in band'."
        )
    limits.require_max_lengths(
        {"name": name, "note": note or ""}, {"name": limits.NAME, "note": limits.NOTE}
    )
    now = timezone.now()
    with transaction.atomic():
        plan = RosterPlan.objects.create(
            name=name,
            note=note or "",
            created_by=actor_user(actor),
            created_at=now,
            updated_at=now,
        )
        for change in changes:
            _add(plan, change)
        plan.save()
        _audit_plan(plan, "saved", actor, now)
    return plan


def _add(plan: RosterPlan, change: dict) -> None:
    if len(plan.changes) >= MAX_CHANGES:
        raise InvalidInput("plan_too_long", f"A plan holds at most {MAX_CHANGES} changes.")
    clean, member = change_clean(change)
    if member is not None:
        if any(c.get("member") == member.pk and c["kind"] == "leave" for c in plan.changes):
            raise InvalidInput("member_leaving", f"{member} leaves in this plan already.")
        _refuse_no_op(plan, clean, member)
        plan.basis.setdefault(str(member.pk), state_of(member))
    plan.changes = [*plan.changes, clean]
    plan.updated_at = timezone.now()


def _refuse_no_op(plan: RosterPlan, clean: dict, member: MLTeamMember) -> None:
    """A change that changes nothing (after the plan's earlier changes) would make applying
    fail; refuse it now, while drafting."""
    people = simulate(roster_now(), plan.changes)
    person = people.get(member.pk)
    if person is None:
        raise InvalidInput("member_leaving", f"{member} leaves in this plan already.")
    kind = clean["kind"]
    current = {
        "move": person.team_id,
        "embed": person.embedded_in_id,
        "orientation": person.orientation,
        "role": person.role_id,
    }.get(kind)
    wanted = clean.get({"orientation": "orientation", "role": "role"}.get(kind, "team"))
    if kind != "leave" and current == wanted:
        raise InvalidInput("no_change", f"Nothing to change: {member} already has that.")
    if kind == "embed" and wanted is not None and wanted == person.team_id:
        raise InvalidInput(
            "embedded_in_own_team", f"{member} cannot be embedded in their own primary team."
        )


def plan_change_add(*, plan: RosterPlan, change: dict, actor: Actor) -> RosterPlan:
    """Add one change to a draft plan (nothing on the roster changes). No audit event: drafts
    are scratch work until applied or discarded."""
    require_roster_editor(actor, "draft rebalancing plans")
    with transaction.atomic():
        plan = _locked_draft(plan)
        _add(plan, change)
        plan.save(update_fields=["changes", "basis", "updated_at"])
    return plan


def plan_change_remove(*, plan: RosterPlan, index: int, actor: Actor) -> RosterPlan:
    """Drop the change at ``index`` (0-based) from a draft plan."""
    require_roster_editor(actor, "draft rebalancing plans")
    with transaction.atomic():
        plan = _locked_draft(plan)
        if not 0 <= index < len(plan.changes):
            raise NotFound("no_change", f"The plan has no change number {index + 1}.")
        plan.changes = [c for i, c in enumerate(plan.changes) if i != index]
        still = {str(c["member"]) for c in plan.changes if "member" in c}
        plan.basis = {k: v for k, v in plan.basis.items() if k in still}
        plan.updated_at = timezone.now()
        plan.save(update_fields=["changes", "basis", "updated_at"])
    return plan


def plan_discard(*, plan: RosterPlan, actor: Actor) -> RosterPlan:
    """Close a draft without changing anyone. Side effects: AuditEvent ``roster.plan``."""
    require_roster_editor(actor, "discard rebalancing plans")
    with transaction.atomic():
        plan = _locked_draft(plan)
        plan.state, plan.decided_at = RosterPlan.State.DISCARDED, timezone.now()
        plan.save(update_fields=["state", "decided_at"])
        _audit_plan(plan, "discarded", actor, plan.decided_at)
    return plan


def plan_overtaken(plan: RosterPlan, members: dict[int, MLTeamMember]) -> list[str]:
    """What changed, in words, for everyone in the plan since it was drafted ([]: nothing)."""
    names = {t.pk: t.name for t in Team.objects.all()}
    roles = dict(Role.objects.values_list("pk", "name"))
    labels = {"team": names, "embedded_in": names, "role": roles}
    changed = []
    for key, then in plan.basis.items():
        member = members.get(int(key))
        if member is None:
            changed.append(f"member #{key} is no longer on the roster")
            continue
        now = state_of(member)
        if not now["active"]:
            changed.append(f"{member} left on {member.left_on}")
            continue
        for attr in ("role", "orientation", "team", "embedded_in"):
            if then.get(attr) != now[attr]:
                lookup = labels.get(attr, {})
                before = lookup.get(then.get(attr), then.get(attr)) or "none"
                after = lookup.get(now[attr], now[attr]) or "none"
                changed.append(f"{member}: {attr.replace('_', ' ')} {before} → {after}")
    return changed


def plan_apply(
    *, plan: RosterPlan, actor: Actor, note: str = "", at: datetime | None = None
) -> RosterPlan:
    """Apply every change of a draft plan in ONE transaction: all or nothing.

    Refuses (Conflict ``plan_overtaken``, naming what changed) when someone in the plan changed
    since it was drafted. Side effects: each change through ``member_update``/``member_leave``
    (their audit events carry ``details.plan``), ``roster.hire_planned`` per hire placeholder,
    ``roster.plan`` ("applied").
    """
    require_roster_editor(actor, "apply rebalancing plans")
    limits.require_max_length("note", note or "", limits.NOTE)
    at = resolve_at(at)
    with transaction.atomic(), audit_context(plan=plan.pk):
        plan = _locked_draft(plan)
        if not plan.changes:
            raise InvalidInput("empty_plan", "The plan has no changes to apply.")
        ids = [int(k) for k in plan.basis]
        members = {
            m.pk: m
            for m in MLTeamMember.objects.select_for_update(of=("self",))
            .select_related("user", "team")
            .filter(pk__in=ids)
        }
        changed = plan_overtaken(plan, members)
        if changed:
            raise Conflict(
                "plan_overtaken",
                "The roster changed since this plan was drafted: "
                + "; ".join(changed)
                + ". Review the plan (remove or redo those changes) and apply again.",
            )
        for change in plan.changes:
            _apply_change(change, actor, at)
        plan.state, plan.decided_at = RosterPlan.State.APPLIED, at
        plan.save(update_fields=["state", "decided_at"])
        _audit_plan(plan, "applied", actor, at, note=note)
    return plan


def _apply_change(change: dict, actor, at) -> None:
    kind = change["kind"]
    if kind == "hire":
        team = Team.objects.get(pk=change["team"])
        role = Role.objects.get(pk=change["role"])
        audit_record(
            action=AuditAction.HIRE_PLANNED,
            summary=f"{team.name}: hire planned — {change['title']} ({role.name}, "
            f"{change['orientation']})",
            actor=actor,
            at=at,
            team=team,
            to_state=change["orientation"],
            details={"title": change["title"], "role": role.name},
        )
        return
    member = MLTeamMember.objects.get(pk=change["member"])
    if kind == "leave":
        member_leave(member=member, actor=actor, at=at)
        return
    values = {
        "move": lambda: {"team": Team.objects.get(pk=change["team"])},
        "embed": lambda: {
            "embedded_in": Team.objects.get(pk=change["team"]) if change["team"] else None
        },
        "orientation": lambda: {"orientation": change["orientation"]},
        "role": lambda: {"role": Role.objects.get(pk=change["role"])},
    }[kind]()
    member_update(member=member, actor=actor, changes=values, at=at)
