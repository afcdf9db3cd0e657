"""Team and target changes (re-exported by ``mlteam.roster.services``, the one import path).

Each writes its AuditEvent (``roster.team_changed`` / ``roster.target_set``) in the same
transaction and refuses bad input with a domain error before changing anything.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from django.db import transaction
from django.utils.text import slugify

from mlteam.kernel import limits
from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, InvalidInput, NotFound
from mlteam.roster.enums import TeamKind
from mlteam.roster.guards import Actor, require_roster_editor, resolve_at
from mlteam.roster.models import MLTeamMember, OrientationTarget, OrientationTargetChange, Team

TEAM_FIELDS = ("name", "slug", "kind", "mission", "lead")


def team_slug_refusal(slug) -> InvalidInput | None:
    """The slug rule (the model name rule): refused as sent, never rewritten."""
    return limits.slug_refusal(slug, what="a team slug", code="invalid_slug", limit=limits.NAME)


def _clean_team_changes(changes: dict, team: Team | None) -> dict:
    unknown = set(changes) - set(TEAM_FIELDS)
    if unknown:
        raise InvalidInput("unknown_change", f"Cannot change {', '.join(sorted(unknown))} here.")
    clean = dict(changes)
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()
        if not clean["name"]:
            raise InvalidInput("blank_name", "A team needs a name.")
        limits.require_max_length("name", clean["name"], limits.NAME)
        clash = Team.objects.filter(name__iexact=clean["name"])
        if clash.exclude(pk=getattr(team, "pk", None)).exists():
            raise Conflict("team_name_taken", f"A team called {clean['name']} already exists.")
    if "slug" in clean:
        refusal = team_slug_refusal(clean["slug"])
        if refusal is not None:
            raise refusal
        if Team.objects.filter(slug=clean["slug"]).exclude(pk=getattr(team, "pk", None)).exists():
            raise Conflict("team_slug_taken", f"The slug {clean['slug']} is already used.")
    limits.require_max_lengths(clean, {"mission": limits.DESCRIPTION})
    if "kind" in clean and clean["kind"] not in TeamKind.values:
        raise InvalidInput(
            "unknown_kind",
            f"'{clean['kind']}' is not a team kind; use one of {', '.join(TeamKind.values)}.",
        )
    lead = clean.get("lead")
    if isinstance(lead, MLTeamMember) and not lead.is_active:
        raise InvalidInput("lead_left", f"{lead} left on {lead.left_on}; pick an active member.")
    return clean


def _describe(value) -> str:
    if isinstance(value, MLTeamMember):
        return value.display_name
    return "" if value is None else str(value)


def team_create(
    *,
    name: str,
    kind: str,
    actor: Actor,
    slug: str = "",
    mission: str = "",
    lead: MLTeamMember | None = None,
    at: datetime | None = None,
) -> Team:
    """Create a team. Side effects: AuditEvent ``roster.team_changed`` ("created")."""
    require_roster_editor(actor, "create teams")
    at = resolve_at(at)
    values = _clean_team_changes(
        {
            "name": name,
            "slug": slug or slugify(name or "")[: limits.NAME],
            "kind": kind,
            "mission": mission,
            "lead": lead,
        },
        None,
    )
    with transaction.atomic():
        team = Team.objects.create(**values)
        audit_record(
            action=AuditAction.TEAM_CHANGED,
            summary=f"Team {team.name} created ({team.get_kind_display()})",
            actor=actor,
            at=at,
            team=team,
            to_state=team.kind,
            details={"created": True, "lead": _describe(lead)},
        )
    return team


def team_update(*, team: Team, actor: Actor, changes: dict, at: datetime | None = None) -> Team:
    """Change a team's name, slug, kind, mission or lead.

    Side effects: AuditEvent ``roster.team_changed`` listing old and new values; a change that
    changes nothing writes nothing.
    """
    require_roster_editor(actor, "change teams")
    at = resolve_at(at)
    clean = _clean_team_changes(changes, team)
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        real = {k: v for k, v in clean.items() if getattr(team, k) != v}
        if not real:
            return team
        diff = {k: [_describe(getattr(team, k)), _describe(v)] for k, v in real.items()}
        old_kind = team.kind
        for key, value in real.items():
            setattr(team, key, value)
        team.save(update_fields=list(real))
        audit_record(
            action=AuditAction.TEAM_CHANGED,
            summary=f"Team {team.name}: {', '.join(sorted(real))} changed",
            actor=actor,
            at=at,
            team=team,
            from_state=old_kind,
            to_state=team.kind,
            details={"changes": diff},
        )
    return team


def share_parse(value, what: str) -> Decimal:
    """A fraction between 0 and 1 (0.35, "0.35"), three decimals; anything else is refused."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(
            "invalid_share", f"The {what} must be a number between 0 and 1."
        ) from None
    if not number.is_finite() or not 0 <= number <= 1:
        raise InvalidInput(
            "share_out_of_range",
            f"The {what} must be between 0 and 1 (e.g. 0.35 for 35%); got {value}.",
        )
    return number.quantize(Decimal("0.001"))


