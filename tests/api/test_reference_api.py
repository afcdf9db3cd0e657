"""Protocols, benchmarks and leaderboards, teams, members and the ratio, experiments and runs,
and the audit trail."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mlteam.evals.services import eval_record
from mlteam.registry import services
from mlteam.tracking.models import RunMetric
from tests.factories import ExperimentFactory, RunFactory

pytestmark = pytest.mark.django_db


def test_protocols_with_criteria(world, as_user):
    api = as_user(world.reader)
    protocols = api.get("/api/v1/protocols/?active=true").json()["results"]
    assert [p["name"] for p in protocols] == ["Offline evaluation gate"]
    criteria = protocols[0]["criteria"]
    assert [c["kind"] for c in criteria] == ["manual", "metric", "card_complete"]
    assert criteria[1]["benchmark"] == "accuracy" and criteria[1]["threshold"] == 0.8
    assert api.get(f"/api/v1/protocols/{world.protocol.pk}/").json()["responsible_role"] == (
        "Evaluation Engineer"
    )
    assert api.get("/api/v1/protocols/999/").status_code == 404


def test_benchmarks_and_leaderboard(world, as_user):
    v2 = services.artifact_register(model=world.model, actor=world.member)
    eval_record(artifact=world.artifact, benchmark=world.benchmark, value=0.8, actor=world.member)
    eval_record(artifact=v2, benchmark=world.benchmark, value=0.9, actor=world.member)
    api = as_user(world.reader)
    assert [b["slug"] for b in api.get("/api/v1/benchmarks/").json()["results"]] == ["accuracy"]
    assert api.get("/api/v1/benchmarks/accuracy/").json()["owner_team"] == "applied"
    board = api.get("/api/v1/benchmarks/accuracy/leaderboard/").json()["results"]
    assert [(r["rank"], r["version"], r["value"]) for r in board] == [(1, 2, 0.9), (2, 1, 0.8)]
    assert len(api.get("/api/v1/benchmarks/accuracy/leaderboard/?limit=1").json()["results"]) == 1
    assert api.get("/api/v1/benchmarks/accuracy/leaderboard/?team=product").json()["results"] == []
    assert api.get("/api/v1/benchmarks/accuracy/leaderboard/?team=nope").json()["results"] == []
    assert (
        api.get("/api/v1/benchmarks/accuracy/leaderboard/?stage=production").json()["results"] == []
    )
    assert api.get("/api/v1/benchmarks/accuracy/leaderboard/?limit=0").json()["error"] == "invalid"
    assert api.get("/api/v1/benchmarks/nope/leaderboard/").status_code == 404


def test_teams_members_and_ratio(world, as_user):
    api = as_user(world.reader)
    teams = {t["slug"]: t for t in api.get("/api/v1/teams/").json()["results"]}
    assert teams["applied"]["member_count"] == 2
    assert api.get("/api/v1/teams/?kind=product").json()["results"][0]["slug"] == "product"
    assert api.get("/api/v1/teams/applied/").json()["name"] == "Applied ML"
    members = api.get("/api/v1/members/?team=applied").json()["results"]
    assert {m["username"] for m in members} == {"member", "colleague"}
    gate = api.get("/api/v1/members/?role=evaluation engineer").json()["results"]
    assert [m["username"] for m in gate] == ["gate"]
    assert api.get("/api/v1/members/lead/").json()["is_ml_lead"] is True
    ratio = api.get("/api/v1/roster/ratio/").json()
    assert ratio["overall"]["total"] == 5 and ratio["overall"]["team"] is None
    applied = api.get("/api/v1/roster/ratio/?team=applied").json()
    assert [(r["team"], r["research"], r["production"]) for r in applied["teams"]] == [
        ("applied", 2, 0)
    ]
    past = (timezone.now() - timedelta(days=400)).isoformat()
    assert api.get("/api/v1/roster/ratio/", {"at": past}).json()["overall"]["total"] == 0
    assert api.get("/api/v1/roster/ratio/?team=nope").status_code == 404


def test_experiments_runs_and_metrics(world, as_user):
    api = as_user(world.member)
    created = api.post(
        "/api/v1/experiments/", {"name": "lr sweep", "team": "applied", "hypothesis": "h"}
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    duplicate = api.post("/api/v1/experiments/", {"name": "lr sweep", "team": "applied"})
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "duplicate_experiment"
    run = api.post(
        f"/api/v1/experiments/{pk}/runs/", {"name": "r1", "params": {"lr": 0.1}, "tags": ["a"]}
    )
    assert run.status_code == 201 and run.json()["status"] == "running"
    run_id = run.json()["id"]
    points = {"key": "loss", "points": [{"step": 0, "value": 2.0}, {"step": 1, "value": 1.5}]}
    logged = api.post(f"/api/v1/runs/{run_id}/metrics/", points)
    assert logged.status_code == 201 and len(logged.json()["logged"]) == 2
    again = api.post(f"/api/v1/runs/{run_id}/metrics/", points)
    assert again.status_code == 409 and again.json()["error"] == "duplicate_step"
    for text in ("nan", "1.5"):  # a metric value is a JSON number, never text
        refused = api.post(
            f"/api/v1/runs/{run_id}/metrics/",
            {"key": "loss", "points": [{"step": 5, "value": text}]},
        )
        assert (
            refused.json()["error"] == "invalid_value"
            and "send a number" in refused.json()["detail"]
        )
    assert RunMetric.objects.count() == 2
    assert [
        m["value"] for m in api.get(f"/api/v1/runs/{run_id}/metrics/?key=loss").json()["results"]
    ] == [2.0, 1.5]
    finished = api.post(f"/api/v1/runs/{run_id}/finish/", {"status": "finished"})
    assert finished.json()["status"] == "finished" and finished.json()["ended_at"]
    assert api.post(f"/api/v1/runs/{run_id}/finish/", {}).json()["error"] == "run_ended"
    assert api.get(f"/api/v1/experiments/{pk}/").json()["run_count"] == 1
    assert len(api.get("/api/v1/experiments/?team=applied").json()["results"]) == 1
    bad_params = api.post(f"/api/v1/experiments/{pk}/runs/", {"name": "r2", "params": [1, 2]})
    assert bad_params.status_code == 400


def test_tracking_writes_need_the_team(world, as_user):
    experiment = ExperimentFactory(team=world.team, owner=world.member)
    run = RunFactory(experiment=experiment)
    api = as_user(world.reader)
    assert api.post("/api/v1/experiments/", {"name": "x", "team": "applied"}).status_code == 403
    assert api.post(f"/api/v1/experiments/{experiment.pk}/runs/", {"name": "x"}).status_code == 403
    points = {"key": "loss", "points": [{"step": 0, "value": 1}]}
    assert api.post(f"/api/v1/runs/{run.pk}/metrics/", points).status_code == 403
    assert api.post(f"/api/v1/runs/{run.pk}/finish/", {}).status_code == 403
    assert as_user(world.lead).post(f"/api/v1/runs/{run.pk}/finish/", {}).status_code == 200


def test_events_filter_by_object_and_time(world, as_user):
    api = as_user(world.reader)
    events = api.get("/api/v1/events/?model=intent").json()["results"]
    assert [e["action"] for e in events] == ["artifact.registered", "model.created"]
    assert events[0]["version"] == 1 and events[0]["actor"] == "member"
    assert len(api.get("/api/v1/events/?model=intent&version=1").json()["results"]) == 1
    assert len(api.get("/api/v1/events/?action=model.created").json()["results"]) == 1
    assert len(api.get("/api/v1/events/?actor=member").json()["results"]) == 2
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert api.get("/api/v1/events/", {"since": future}).json()["results"] == []
    assert (
        len(api.get("/api/v1/events/", {"until": future, "model": "intent"}).json()["results"]) == 2
    )
    assert api.get("/api/v1/events/?since=notatime").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "promotion=1e30",
        "promotion=1.5",
        "promotion=0",
        "promotion=-1",
        "promotion=99999999999999999999",
        "version=1.5",
        "version=1e3",
        "version=9223372036854775808",
        "since=9999-12-31T23:59:59-05:00",
        "until=0001-01-01T00:00:00%2B05:00",
    ],
)
def test_events_filters_refuse_numbers_and_times_out_of_range(world, as_user, query):
    response = as_user(world.reader).get(f"/api/v1/events/?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid" and query.split("=")[0] in body["fields"]


def test_events_filters_take_any_utc_offset_iso_allows(world, as_user):
    api = as_user(world.reader)
    # -22:29 is valid ISO 8601 but beyond what PostgreSQL accepts as a zone offset.
    odd_offset = api.get("/api/v1/events/", {"since": "2020-01-01T00:00:00-22:29"})
    world_events = [e for e in odd_offset.json()["results"] if e["action"] != "token.created"]
    assert odd_offset.status_code == 200 and len(world_events) == 2
    assert api.get("/api/v1/events/", {"until": "0552-09-25T23:36:31-22:29"}).json() == {
        "next": None,
        "previous": None,
        "results": [],
    }


def test_events_filter_by_whole_numbers(world, as_user):
    api = as_user(world.reader)
    assert len(api.get("/api/v1/events/?version=1").json()["results"]) == 1
    assert api.get("/api/v1/events/?version=9223372036854775807").json()["results"] == []
    assert api.get("/api/v1/events/?promotion=1").json()["results"] == []
