"""Bounded queries: each endpoint makes the same number of queries with one row and with many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mlteam.registry import services
from mlteam.tracking.services import experiment_create, run_log_metrics, run_start
from tests.factories import (
    BenchmarkFactory,
    CriterionFactory,
    MemberFactory,
    ProtocolFactory,
    result_create,
)

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/models/",
    "/api/v1/models/?stage=experimental&ordering=-updated_at",
    "/api/v1/models/intent/",
    "/api/v1/models/intent/versions/",
    "/api/v1/models/intent/versions/1/",
    "/api/v1/models/intent/versions/1/evals/",
    "/api/v1/models/intent/versions/1/promotions/",
    "/api/v1/models/intent/versions/1/card/",
    "/api/v1/models/intent/versions/1/card/?format=md",
    "/api/v1/promotions/",
    "/api/v1/promotions/?waiting=true",
    "/api/v1/promotions/{pk}/",
    "/api/v1/protocols/",
    "/api/v1/benchmarks/",
    "/api/v1/benchmarks/accuracy/leaderboard/",
    "/api/v1/teams/",
    "/api/v1/members/",
    "/api/v1/roster/ratio/",
    "/api/v1/experiments/",
    "/api/v1/experiments/{experiment}/runs/",
    "/api/v1/runs/{run}/metrics/",
    "/api/v1/events/",
]


def grow(world, n: int, state: dict) -> None:
    """Add ``n`` more of everything the endpoints above list."""
    for i in range(n):
        member = MemberFactory(team=world.team, role=world.member.role)
        model = services.model_create(name=f"extra-{i}", team=world.team, task="t", actor=member)
        artifact = services.artifact_register(model=model, actor=member)
        v = services.artifact_register(model=world.model, actor=member)
        bench = BenchmarkFactory(owner_team=world.team)
        for target in (world.artifact, artifact, v):
            result_create(
                artifact=target,
                benchmark=world.benchmark,
                value=0.5 + i / 100,
                recorded_at=timezone.now(),
                recorded_by=member,
            )
        result_create(artifact=world.artifact, benchmark=bench, value=1, recorded_at=timezone.now())
        services.promotion_request(artifact=artifact, to_stage="staging", actor=member)
        protocol = ProtocolFactory(from_stage="deprecated", to_stage="experimental", active=False)
        CriterionFactory(
            protocol=protocol, benchmark=bench, kind="metric", comparator="gte", threshold=1
        )
        experiment = experiment_create(name=f"exp-{i}", team=world.team, owner=member)
        run_start(experiment=experiment, name="r", actor=member)
        run_start(experiment=experiment_by(state["experiment"]), name=f"r{i}", actor=member)
        run_log_metrics(
            run=run_by(state["run"]), key=f"k{i}", values=[(0, 1.0), (1, 0.5)], actor=member
        )


def experiment_by(pk):
    from mlteam.tracking.models import Experiment

    return Experiment.objects.get(pk=pk)


def run_by(pk):
    from mlteam.tracking.models import Run

    return Run.objects.get(pk=pk)


def count_queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(queries)


def test_query_counts_do_not_grow_with_rows(world, as_user):
    pending = services.promotion_request(
        artifact=world.artifact, to_stage="staging", actor=world.member
    )
    experiment = experiment_create(name="exp", team=world.team, owner=world.member)
    run = run_start(experiment=experiment, name="r0", actor=world.member)
    run_log_metrics(run=run, key="loss", values=[(0, 1.0)], actor=world.member)
    result_create(  # one row on the leaderboard to begin with
        artifact=world.artifact,
        benchmark=world.benchmark,
        value=0.4,
        recorded_at=timezone.now(),
        recorded_by=world.member,
    )
    state = {"pk": pending.pk, "experiment": experiment.pk, "run": run.pk}
    api = as_user(world.gate_owner)
    api.get("/api/v1/models/")  # the first use of a token records last_used_at
    urls = [url.format(**state) for url in URLS]
    few = {url: count_queries(api, url) for url in urls}
    grow(world, 6, state)
    many = {url: count_queries(api, url) for url in urls}
    assert many == few
    assert max(few.values()) <= 12, few
