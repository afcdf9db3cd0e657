"""Reads for the card pages, each a bounded number of queries whatever the history's size."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.shortcuts import get_object_or_404

from mlteam.cards.models import OPTIONAL_SECTIONS, REQUIRED_SECTIONS, ModelCard
from mlteam.evals.models import Benchmark
from mlteam.evals.selectors import latest_results_by_benchmark
from mlteam.kernel.enums import Stage
from mlteam.registry.gates import comparator_holds
from mlteam.registry.models import Model, ModelArtifact, StageTransition
from mlteam.registry.selectors import benchmark_gate_criteria


def card_for_version(name: str, version: int) -> ModelCard:
    """The card of ``name`` v``version`` with everything its page shows joined in (or 404)."""
    return get_object_or_404(
        ModelCard.objects.select_related(
            "artifact__model__team",
            "artifact__owner__user",
            "artifact__source_run__experiment",
            "updated_by__user",
        ),
        artifact__model__name=name,
        artifact__version=version,
    )


@dataclass
class ProductionSpell:
    artifact: ModelArtifact
    start: object
    end: object = None


def production_history(model: Model) -> list[ProductionSpell]:
    """Which version was in production when, newest first, read from the stage history."""
    transitions = (
        StageTransition.objects.filter(model=model)
        .filter(Q(to_stage=Stage.PRODUCTION) | Q(from_stage=Stage.PRODUCTION))
        .select_related("artifact")
        .order_by("at", "id")
    )
    spells: list[ProductionSpell] = []
    open_spells: dict[int, ProductionSpell] = {}
    for transition in transitions:
        if transition.to_stage == Stage.PRODUCTION:
            open_spells[transition.artifact_id] = ProductionSpell(
                transition.artifact, transition.at
            )
            spells.append(open_spells[transition.artifact_id])
        elif transition.artifact_id in open_spells:
            open_spells.pop(transition.artifact_id).end = transition.at
    return spells[::-1]


def stage_history(artifact: ModelArtifact) -> list[StageTransition]:
    """This version's registration and every stage change, oldest first."""
    return list(
        StageTransition.objects.filter(artifact=artifact)
        .select_related("superseded_by")
        .order_by("at", "id")
    )


@dataclass
class GateVerdict:
    criterion: object
    passes: bool


@dataclass
class ScoreRow:
    benchmark: Benchmark
    result: object
    gates: list[GateVerdict] = field(default_factory=list)


def card_scores(artifact: ModelArtifact) -> tuple[list[ScoreRow], list[Benchmark]]:
    """The latest result per shared benchmark with the gate thresholds it meets or misses,
    and the benchmarks this version has not been measured on (three queries)."""
    latest = latest_results_by_benchmark(artifact)
    gates = benchmark_gate_criteria()
    rows = []
    for result in sorted(latest.values(), key=lambda r: r.benchmark.name):
        # Two protocols may share a threshold (promotion and rollback to production): once.
        unique = {
            (c.protocol.to_stage, c.comparator, c.threshold): c
            for c in gates.get(result.benchmark_id, [])
        }
        verdicts = [
            GateVerdict(c, comparator_holds(result.value, c.comparator, c.threshold))
            for c in unique.values()
        ]
        rows.append(ScoreRow(result.benchmark, result, verdicts))
    missing = list(Benchmark.objects.exclude(pk__in=latest.keys()).order_by("name"))
    return rows, missing


@dataclass
class SectionView:
    name: str
    heading: str
    text: str
    required: bool


def card_sections(card: ModelCard) -> list[SectionView]:
    required = [SectionView(n, h, getattr(card, n), True) for n, h in REQUIRED_SECTIONS]
    optional = [SectionView(n, h, getattr(card, n), False) for n, h in OPTIONAL_SECTIONS]
    return required + optional


def model_versions(model: Model) -> list[ModelArtifact]:
    return list(model.artifacts.order_by("-version").only("id", "version", "status", "model_id"))
