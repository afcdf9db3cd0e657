"""Recording results and managing the benchmark catalogue, including every refusal."""

import pytest

from mlteam.evals.models import Benchmark, EvalResult
from mlteam.evals.selectors import latest_results_by_benchmark
from mlteam.evals.services import benchmark_create, benchmark_update, eval_record
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed
from mlteam.kernel.models import AuditEvent
from tests.factories import RunFactory


def test_results_are_history_and_the_latest_counts(world):
    artifact = world.register()
    eval_record(artifact=artifact, benchmark=world.accuracy, value=0.81, actor=world.owner)
    eval_record(artifact=artifact, benchmark="intent-accuracy", value=0.84, actor=world.owner)

    assert EvalResult.objects.filter(artifact=artifact).count() == 2
    latest = latest_results_by_benchmark(artifact).values()
    assert {r.benchmark.slug: r.value for r in latest} == {"intent-accuracy": 0.84}
    assert AuditEvent.objects.filter(action=AuditAction.EVAL_RECORDED).count() == 2


def test_a_result_can_name_the_run_that_produced_it(world):
    artifact = world.register()
    run = RunFactory()
    result = eval_record(
        artifact=artifact, benchmark=world.safety, value=0.99, actor=world.owner, run=run
    )
    assert result.run == run


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (float("nan"), "NaN and infinity cannot be recorded"),
        (float("inf"), "not a finite number"),
        (float("-inf"), "not a finite number"),
        ("nan", "'nan' is text, not a number; send a number"),
        ("0.97", "'0.97' is text, not a number; send a number"),
        ("high", "'high' is text, not a number"),
        ("", "is text, not a number"),
        (None, "is not a number; send a number"),
        (True, "true/false is not a number"),
    ],
)
def test_values_must_be_finite_numbers(world, value, says):
    artifact = world.register()
    with pytest.raises(InvalidInput, match=says):
        eval_record(artifact=artifact, benchmark=world.accuracy, value=value, actor=world.owner)
    assert not EvalResult.objects.exists()


def test_the_benchmark_must_exist(world):
    artifact = world.register()
    with pytest.raises(InvalidInput, match=r"no benchmark 'mmlu'.*intent-accuracy"):
        eval_record(artifact=artifact, benchmark="mmlu", value=0.5, actor=world.owner)
    assert not EvalResult.objects.exists()


def test_only_the_owning_team_or_an_ml_lead_records(world):
    artifact = world.register()
    with pytest.raises(NotAllowed, match="Only members of Applied ML"):
        eval_record(artifact=artifact, benchmark=world.accuracy, value=0.5, actor=world.outsider)
    eval_record(artifact=artifact, benchmark=world.accuracy, value=0.5, actor=world.lead)
    assert EvalResult.objects.count() == 1


def test_a_long_note_is_refused(world):
    artifact = world.register()
    with pytest.raises(InvalidInput, match="at most 255"):
        eval_record(
            artifact=artifact, benchmark=world.accuracy, value=1, actor=world.owner, note="n" * 300
        )


def test_ml_leads_manage_benchmarks(world):
    created = benchmark_create(
        actor=world.lead,
        slug="toxicity-rate",
        name="Toxicity rate",
        metric="toxic share",
        higher_is_better=False,
        owner_team=world.team,
    )
    assert created.slug == "toxicity-rate"
    benchmark_update(benchmark=created, actor=world.lead, changes={"dataset_version": "rtp-2026"})
    assert Benchmark.objects.get(slug="toxicity-rate").dataset_version == "rtp-2026"
    events = AuditEvent.objects.filter(action=AuditAction.BENCHMARK_CHANGED).order_by("id")
    assert [(e.details["verb"], e.actor) for e in events] == [
        ("added", world.lead.user),
        ("changed", world.lead.user),
    ]
    assert events.last().details["fields"] == ["dataset_version"]
    # A direction change re-ranks leaderboards: it is named in the trail; a no-op writes nothing.
    benchmark_update(benchmark=created, actor=world.lead, changes={"dataset_version": "rtp-2026"})
    assert events.count() == 2
    benchmark_update(benchmark=created, actor=world.lead, changes={"higher_is_better": True})
    assert events.last().details["fields"] == ["higher_is_better"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"slug": "safety"}, Conflict),
        ({"slug": "new"}, InvalidInput),
        ({"slug": "   "}, InvalidInput),
        ({"slug": "ok", "metric": ""}, InvalidInput),
        ({"slug": "ok", "colour": "red"}, InvalidInput),
    ],
)
def test_bad_benchmarks_are_refused(world, kwargs, error):
    values = {"name": "X", "metric": "m", "owner_team": world.team} | kwargs
    before = Benchmark.objects.count()
    with pytest.raises(error):
        benchmark_create(actor=world.lead, **values)
    assert Benchmark.objects.count() == before


def test_only_ml_leads_manage_benchmarks(world):
    with pytest.raises(NotAllowed):
        benchmark_create(actor=world.owner, slug="x", name="X", metric="m", owner_team=world.team)
    with pytest.raises(NotAllowed):
        benchmark_update(benchmark=world.safety, actor=world.owner, changes={"name": "Renamed"})
    assert Benchmark.objects.get(slug="safety").name == "Safety suite"
