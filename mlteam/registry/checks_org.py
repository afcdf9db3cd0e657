"""Checks of the staffing ratio, of versions in staging and production and of model use
(see ``checks``)."""

from django.db.models import Exists, OuterRef
from django.urls import reverse

from mlteam.evals.models import LatestResult
from mlteam.kernel.enums import Stage
from mlteam.registry.enums import CriterionKind, PromotionState
from mlteam.registry.findings import (
    DRIFT_DAYS,
    DRIFT_MIN,
    HIGH,
    LOW,
    MEDIUM,
    STALE_STAGING,
    Finding,
    World,
    a_kind,
    admin_url,
    team_fields,
)
from mlteam.registry.gates import comparator_holds
from mlteam.registry.models import ModelArtifact, PromotionRequest
from mlteam.roster.enums import TeamKind
from mlteam.roster.models import ModelConsumer
from mlteam.roster.selectors import ratio_by_team, ratio_history


# -- the ratio -------------------------------------------------------------------------------
def ratio_findings(world: World) -> list[Finding]:
    findings = []
    for row in ratio_by_team():
        team = row.team
        if team.kind in (TeamKind.ML, TeamKind.HYBRID) and row.target_share is None:
            findings.append(
                Finding(
                    code="no_target",
                    severity=MEDIUM,
                    subject=team.name,
                    subject_url=team.get_absolute_url(),
                    message=f"{team.name} is {a_kind(team)} without a "
                    "research-share target: nobody can tell whether it is balanced.",
                    fix="Set a target (and a trajectory) in the admin.",
                    fix_url=admin_url("roster_team_change", team.pk),
                    **team_fields(team),
                )
            )
        if row.outside_target:
            findings.append(
                Finding(
                    code="ratio_outside_target",
                    severity=MEDIUM,
                    subject=team.name,
                    subject_url=team.get_absolute_url(),
                    message=f"{team.name} is {row.research_share:.0%} research, {row.status} its "
                    f"band {row.target_low:.0%}–{row.target_high:.0%} "
                    f"({row.research} research, {row.production} production).",
                    fix="Draft a rebalancing plan (the planner can suggest one).",
                    fix_url=reverse("roster:plans"),
                    details={"research_share": row.research_share},
                    **team_fields(team),
                )
            )
    return findings


