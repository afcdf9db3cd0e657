"""Typed results: one frozen dataclass per API resource, built from the JSON the server sent.

Every result keeps that JSON as ``raw`` (what ``--json`` prints). Keys the server adds later are
ignored and keys an older server lacks take their default, so a client and a server of
neighbouring releases still talk.
"""

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Self


@dataclass(frozen=True)
class Result:
    raw: dict = field(default_factory=dict, repr=False, compare=False)
    # field name → Result class (or a one-element list of one) for nested objects
    NESTED: ClassVar[dict[str, Any]] = {}

    @classmethod
    def from_api(cls, data: dict) -> Self:
        if not isinstance(data, dict):
            data = {}
        values = {"raw": data}
        for item in fields(cls):
            if item.name == "raw" or item.name not in data:
                continue
            value, nested = data[item.name], cls.NESTED.get(item.name)
            if isinstance(nested, list) and isinstance(value, list):
                value = [nested[0].from_api(v) for v in value]
            elif nested is not None and isinstance(value, dict):
                value = nested.from_api(value)
            values[item.name] = value
        return cls(**values)


@dataclass(frozen=True)
class Model(Result):
    name: str = ""
    team: str = ""
    team_name: str = ""
    task: str = ""
    description: str = ""
    latest_version: int | None = None
    production_version: int | None = None
    created_at: str | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class Score(Result):
    benchmark: str = ""
    benchmark_name: str = ""
    value: float | None = None
    unit: str = ""
    higher_is_better: bool = True
    recorded_at: str | None = None


@dataclass(frozen=True)
class Version(Result):
    model: str = ""
    version: int = 0
    status: str = ""
    owner: str = ""
    owner_name: str = ""
    artifact_uri: str = ""
    description: str = ""
    source_run: int | None = None
    created_at: str | None = None
    status_changed_at: str | None = None
    card_missing_sections: list[str] = field(default_factory=list)
    # only in the detail answer (``Client.version``)
    eval_scores: list[Score] = field(default_factory=list)
    pending_promotion: int | None = None
    next_stages: list[str] = field(default_factory=list)
    NESTED: ClassVar[dict[str, Any]] = {"eval_scores": [Score]}


@dataclass(frozen=True)
class Production(Result):
    model: str = ""
    at: str = ""
    version: Version | None = None
    NESTED: ClassVar[dict[str, Any]] = {"version": Version}


@dataclass(frozen=True)
class EvalResult(Result):
    id: int | None = None
    benchmark: str = ""
    value: float | None = None
    recorded_by: str | None = None
    recorded_at: str | None = None
    run: int | None = None
    note: str = ""


@dataclass(frozen=True)
class ChecklistItem(Result):
    item: int = 0
    kind: str = ""
    statement: str = ""
    benchmark: str | None = None
    comparator: str = ""
    threshold: float | None = None
    ticked: bool = False
    evidence: str = ""
    ticked_by: str | None = None
    ticked_at: str | None = None
    satisfied: bool = False
    explanation: str = ""
    observed: float | None = None
    missing_sections: list[str] | None = None


@dataclass(frozen=True)
class Approval(Result):
    """One gate owner's approval of a request (a K-of-N gate needs several)."""

    approver: str = ""
    at: str | None = None
    note: str = ""
    verdicts: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Promotion(Result):
    id: int = 0
    model: str = ""
    version: int = 0
    from_stage: str = ""
    to_stage: str = ""
    state: str = ""
    responsible_role: str = ""
    allow_owner_approval: bool = False
    required_approvals: int = 1
    approvals: list[Approval] = field(default_factory=list)
    requested_by: str | None = None
    requested_at: str | None = None
    note: str = ""
    decided_by: str | None = None
    decided_at: str | None = None
    decision_note: str = ""
    # only in answers about one request (its evaluated checklist)
    checklist: list[ChecklistItem] = field(default_factory=list)
    NESTED: ClassVar[dict[str, Any]] = {"checklist": [ChecklistItem], "approvals": [Approval]}

    @property
    def approvals_label(self) -> str:
        """ "1 of 2 approvals", as the promotion page says it."""
        plural = "" if self.required_approvals == 1 else "s"
        return f"{len(self.approvals)} of {self.required_approvals} approval{plural}"


