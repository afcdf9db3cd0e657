"""Reads of the registry, ready-joined for pages, the API and the CLI."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from mlteam.evals.models import Benchmark, EvalResult, LatestResult
from mlteam.evals.selectors import latest_results_by_benchmark
from mlteam.kernel.enums import Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry import rules
from mlteam.registry.enums import CriterionKind, PromotionState
from mlteam.registry.gates import ItemCheck, checklist_evaluate, criteria_evaluate
from mlteam.registry.models import (
    ChecklistItem,
    GateCriterion,
    HandoffProtocol,
    Model,
    ModelArtifact,
    PromotionApproval,
    PromotionRequest,
    StageTransition,
)
from mlteam.roster.models import MLTeamMember, ModelConsumer


def artifact_timeline(artifact: ModelArtifact) -> QuerySet[AuditEvent]:
    """Everything that happened to one version, oldest first."""
    return (
        AuditEvent.objects.filter(artifact=artifact)
        .select_related("actor", "promotion")
        .order_by("at", "id")
    )


def model_timeline(model: Model) -> QuerySet[AuditEvent]:
    """Everything that happened to a model and its versions, newest first."""
    return (
        AuditEvent.objects.filter(model=model)
        .select_related("actor", "artifact")
        .order_by("-at", "-id")
    )


def model_production_at(model: Model, at: datetime | None = None) -> ModelArtifact | None:
    """The version of ``model`` that was in production at ``at`` (now if omitted).

    Answered from the stage history (StageTransition), not from today's statuses: the last
    transition into or out of production at or before ``at`` decides.
    """
    at = at or timezone.now()
    last = (
        StageTransition.objects.filter(model=model, at__lte=at)
        .filter(Q(to_stage=Stage.PRODUCTION) | Q(from_stage=Stage.PRODUCTION))
        .select_related("artifact__model")
        .order_by("-at", "-id")
        .first()
    )
    if last is None or last.to_stage != Stage.PRODUCTION:
        return None
    return last.artifact


# --- Reads for the registry's web pages ---------------------------------------------------------
# Each returns everything its page shows in a fixed number of queries, whatever the row count.


def models_for_registry() -> QuerySet[Model]:
    """Models with their production version and the stage of their latest version."""
    production = ModelArtifact.objects.filter(model=OuterRef("pk"), status=Stage.PRODUCTION)
    latest = ModelArtifact.objects.filter(model=OuterRef("pk"), version=OuterRef("last_version"))
    return Model.objects.select_related("team").annotate(
        production_version=Subquery(production.values("version")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
    )


# One meaning per registry filter: the registry page (web ModelFilter) and the API's
# ``/api/v1/models/`` (api ModelFilter) both call these, so the same parameters give the same rows.


def models_matching(models: QuerySet[Model], text: str) -> QuerySet[Model]:
    """``q``: models whose name, task or description contains ``text`` (any case)."""
    text = text.strip()
    if not text:
        return models
    return models.filter(
        Q(name__icontains=text) | Q(task__icontains=text) | Q(description__icontains=text)
    )


def models_with_stage(models: QuerySet[Model], stage: str) -> QuerySet[Model]:
    """``stage``: models with at least one version in ``stage``."""
    versions = ModelArtifact.objects.filter(model=OuterRef("pk"), status=stage)
    return models.filter(Exists(versions))


def models_with_version_owner(models: QuerySet[Model], owner: MLTeamMember) -> QuerySet[Model]:
    """``owner``: models with at least one version owned by ``owner``."""
    versions = ModelArtifact.objects.filter(model=OuterRef("pk"), owner=owner)
    return models.filter(Exists(versions))


def model_tasks() -> list[tuple[str, str]]:
    """Every task some model serves, as form choices."""
    tasks = Model.objects.order_by("task").values_list("task", flat=True).distinct()
    return [(task, task) for task in tasks]


def model_versions(model: Model) -> list[ModelArtifact]:
    """A model's versions, newest first, each with ``key_scores`` (latest result per benchmark)
    and ``pending_request`` (its open promotion request or None)."""
    return versions_with_scores(list(model_version_list(model)))


def model_version_list(model: Model) -> QuerySet[ModelArtifact]:
    """A model's versions, newest first (lazy: page it, then ``versions_with_scores``)."""
    return model.artifacts.select_related("owner__user").order_by("-version")


def versions_with_scores(versions: list[ModelArtifact]) -> list[ModelArtifact]:
    """Give each version ``key_scores`` and ``pending_request``: two queries for the lot."""
    ids = [artifact.pk for artifact in versions]
    latest: dict[int, list[EvalResult]] = {}
    rows = (
        LatestResult.objects.filter(artifact_id__in=ids)
        .select_related("result__benchmark")
        .order_by("artifact_id", "benchmark__name")
    )
    for row in rows:
        latest.setdefault(row.artifact_id, []).append(row.result)
    pending = {
        p.artifact_id: p
        for p in PromotionRequest.objects.filter(artifact_id__in=ids, state=PromotionState.PENDING)
    }
    for artifact in versions:
        artifact.key_scores = latest.get(artifact.pk, [])
        artifact.pending_request = pending.get(artifact.pk)
    return versions