def ratio_drift(world: World) -> list[Finding]:
    history = ratio_history(end=world.now, months=3, step_days=DRIFT_DAYS // 2)
    findings = []
    for series in history.teams:
        start, end = series.shares[0], series.shares[-1]
        band_start, band_end = series.bands[0], series.bands[-1]
        if None in (start, end) or band_start is None or band_end is None:
            continue
        aim_start, aim_end = sum(band_start) / 2, sum(band_end) / 2  # trajectory's aim then/now
        gap_start, gap_end = abs(start - aim_start), abs(end - aim_end)
        if gap_end - gap_start < DRIFT_MIN:
            continue
        team = series.team
        findings.append(
            Finding(
                code="ratio_drift",
                severity=LOW,
                subject=team.name,
                subject_url=team.get_absolute_url(),
                message=f"{team.name} went from {start:.0%} to {end:.0%} research over the last "
                f"{DRIFT_DAYS} days while its target (trajectory) went from {aim_start:.0%} to "
                f"{aim_end:.0%}: it is moving away.",
                fix="Review the team's staffing on the roster page and plan the next moves.",
                fix_url=reverse("roster:ratio"),
                details={"from": start, "to": end, "aim_from": aim_start, "aim_to": aim_end},
                **team_fields(team),
            )
        )
    return findings


# -- versions --------------------------------------------------------------------------------
def version_findings(world: World) -> list[Finding]:
    """card_incomplete_in_production, orphaned_owner and stale_staging: one read of versions."""
    pending = PromotionRequest.objects.filter(artifact=OuterRef("pk"), state=PromotionState.PENDING)
    artifacts = (
        ModelArtifact.objects.filter(status__in=[Stage.STAGING, Stage.PRODUCTION])
        .annotate(has_pending=Exists(pending))
        .select_related("model__team", "owner__user", "card")
        .order_by("model__name", "version")
    )
    findings, waiting = [], []
    for artifact in artifacts:
        team = artifact.model.team
        if artifact.owner.left_on is not None:
            findings.append(
                Finding(
                    code="orphaned_owner",
                    severity=MEDIUM,
                    subject=str(artifact),
                    subject_url=artifact.get_absolute_url(),
                    message=f"{artifact} is in {artifact.status}; its owner {artifact.owner} "
                    f"left on {artifact.owner.left_on:%d %b %Y}.",
                    fix=f"Give the version a new owner in {team.name}.",
                    fix_url=admin_url("registry_modelartifact_change", artifact.pk),
                    **team_fields(team),
                )
            )
        if artifact.status == Stage.PRODUCTION:
            card = getattr(artifact, "card", None)
            missing = card.missing_sections if card is not None else ["the whole card"]
            if missing:
                findings.append(
                    Finding(
                        code="card_incomplete_in_production",
                        severity=HIGH,
                        subject=str(artifact),
                        subject_url=artifact.get_absolute_url(),
                        message=f"{artifact} is in production but its model card misses: "
                        + ", ".join(missing)
                        + ".",
                        fix="Fill in the missing sections of the card.",
                        fix_url=reverse(
                            "cards:card",
                            kwargs={"name": artifact.model.name, "version": artifact.version},
                        ),
                        **team_fields(team),
                    )
                )
        elif artifact.status_changed_at <= world.now - STALE_STAGING and not artifact.has_pending:
            # (a version with a pending request is not forgotten: it waits for its gate owner)
            waiting.append(artifact)
    return findings + _stale_staging(world, waiting)


def _stale_staging(world: World, waiting: list[ModelArtifact]) -> list[Finding]:
    gate = next(
        (p for p in world.protocols if (p.from_stage, p.to_stage) == ("staging", "production")),
        None,
    )
    if gate is None or not waiting:
        return []
    criteria = [c for c in gate.criteria.all() if c.kind == CriterionKind.METRIC]
    if not criteria:
        return []
    results = LatestResult.objects.filter(
        artifact__in=[a.pk for a in waiting], benchmark__in=[c.benchmark_id for c in criteria]
    ).values_list("artifact_id", "benchmark_id", "value")
    latest = {(artifact_id, benchmark_id): value for artifact_id, benchmark_id, value in results}
    findings = []
    for artifact in waiting:
        values = [latest.get((artifact.pk, c.benchmark_id)) for c in criteria]
        passes = all(
            v is not None and comparator_holds(v, c.comparator, c.threshold)
            for v, c in zip(values, criteria, strict=True)
        )
        if not passes:
            continue
        days = (world.now - artifact.status_changed_at).days
        findings.append(
            Finding(
                code="stale_staging",
                severity=LOW,
                subject=str(artifact),
                subject_url=artifact.get_absolute_url(),
                message=f"{artifact} has waited {days} days in staging although it passes every "
                f"metric of '{gate.name}'.",
                fix="Request the promotion to production, or deprecate the version.",
                fix_url=artifact.get_absolute_url(),
                **team_fields(artifact.model.team),
            )
        )
    return findings


def consumers_without_production(world: World) -> list[Finding]:
    production = ModelArtifact.objects.filter(model=OuterRef("model"), status=Stage.PRODUCTION)
    consumers = (
        ModelConsumer.objects.annotate(has_production=Exists(production))
        .filter(has_production=False)
        .select_related("team", "model")
        .order_by("team__name", "model__name")
    )
    return [
        Finding(
            code="consumer_without_production",
            severity=MEDIUM,
            subject=f"{c.team.name} uses {c.model.name}",
            subject_url=c.model.get_absolute_url(),
            message=f"{c.team.name} builds on {c.model.name}, which has no version in "
            "production: it depends on something nobody gated for production use.",
            fix=f"Promote a version of {c.model.name} through its gates, or move "
            f"{c.team.name} to a production model.",
            fix_url=c.model.get_absolute_url(),
            **team_fields(c.team),
        )
        for c in consumers
    ]