@dataclass(frozen=True)
class CardResult(Result):
    benchmark: str = ""
    benchmark_name: str = ""
    metric: str = ""
    unit: str = ""
    higher_is_better: bool = True
    dataset_version: str = ""
    value: float | None = None
    recorded_at: str | None = None
    run: int | None = None


@dataclass(frozen=True)
class Card(Result):
    model: str = ""
    version: int = 0
    stage: str = ""
    sections: dict[str, str] = field(default_factory=dict)
    headings: dict[str, str] = field(default_factory=dict)
    risk_rating: str = ""
    tags: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    complete: bool = False
    missing_sections: list[str] = field(default_factory=list)
    eval_results: list[CardResult] = field(default_factory=list)
    updated_at: str | None = None
    # only after an import
    import_notes: list[str] = field(default_factory=list)
    changed_sections: list[str] = field(default_factory=list)
    NESTED: ClassVar[dict[str, Any]] = {"eval_results": [CardResult]}


@dataclass(frozen=True)
class RatioRow(Result):
    team: str | None = None
    team_name: str | None = None
    research: int = 0
    production: int = 0
    total: int = 0
    research_share: float | None = None
    target_share: float | None = None
    target_low: float | None = None
    target_high: float | None = None
    outside_target: bool = False
    status: str = ""


@dataclass(frozen=True)
class Ratio(Result):
    at: str = ""
    overall: RatioRow | None = None
    teams: list[RatioRow] = field(default_factory=list)
    NESTED: ClassVar[dict[str, Any]] = {"overall": RatioRow, "teams": [RatioRow]}


@dataclass(frozen=True)
class Member(Result):
    username: str = ""
    name: str = ""
    role: str = ""
    is_ml_lead: bool = False
    orientation: str = ""
    team: str | None = None
    embedded_in: str | None = None
    joined_on: str | None = None
    left_on: str | None = None
    active: bool = True


@dataclass(frozen=True)
class Team(Result):
    slug: str = ""
    name: str = ""
    kind: str = ""
    mission: str = ""
    lead: str | None = None
    member_count: int = 0
    target_research_share: float | None = None
    target_tolerance: float | None = None


@dataclass(frozen=True)
class Benchmark(Result):
    slug: str = ""
    name: str = ""
    description: str = ""
    metric: str = ""
    unit: str = ""
    higher_is_better: bool = True
    dataset_version: str = ""
    owner_team: str | None = None


@dataclass(frozen=True)
class Experiment(Result):
    id: int = 0
    name: str = ""
    team: str = ""
    owner: str = ""
    hypothesis: str = ""
    description: str = ""
    created_at: str | None = None
    run_count: int = 0


@dataclass(frozen=True)
class Run(Result):
    id: int = 0
    experiment: int = 0
    name: str = ""
    status: str = ""
    params: dict = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    git_commit: str = ""
    notes: str = ""
    started_by: str | None = None
    started_at: str | None = None
    ended_at: str | None = None


@dataclass(frozen=True)
class MetricPoint(Result):
    key: str = ""
    step: int = 0
    value: float | None = None
    logged_at: str | None = None


@dataclass(frozen=True)
class Webhook(Result):
    id: int = 0
    url: str = ""
    events: list = field(default_factory=list)
    description: str = ""
    active: bool = True
    created_by: str = ""
    created_at: str | None = None
    consecutive_failures: int = 0
    disabled_reason: str = ""
    secret: str = ""  # only in the answer to webhook_create


@dataclass(frozen=True)
class WebhookDelivery(Result):
    id: int = 0
    event: int = 0
    event_type: str = ""
    message_id: str = ""
    state: str = ""
    attempts: int = 0
    created_at: str | None = None
    next_attempt_at: str | None = None
    log: list = field(default_factory=list)
