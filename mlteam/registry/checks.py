"""Organisation checks: the lesson's do's and don'ts as typed findings.

The lesson ends with practices — an explicit gate for every transition, no production through
"it seems good enough", a research/production ratio tracked and rebalanced as the organisation
matures, one evaluation methodology, experiments out of personal notebooks. ``organisation_checks``
tells an ML lead where the organisation breaks them, each finding with a link to where it is
fixed. It joins roster, evals, cards, tracking and the registry, so it lives in the registry
layer; the number of queries is fixed whatever the size of the organisation (a test pins it).
"""

from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from mlteam.kernel.errors import InvalidInput
from mlteam.registry.checks_gates import (
    experiments_without_runs,
    gate_owner_gaps,
    informal_production,
    team_local_benchmarks,
    ungated_transitions,
    untracked_versions,
)
from mlteam.registry.checks_org import (
    consumers_without_production,
    ratio_drift,
    ratio_findings,
    version_findings,
)
from mlteam.registry.findings import (
    CODES,
    RANK,
    SEVERITIES,
    Finding,
    World,
)
from mlteam.registry.models import GateCriterion, HandoffProtocol
from mlteam.roster.models import Team

CHECKS = [
    ungated_transitions,
    informal_production,
    gate_owner_gaps,
    team_local_benchmarks,
    untracked_versions,
    experiments_without_runs,
    ratio_findings,
    ratio_drift,
    version_findings,
    consumers_without_production,
]


def organisation_checks(
    *,
    severity: str | None = None,
    code: str | None = None,
    team: str | None = None,
    now: datetime | None = None,
) -> list[Finding]:
    """Every finding, most severe first (then by code and subject). ``severity`` keeps that
    level and above, ``code`` one code, ``team`` (a slug) findings about that team. The filters
    are applied after the checks run, so counts stay comparable; unknown values are the
    caller's to refuse (see ``checks_filters_parse``)."""
    criteria = GateCriterion.objects.select_related("benchmark").order_by("position", "id")
    protocols = list(
        HandoffProtocol.objects.filter(active=True)
        .select_related("responsible_role")
        .prefetch_related(Prefetch("criteria", queryset=criteria))
    )
    world = World(
        now=now or timezone.now(),
        protocols=protocols,
        teams={t.pk: t for t in Team.objects.all()},
    )
    findings = [finding for check in CHECKS for finding in check(world)]
    if severity:
        findings = [f for f in findings if RANK[f.severity] <= RANK[severity]]
    if code:
        findings = [f for f in findings if f.code == code]
    if team:
        findings = [f for f in findings if f.team == team]
    return sorted(findings, key=lambda f: (RANK[f.severity], f.code, f.subject))


def checks_filters_parse(*, severity=None, code=None, team=None) -> dict:
    """Check filter values from any interface; unknown ones are refused with InvalidInput."""
    severity, code, team = (severity or "").strip(), (code or "").strip(), (team or "").strip()
    if severity and severity not in SEVERITIES:
        raise InvalidInput(
            "unknown_severity", f"'{severity}' is not a severity; use high, medium or low."
        )
    if code and code not in CODES:
        raise InvalidInput(
            "unknown_code", f"'{code}' is not a check code; use one of {', '.join(CODES)}."
        )
    if team and not Team.objects.filter(slug=team).exists():
        raise InvalidInput("unknown_team", f"There is no team '{team}'; see /teams/.")
    return {"severity": severity or None, "code": code or None, "team": team or None}


def severity_counts(findings: list[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts
