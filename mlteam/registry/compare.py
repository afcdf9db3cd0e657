"""Two versions of one model side by side: scores per benchmark and what the card changed."""

import difflib
from dataclasses import dataclass, field

from mlteam.cards.models import OPTIONAL_SECTIONS, REQUIRED_SECTIONS, ModelCard
from mlteam.evals.models import Benchmark, EvalResult
from mlteam.evals.selectors import latest_results_by_benchmark
from mlteam.registry.models import ModelArtifact

# Differences smaller than this are measurement noise, not a change.
TOLERANCE = 1e-9


@dataclass
class ScoreComparison:
    benchmark: Benchmark
    a: EvalResult | None
    b: EvalResult | None

    @property
    def delta(self) -> float | None:
        if self.a is None or self.b is None:
            return None
        return self.b.value - self.a.value

    @property
    def verdict(self) -> str:
        """'regression', 'improvement', 'same' or 'missing', in the benchmark's direction."""
        delta = self.delta
        if delta is None:
            return "missing"
        if abs(delta) <= TOLERANCE:
            return "same"
        better = delta > 0 if self.benchmark.higher_is_better else delta < 0
        return "improvement" if better else "regression"


@dataclass
class SectionDiff:
    name: str
    heading: str
    a: str
    b: str
    lines: list[tuple[str, str]] = field(default_factory=list)


def compare_scores(a: ModelArtifact, b: ModelArtifact) -> list[ScoreComparison]:
    """Every benchmark either version was measured on (two queries), regressions first."""
    latest_a, latest_b = latest_results_by_benchmark(a), latest_results_by_benchmark(b)
    benchmarks = {r.benchmark_id: r.benchmark for r in [*latest_a.values(), *latest_b.values()]}
    rows = [
        ScoreComparison(bench, latest_a.get(pk), latest_b.get(pk))
        for pk, bench in sorted(benchmarks.items(), key=lambda item: item[1].name)
    ]
    order = {"regression": 0, "improvement": 1, "same": 2, "missing": 3}
    return sorted(rows, key=lambda row: order[row.verdict])


def _diff_lines(a: str, b: str) -> list[tuple[str, str]]:
    """Changed lines as ('removed' | 'added', text), without the unchanged context."""
    lines = []
    for line in difflib.ndiff(a.splitlines(), b.splitlines()):
        if line.startswith("- "):
            lines.append(("removed", line[2:]))
        elif line.startswith("+ "):
            lines.append(("added", line[2:]))
    return lines


def compare_cards(a: ModelCard | None, b: ModelCard | None) -> list[SectionDiff]:
    """The card sections (and risk rating and tags) that differ between two versions."""
    if a is None or b is None:
        return []
    diffs = []
    fields = [*REQUIRED_SECTIONS, *OPTIONAL_SECTIONS, ("risk_rating", "Risk rating")]
    for name, heading in [*fields, ("tags", "Tags")]:
        value_a, value_b = getattr(a, name), getattr(b, name)
        if name == "tags":
            value_a, value_b = ", ".join(value_a), ", ".join(value_b)
        if value_a != value_b:
            diffs.append(
                SectionDiff(name, heading, value_a, value_b, _diff_lines(value_a, value_b))
            )
    return diffs