def _band(target: OrientationTarget | None) -> str:
    if target is None:
        return ""
    return f"{float(target.target_research_share):.0%} ± {float(target.tolerance):.0%}"


def orientation_target_set(
    *,
    team: Team,
    target_share,
    actor: Actor,
    tolerance=Decimal("0.1"),
    schedule=None,
    at: datetime | None = None,
) -> OrientationTarget:
    """Set the research share ``team`` aims for and the tolerance that still counts as on target,
    optionally with a maturity trajectory: ``schedule`` is a list of ``(date, share, tolerance)``
    points the band moves through (interpolated between dates; ``[]`` clears it, ``None`` keeps
    the current one).

    Side effects: creates or updates the OrientationTarget, records the band and its trajectory
    from ``at`` on (OrientationTargetChange), AuditEvent ``roster.target_set`` (its details carry
    the trajectory too). Shares outside 0 to 1 (or not numbers) and schedules whose dates do not
    increase are refused and nothing changes.
    """
    require_roster_editor(actor, "set staffing targets")
    share = share_parse(target_share, "target research share")
    tolerance = share_parse(tolerance, "tolerance")
    points = None if schedule is None else schedule_parse(schedule)
    at = resolve_at(at)
    with transaction.atomic():
        target = OrientationTarget.objects.select_for_update().filter(team=team).first()
        before = _band(target)
        if target is None:
            target = OrientationTarget(team=team)
        target.target_research_share, target.tolerance = share, tolerance
        if points is not None:
            target.schedule = points
        target.save()
        OrientationTargetChange.objects.create(
            team=team,
            at=at,
            target_research_share=share,
            tolerance=tolerance,
            schedule=target.schedule,
        )
        audit_record(
            action=AuditAction.TARGET_SET,
            summary=f"{team.name}: research share target {_band(target)}",
            actor=actor,
            at=at,
            team=team,
            from_state=before,
            to_state=_band(target),
            details={
                "target_research_share": str(share),
                "tolerance": str(tolerance),
                "schedule": target.schedule,
            },
        )
    return target


def schedule_parse(points) -> list[dict]:
    """``[(date or "YYYY-MM-DD", share, tolerance), …]`` → the stored trajectory, or InvalidInput."""
    parsed = []
    for point in points:
        try:
            day, share, tolerance = point
            day = day if isinstance(day, date) else date.fromisoformat(str(day).strip())
        except (TypeError, ValueError):
            raise InvalidInput(
                "invalid_schedule",
                "Each trajectory point needs a date (YYYY-MM-DD), a research share and a "
                f"tolerance; got {point!r}.",
            ) from None
        parsed.append(
            {
                "on": day.isoformat(),
                "share": str(share_parse(share, "trajectory share")),
                "tolerance": str(share_parse(tolerance, "trajectory tolerance")),
            }
        )
    days = [p["on"] for p in parsed]
    if any(a >= b for a, b in pairwise(days)):
        raise InvalidInput(
            "schedule_not_increasing", "Trajectory dates must increase, one point per date."
        )
    return parsed


def orientation_target_remove(*, team: Team, actor: Actor, at: datetime | None = None):
    """Drop ``team``'s target. Side effects: deletes the row, records the removal
    (OrientationTargetChange), AuditEvent ``roster.target_set``."""
    require_roster_editor(actor, "set staffing targets")
    at = resolve_at(at)
    with transaction.atomic():
        target = OrientationTarget.objects.select_for_update().filter(team=team).first()
        if target is None:
            raise NotFound("no_target", f"{team.name} has no research share target to remove.")
        before = _band(target)
        target.delete()
        OrientationTargetChange.objects.create(team=team, at=at, removed=True)
        audit_record(
            action=AuditAction.TARGET_SET,
            summary=f"{team.name}: research share target removed (was {before})",
            actor=actor,
            at=at,
            team=team,
            from_state=before,
            details={"removed": True},
        )
