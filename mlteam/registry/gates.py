"""Evaluating a promotion's checklist: the machine-checked items and the manual sign-offs.

Pure reads; ``promotion_approve`` calls ``checklist_evaluate`` again at approval time so a
metric that regressed after the request was made blocks the promotion.
"""

import operator
from dataclasses import dataclass, field

from mlteam.cards.models import ModelCard
from mlteam.evals.selectors import latest_results_by_benchmark
from mlteam.registry.enums import Comparator, CriterionKind
from mlteam.registry.models import ChecklistItem, GateCriterion, ModelArtifact, PromotionRequest

COMPARE = {
    Comparator.GTE: operator.ge,
    Comparator.GT: operator.gt,
    Comparator.LTE: operator.le,
    Comparator.LT: operator.lt,
}


def comparator_holds(value: float, comparator: str, threshold: float) -> bool:
    return COMPARE[Comparator(comparator)](value, threshold)


@dataclass
class ItemCheck:
    """The verdict on one checklist item (or, for previews, one protocol criterion)."""

    item: ChecklistItem | GateCriterion
    satisfied: bool
    explanation: str
    observed: float | None = None
    missing_sections: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.item.kind


def _check_metric(item, latest: dict) -> ItemCheck:
    benchmark = item.benchmark
    result = latest.get(benchmark.pk)
    if result is None:
        return ItemCheck(item, False, f"not satisfied — no result recorded for {benchmark.name}")
    symbol = Comparator(item.comparator).label
    unit = f" {benchmark.unit}" if benchmark.unit else ""
    ok = comparator_holds(result.value, item.comparator, item.threshold)
    verdict = "satisfied" if ok else "not satisfied"
    text = (
        f"{verdict} — {benchmark.name} is {result.value:g}{unit}, "
        f"needs {symbol} {item.threshold:g}{unit}"
    )
    return ItemCheck(item, ok, text, observed=result.value)


def _check_card(item, card: ModelCard | None) -> ItemCheck:
    if card is None:
        return ItemCheck(item, False, "not satisfied — this version has no model card")
    missing = card.missing_sections
    if missing:
        text = "not satisfied — the model card is missing: " + ", ".join(missing)
        return ItemCheck(item, False, text, missing_sections=missing)
    return ItemCheck(item, True, "satisfied — every required section is filled in")


def _check_manual(item) -> ItemCheck:
    if isinstance(item, ChecklistItem) and item.ticked and item.evidence.strip():
        return ItemCheck(item, True, f"signed by {item.ticked_by} — {item.evidence}")
    return ItemCheck(item, False, "not satisfied — waiting for a gate owner's sign-off")


def _card_of(artifact: ModelArtifact) -> ModelCard | None:
    try:
        return artifact.card
    except ModelCard.DoesNotExist:
        return None


def criteria_evaluate(
    artifact: ModelArtifact, items: list[ChecklistItem] | list[GateCriterion]
) -> list[ItemCheck]:
    """Verdicts for items in order; the latest eval results are read in one query."""
    benchmark_ids = [i.benchmark_id for i in items if i.kind == CriterionKind.METRIC]
    latest = latest_results_by_benchmark(artifact, benchmark_ids) if benchmark_ids else {}
    needs_card = any(i.kind == CriterionKind.CARD_COMPLETE for i in items)
    card = _card_of(artifact) if needs_card else None
    checks = []
    for item in items:
        if item.kind == CriterionKind.METRIC:
            checks.append(_check_metric(item, latest))
        elif item.kind == CriterionKind.CARD_COMPLETE:
            checks.append(_check_card(item, card))
        else:
            checks.append(_check_manual(item))
    return checks


def checklist_evaluate(request: PromotionRequest) -> list[ItemCheck]:
    items = list(request.items.select_related("benchmark", "ticked_by__user").order_by("position"))
    return criteria_evaluate(request.artifact, items)