def model_consumers(model: Model) -> QuerySet[ModelConsumer]:
    return ModelConsumer.objects.filter(model=model).select_related("team").order_by("team__name")


def artifact_for_page(name: str, version: int) -> ModelArtifact:
    """One version with everything its page shows joined in; raises DoesNotExist."""
    return ModelArtifact.objects.select_related(
        "model__team", "owner__user", "owner__role", "source_run__experiment", "card"
    ).get(model__name=name, version=version)


@dataclass
class GatePreview:
    """A protocol the version could go through next, and its checklist evaluated for it now."""

    protocol: HandoffProtocol
    checks: list[ItemCheck]

    @property
    def machine_checks(self) -> list[ItemCheck]:
        return [c for c in self.checks if c.kind != CriterionKind.MANUAL]

    @property
    def machine_passing(self) -> int:
        return sum(1 for c in self.machine_checks if c.satisfied)


def next_gates(artifact: ModelArtifact) -> list[GatePreview]:
    """The active protocols leaving the version's stage, each with its checklist preview."""
    criteria = GateCriterion.objects.select_related("benchmark").order_by("position", "id")
    protocols = (
        HandoffProtocol.objects.filter(from_stage=artifact.status, active=True)
        .select_related("responsible_role")
        .prefetch_related(Prefetch("criteria", queryset=criteria))
        .order_by("to_stage")
    )
    return [
        GatePreview(protocol, criteria_evaluate(artifact, list(protocol.criteria.all())))
        for protocol in protocols
    ]


@dataclass
class ScoreRow:
    """A benchmark score of a version and, for each next gate measuring it, pass or fail."""

    benchmark: Benchmark
    result: EvalResult | None
    gate_checks: list[tuple[HandoffProtocol, ItemCheck]] = field(default_factory=list)


def version_scores(artifact: ModelArtifact, gates: list[GatePreview]) -> list[ScoreRow]:
    """Latest result per benchmark, plus benchmarks a next gate needs but nobody measured."""
    rows: dict[int, ScoreRow] = {
        r.benchmark_id: ScoreRow(r.benchmark, r)
        for r in latest_results_by_benchmark(artifact).values()
    }
    for gate in gates:
        for check in gate.checks:
            if check.kind != CriterionKind.METRIC:
                continue
            benchmark = check.item.benchmark
            row = rows.setdefault(benchmark.pk, ScoreRow(benchmark, None))
            row.gate_checks.append((gate.protocol, check))
    return sorted(rows.values(), key=lambda row: row.benchmark.name)


def pending_request_of(artifact: ModelArtifact) -> PromotionRequest | None:
    return artifact.promotions.filter(state=PromotionState.PENDING).first()


def promotions_for_list() -> QuerySet[PromotionRequest]:
    return PromotionRequest.objects.select_related(
        "artifact__model", "requested_by__user", "responsible_role", "decided_by__user"
    )


def promotions_waiting_for(member: MLTeamMember | None) -> QuerySet[PromotionRequest]:
    """Pending requests ``member`` could sign off now, joined for lists: the gate rules'
    query (``rules.promotions_waiting_for``, beside the predicates it expresses)."""
    return rules.promotions_waiting_for(member, promotions_for_list())


def promotions_requested_by(member: MLTeamMember | None) -> QuerySet[PromotionRequest]:
    if member is None:
        return promotions_for_list().none()
    return promotions_for_list().filter(requested_by=member)


def approvals_with_approvers() -> Prefetch:
    """A request's approvals, oldest first, with their approvers (for the rules and displays)."""
    return Prefetch(
        "approvals",
        queryset=PromotionApproval.objects.select_related("approver__user").order_by("at", "id"),
    )


def promotion_for_page(pk: int) -> PromotionRequest:
    """One request with its artifact, people and roles joined in and its approvals (with their
    approvers) prefetched, as the gate rules read them; raises DoesNotExist."""
    return (
        PromotionRequest.objects.select_related(
            "artifact__model__team",
            "artifact__owner__user",
            "artifact__card",
            "protocol",
            "requested_by__user",
            "responsible_role",
            "decided_by__user",
            "replaces",
        )
        .prefetch_related(approvals_with_approvers())
        .get(pk=pk)
    )


def promotion_checks(request: PromotionRequest) -> list[ItemCheck]:
    """The checklist verdicts: live while pending, as frozen at approval afterwards."""
    if request.state != PromotionState.APPROVED:
        return checklist_evaluate(request)
    items = request.items.select_related("benchmark", "ticked_by__user").order_by("position")
    return [_frozen_check(item) for item in items]


def _frozen_check(item: ChecklistItem) -> ItemCheck:
    if item.kind == CriterionKind.MANUAL:
        return ItemCheck(item, item.ticked, f"signed by {item.ticked_by} — {item.evidence}")
    satisfied = bool(item.satisfied_at_decision)
    verdict = "satisfied" if satisfied else "not satisfied"
    return ItemCheck(item, satisfied, f"{verdict} at approval", observed=item.observed_value)


