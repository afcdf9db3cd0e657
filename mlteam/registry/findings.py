"""The vocabulary of the organisation checks: severities, codes, the typed ``Finding`` and
what every check shares."""

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.urls import reverse

from mlteam.registry.models import HandoffProtocol
from mlteam.roster.models import Team

HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITIES = (HIGH, MEDIUM, LOW)
RANK = {HIGH: 0, MEDIUM: 1, LOW: 2}

# code -> what it means (the page's legend, the API schema and the README use the same words)
CODES = {
    "ungated_transition": "A stage change versions made, or a model needs, has no active gate.",
    "informal_production": "Production reached through a checklist with no metric criterion.",
    "gate_owner_gap": "A gate's responsible role has no holder, or only one.",
    "team_local_benchmark": "Evaluation built by one team for itself, not shared.",
    "untracked_version": "A version beyond experimental with no source run (no lineage).",
    "experiment_without_runs": "An experiment with no run after 14 days.",
    "ratio_outside_target": "A team's research share is outside its band now.",
    "ratio_drift": "A team moved away from its target over the last 90 days.",
    "no_target": "An ML or hybrid team has no research-share target.",
    "card_incomplete_in_production": "A production version's model card misses sections.",
    "orphaned_owner": "A staging or production version whose owner left.",
    "stale_staging": "A staging version passes its production gate's metrics but has waited.",
    "consumer_without_production": "A team consumes a model with no production version.",
}
EXPERIMENT_GRACE = timedelta(days=14)
STALE_STAGING = timedelta(days=30)
DRIFT_DAYS = 90
DRIFT_MIN = 0.05  # moving 5 points further from the target counts as drift


@dataclass(frozen=True)
class Finding:
    """One place where the organisation breaks a practice, and how to fix it."""

    code: str
    severity: str
    subject: str
    subject_url: str
    message: str
    fix: str
    fix_url: str = ""
    team: str = ""  # slug of the team concerned, "" when it concerns the whole organisation
    team_name: str = ""
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class World:
    """What several checks share, read once."""

    now: datetime
    protocols: list[HandoffProtocol]
    teams: dict[int, Team]

    @property
    def active_pairs(self) -> set[tuple[str, str]]:
        return {(p.from_stage, p.to_stage) for p in self.protocols}


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def a_kind(team: Team) -> str:
    kind = team.get_kind_display().replace("team", "").strip()  # "ML", "Agent", "Product"…
    article = "an" if kind[0] in "AEIOU" or kind == "ML" else "a"
    return f"{article} {kind if kind == 'ML' else kind.lower()} team"


def team_fields(team: Team | None) -> dict:
    return {"team": team.slug, "team_name": team.name} if team is not None else {}
