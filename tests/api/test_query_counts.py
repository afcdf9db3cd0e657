"""Bounded queries: each endpoint makes the same number of queries with one row and with many."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mlteam.kernel import tasks
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


def captured(api, method: str, url: str, **kwargs) -> list[str]:
    """The statements one request runs, without the SAVEPOINTs the test's own transaction adds
    around a service's atomic block (a request outside a test opens a plain transaction)."""
    with CaptureQueriesContext(connection) as queries:
        response = getattr(api, method)(url, **kwargs)
    assert response.status_code in (200, 201), (url, response.content[:300])
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def test_register_a_version_and_get_version_take_few_queries(world, as_user, settings):
    """Pinned counts with the token lookup cached (as with REDIS_URL): register reads the model
    with its team, then in one transaction inserts the version's rows (on PostgreSQL one
    statement: the counter's bump, the version, its first stage step, its card copied from the
    previous one; on SQLite those four) and the audit row. Get version is 2."""
    settings.API_TOKEN_CACHE_SECONDS = 300
    api = as_user(world.member)
    api.get("/api/v1/models/")  # caches the token and records its last_used_at
    body = {"artifact_uri": "s3://bucket/intent/v2/", "description": "more data"}
    register = captured(api, "post", "/api/v1/models/intent/versions/", data=body, format="json")
    get_version = captured(api, "get", "/api/v1/models/intent/versions/2/")

    expected = 3 if connection.vendor == "postgresql" else 6
    assert len(register) == expected, "\n".join(sql[:120] for sql in register)
    assert len(get_version) <= 2, get_version


def shape(sql: str) -> str:
    """A statement as its verb and first table: ``INSERT registry_auditevent``, or ``WITH``."""
    verb = sql.split(None, 1)[0].upper()
    if verb == "WITH":
        return verb
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)', sql, re.IGNORECASE)
    return f"{verb} {table.group(1)}"


@pytest.fixture
def whole_write(as_user, world, settings, monkeypatch, django_capture_on_commit_callbacks):
    """The shapes of the statements one write request runs, side effects after commit included.
    A sealing run counts as queued already, as it is for every commit within a second of the
    last one in this process."""
    settings.API_TOKEN_CACHE_SECONDS = 300
    monkeypatch.setitem(tasks._queued, "until", timezone.now() + timedelta(hours=1))
    api = as_user(world.member)
    api.get("/api/v1/models/")

    def run(url: str, data: dict) -> list[str]:
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = api.post(url, data=data, format="json")
        assert response.status_code == 201, response.content
        return [shape(q["sql"]) for q in queries if "SAVEPOINT" not in q["sql"]]

    return run


# After commit, the one task a write enqueues: the notifications' dispatch of its event.
DISPATCH = "INSERT django_tasks_database_dbtaskresult"


def test_registering_a_version_runs_these_statements(whole_write):
    steps = (
        ["WITH"]  # the counter's bump, the version, its first stage step, its card
        if connection.vendor == "postgresql"
        else [
            "UPDATE registry_model",
            "INSERT registry_modelartifact",
            "INSERT registry_stagetransition",
            "INSERT cards_modelcard",
        ]
    )
    assert whole_write("/api/v1/models/intent/versions/", {}) == [
        "SELECT registry_model",
        *steps,
        "INSERT registry_auditevent",
        DISPATCH,
    ]


def test_recording_an_eval_runs_these_statements(whole_write):
    steps = (
        ["WITH"]  # the result and the upsert of its pair's latest
        if connection.vendor == "postgresql"
        else ["INSERT evals_evalresult", "INSERT evals_latestresult"]
    )
    url = "/api/v1/models/intent/versions/1/evals/"
    assert whole_write(url, {"benchmark": "accuracy", "value": 0.9}) == [
        "SELECT registry_modelartifact",
        "SELECT evals_benchmark",
        *steps,
        "INSERT registry_auditevent",
        DISPATCH,
    ]
