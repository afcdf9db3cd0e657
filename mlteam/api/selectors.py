"""Ready-joined querysets for the API's lists and details: a fixed number of queries per
request, however many rows a page shows. Where the pages already have the read (the registry's
model list, the promotion lists) the API uses the registry's selector, not a copy."""

from django.db.models import Count, Prefetch, Q, QuerySet

from mlteam.evals.models import Benchmark, EvalResult
from mlteam.kernel.models import AuditEvent
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import (
    GateCriterion,
    HandoffProtocol,
    Model,
    ModelArtifact,
    PromotionRequest,
)
from mlteam.registry.selectors import approvals_with_approvers, promotions_for_list
from mlteam.roster.models import MLTeamMember, Team
from mlteam.tracking.models import Experiment, Run, RunMetric


def versions_for_api() -> QuerySet[ModelArtifact]:
    return ModelArtifact.objects.select_related("model", "owner__user", "card")


def version_for_api(model: Model, version: int) -> ModelArtifact | None:
    return (
        versions_for_api()
        .select_related("model__team")
        .filter(model=model, version=version)
        .first()
    )


def eval_results_for_api() -> QuerySet[EvalResult]:
    return EvalResult.objects.select_related("benchmark", "recorded_by__user")


def promotions_for_api() -> QuerySet[PromotionRequest]:
    """Promotion requests joined for lists, with their approvals (K of N) prefetched."""
    return promotions_for_list().prefetch_related(approvals_with_approvers())


def promotion_for_api(pk: int) -> PromotionRequest | None:
    return (
        promotions_for_api()
        .select_related("artifact__model__team", "artifact__card")
        .filter(pk=pk)
        .first()
    )


def pending_promotion_id(artifact: ModelArtifact) -> int | None:
    return (
        artifact.promotions.filter(state=PromotionState.PENDING)
        .values_list("pk", flat=True)
        .first()
    )


def protocols_for_api() -> QuerySet[HandoffProtocol]:
    criteria = GateCriterion.objects.select_related("benchmark").order_by("position", "id")
    return HandoffProtocol.objects.select_related("responsible_role").prefetch_related(
        Prefetch("criteria", queryset=criteria)
    )


def benchmarks_for_api() -> QuerySet[Benchmark]:
    return Benchmark.objects.select_related("owner_team")


def teams_for_api() -> QuerySet[Team]:
    active = Q(members__left_on__isnull=True)
    return Team.objects.select_related("lead__user", "orientation_target").annotate(
        member_count=Count("members", filter=active, distinct=True)
    )


def members_for_api() -> QuerySet[MLTeamMember]:
    return MLTeamMember.objects.select_related("user", "role", "team", "embedded_in")


def experiments_for_api() -> QuerySet[Experiment]:
    return Experiment.objects.select_related("team", "owner__user").annotate(
        run_count=Count("runs")
    )


def runs_for_api() -> QuerySet[Run]:
    return Run.objects.select_related("experiment__team", "started_by__user")


def run_metrics_for_api(run: Run) -> QuerySet[RunMetric]:
    return RunMetric.objects.filter(run=run)


def events_for_api() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related(
        "actor", "model", "artifact", "promotion", "member__user", "team"
    )