def promotion_events(request: PromotionRequest) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(promotion=request)
        .select_related("actor", "artifact__model", "promotion")
        .order_by("at", "id")
    )


@dataclass(frozen=True)
class ApprovalProgress:
    """Where a K-of-N gate stands: who approved and when, and how many approvals are still
    needed (from the request's prefetched approvals)."""

    approvals: list[PromotionApproval]
    required: int

    @property
    def count(self) -> int:
        return len(self.approvals)

    @property
    def label(self) -> str:
        return rules.approvals_label(self.count, self.required)

    @property
    def still_needed(self) -> int:
        return max(self.required - self.count, 0)

    @property
    def next_completes(self) -> bool:
        """The next approval is the last one the gate needs: it moves the version."""
        return self.still_needed <= 1


def approval_progress(request: PromotionRequest) -> ApprovalProgress:
    return ApprovalProgress(list(request.approvals.all()), request.required_approvals)


@dataclass(frozen=True)
class SignOffRights:
    """What the viewer may do on a promotion page, and in plain words why not.

    Each blocker is the refusal of the gate rule (``rules.py``) the engine applies, in the
    page's words; the views still call the engine for every action.
    """

    can_tick: bool
    tick_blocker: str
    can_approve: bool
    approve_blocker: str
    can_reject: bool
    reject_blocker: str
    can_withdraw: bool
    withdraw_blocker: str


def signoff_rights(
    request: PromotionRequest,
    member: MLTeamMember | None,
    checks: list[ItemCheck],
    *,
    member_is_ml_lead: bool = False,
) -> SignOffRights:
    """Pure: decides from the request, the viewer and the evaluated checklist alone."""
    tick = rules.may_tick(request, member)
    approve = rules.may_approve(request, member, checks)
    reject = rules.may_reject(request, member)
    withdraw = rules.may_withdraw(request, member, member_is_ml_lead=member_is_ml_lead)
    return SignOffRights(
        tick is None,
        rules.explain(tick),
        approve is None,
        rules.explain(approve),
        reject is None,
        rules.explain(reject),
        withdraw is None,
        rules.explain(withdraw),
    )


def active_metric_criteria() -> QuerySet[GateCriterion]:
    """Metric criteria of the active protocols: the thresholds the gates apply today."""
    return (
        GateCriterion.objects.filter(kind=CriterionKind.METRIC, protocol__active=True)
        .select_related("protocol", "benchmark")
        .order_by("protocol__from_stage", "position", "id")
    )


def benchmark_gate_criteria() -> dict[int, list[GateCriterion]]:
    """Active metric criteria grouped by benchmark id (one query)."""
    grouped: dict[int, list[GateCriterion]] = {}
    for criterion in active_metric_criteria():
        grouped.setdefault(criterion.benchmark_id, []).append(criterion)
    return grouped


def benchmarks_catalogue() -> QuerySet[Benchmark]:
    """Benchmarks with their owner team and the active gates that use them (two queries)."""
    return (
        Benchmark.objects.select_related("owner_team")
        .prefetch_related(Prefetch("criteria", queryset=active_metric_criteria(), to_attr="gates"))
        .order_by("name")
    )


@dataclass(frozen=True)
class GateCoverage:
    protocol: HandoffProtocol
    holders: int
    single_holder: MLTeamMember | None

    @property
    def level(self) -> str:
        return "none" if self.holders == 0 else "single" if self.holders == 1 else "ok"


def gate_owner_coverage() -> list[GateCoverage]:
    """For every active HandoffProtocol, how many active members hold its responsible role.

    0 holders: nobody can approve that transition. 1 holder: that person can never get their
    own requests through it approved (four-eyes). 3 queries.
    """
    protocols = list(HandoffProtocol.objects.filter(active=True).select_related("responsible_role"))
    role_ids = {p.responsible_role_id for p in protocols}
    active = MLTeamMember.objects.filter(left_on__isnull=True, role_id__in=role_ids)
    counts = dict(active.values_list("role_id").annotate(n=Count("id")).order_by())
    single_roles = [role for role, n in counts.items() if n == 1]
    singles = {
        m.role_id: m for m in active.filter(role_id__in=single_roles).select_related("user", "team")
    }
    return [
        GateCoverage(p, counts.get(p.responsible_role_id, 0), singles.get(p.responsible_role_id))
        for p in protocols
    ]


@dataclass(frozen=True)
class PlannedCoverage:
    protocol: HandoffProtocol
    now: int
    planned: int

    @property
    def level(self) -> str:
        return "none" if self.planned == 0 else "single" if self.planned == 1 else "ok"


def gate_owner_coverage_planned(
    holders_now: dict[int, int], holders_planned: dict[int, int]
) -> list[PlannedCoverage]:
    """Gate-owner coverage before and after a rebalancing plan, from role holder counts the
    planner simulated (``{role id: people}``). One query."""
    protocols = HandoffProtocol.objects.filter(active=True).select_related("responsible_role")
    return [
        PlannedCoverage(
            p,
            holders_now.get(p.responsible_role_id, 0),
            holders_planned.get(p.responsible_role_id, 0),
        )
        for p in protocols
    ]
