"""Models, versions, eval results and version promotions through the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mlteam.evals.models import EvalResult
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry import services
from mlteam.registry.models import Model, ModelArtifact, StageTransition
from tests.factories import ModelFactory, RunFactory, result_create

pytestmark = pytest.mark.django_db
V1 = "/api/v1/models/intent/versions/1/"


def test_models_list_filters_and_orders(world, as_user):
    services.model_create(name="ranker", team=world.team, task="ranking", actor=world.member)
    api = as_user(world.reader)
    names = [m["name"] for m in api.get("/api/v1/models/").json()["results"]]
    assert names == ["intent", "ranker"]
    assert [m["name"] for m in api.get("/api/v1/models/?task=ranking").json()["results"]] == [
        "ranker"
    ]
    assert [m["name"] for m in api.get("/api/v1/models/?ordering=-name").json()["results"]] == [
        "ranker",
        "intent",
    ]
    assert [m["name"] for m in api.get("/api/v1/models/?stage=experimental").json()["results"]] == [
        "intent"
    ]
    assert api.get("/api/v1/models/?team=product").json()["results"] == []
    assert api.get("/api/v1/models/?q=rank").json()["results"][0]["name"] == "ranker"
    assert api.get("/api/v1/models/?stage=orbit").status_code == 400
    first = api.get("/api/v1/models/intent/").json()
    assert first["team"] == "applied" and first["latest_version"] == 1
    assert first["production_version"] is None


def test_create_a_model(world, as_user):
    body = {"name": "ranker", "team": "applied", "task": "ranking", "description": "Ranks."}
    response = as_user(world.member).post("/api/v1/models/", body)
    assert response.status_code == 201
    assert response.json()["name"] == "ranker"
    assert as_user(world.member).post("/api/v1/models/", body).json()["error"] == "duplicate_model"
    unknown = as_user(world.member).post("/api/v1/models/", {**body, "name": "x", "team": "zzz"})
    assert unknown.json()["error"] == "unknown_team"


def test_register_a_version(world, as_user):
    run = RunFactory(experiment__team=world.team)
    response = as_user(world.colleague).post(
        "/api/v1/models/intent/versions/", {"artifact_uri": "s3://m/v2", "run": run.pk}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 2 and body["status"] == "experimental"
    assert body["owner"] == "colleague" and body["source_run"] == run.pk
    assert body["card_missing_sections"] == []  # copied from v1's complete card
    unknown = as_user(world.member).post("/api/v1/models/intent/versions/", {"run": 99999})
    assert unknown.json()["error"] == "unknown_run"
    assert world.model.artifacts.count() == 2


def test_status_is_never_writable(world, as_user):
    api = as_user(world.member)
    before = AuditEvent.objects.count()
    for method in (api.patch, api.put):
        response = method(V1, {"status": "production"})
        assert response.status_code == 400
        assert response.json()["error"] == "status_read_only"
        assert "request" in response.json()["detail"] and "promotion" in response.json()["detail"]
        assert "POST /api/v1/models/intent/versions/1/promotions/" in response.json()["detail"]
        assert "{" not in response.json()["detail"].replace('{"to_stage"', "")
    response = api.post("/api/v1/models/intent/versions/", {"status": "production"})
    assert response.json()["error"] == "status_read_only"
    detail = response.json()["detail"]
    assert "/api/v1/models/intent/versions/<the new version>/promotions/" in detail
    assert "{name}" not in detail and "{version}" not in detail
    for fixed in ({"artifact_uri": "s3://attacker/swapped.bin"}, {"owner": "product"}):
        response = api.patch(V1, {**fixed, "description": "new"})
        assert response.status_code == 400
        assert response.json()["error"] == "version_immutable"
        assert next(iter(fixed)) in response.json()["detail"]
    world.artifact.refresh_from_db()
    assert world.artifact.status == Stage.EXPERIMENTAL
    assert world.artifact.artifact_uri == "s3://m/intent/v1"
    assert world.model.artifacts.count() == 1
    assert AuditEvent.objects.count() == before


def test_a_version_description_changes_audited(world, as_user):
    """The one change a registered version allows, through the service the admin uses too."""
    response = as_user(world.member).patch(V1, {"description": "retrained on May data"})
    assert response.status_code == 200
    assert response.json()["description"] == "retrained on May data"
    event = AuditEvent.objects.get(action=AuditAction.ARTIFACT_UPDATED)
    assert event.artifact_id == world.artifact.pk and event.actor == world.member.user
    assert event.details["to"] == "retrained on May data"
    again = as_user(world.member).patch(V1, {"description": "retrained on May data"})
    assert again.status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.ARTIFACT_UPDATED).count() == 1
    refused = as_user(world.reader).patch(V1, {"description": "mine"})
    assert refused.status_code == 403
    assert as_user(world.member).patch(V1, ["x"], format="json").status_code == 400


def test_version_detail(world, as_user):
    result_create(
        artifact=world.artifact, benchmark=world.benchmark, value=0.7, recorded_at=timezone.now()
    )
    body = as_user(world.reader).get(V1).json()
    assert body["status"] == "experimental"
    assert body["eval_scores"][0]["benchmark"] == "accuracy"
    assert body["next_stages"] == ["staging"] and body["pending_promotion"] is None


def test_record_eval_results(world, as_user):
    api = as_user(world.member)
    response = api.post(V1 + "evals/", {"benchmark": "accuracy", "value": 0.91, "note": "nightly"})
    assert response.status_code == 201
    assert response.json()["value"] == 0.91 and response.json()["recorded_by"] == "member"
    assert api.post(V1 + "evals/", {"benchmark": "accuracy", "value": 0.93}).status_code == 201
    listing = api.get(V1 + "evals/").json()["results"]
    assert [r["value"] for r in listing] == [0.93, 0.91]
    assert api.get(V1 + "evals/?benchmark=nope").json()["results"] == []


@pytest.mark.parametrize("value", ["0.93", "nan", "NaN", "inf", "-Infinity", "abc", True, ""])
def test_eval_values_must_be_finite_numbers(world, as_user, value):
    response = as_user(world.member).post(V1 + "evals/", {"benchmark": "accuracy", "value": value})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_value"
    assert "send a number" in response.json()["detail"]
    assert not EvalResult.objects.exists()


def test_unknown_benchmark_is_a_clear_error(world, as_user):
    response = as_user(world.member).post(V1 + "evals/", {"benchmark": "bleu", "value": 1})
    assert response.json()["error"] == "unknown_benchmark" and "bleu" in response.json()["detail"]


def test_request_and_list_version_promotions(world, as_user):
    response = as_user(world.member).post(
        V1 + "promotions/", {"to_stage": "staging", "note": "ready"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "pending" and body["responsible_role"] == "Evaluation Engineer"
    assert [c["item"] for c in body["checklist"]] == [1, 2, 3]
    assert body["checklist"][2]["satisfied"] is True  # the card is complete
    listing = as_user(world.reader).get(V1 + "promotions/").json()["results"]
    assert [p["id"] for p in listing] == [body["id"]]
    no_gate = as_user(world.member).post(
        "/api/v1/models/intent/versions/1/promotions/", {"to_stage": "production"}
    )
    assert no_gate.status_code == 400 and no_gate.json()["error"] == "no_protocol"


def test_production_at_a_moment_comes_from_history(world, as_user):
    model = ModelFactory(name="ranker", team=world.team)
    v1 = services.artifact_register(model=model, actor=world.member)
    ModelArtifact.objects.filter(pk=v1.pk)  # v1 is promoted in the history below
    t0 = timezone.now() - timedelta(days=10)
    AuditEvent.objects.create(
        at=t0,
        action="artifact.transitioned",
        summary="v1 to production",
        from_state="staging",
        to_state="production",
        model=model,
        artifact=v1,
    )
    # The typed stage history the engine writes beside that audit row (read by the endpoint).
    StageTransition.objects.create(
        artifact=v1, model=model, from_stage="staging", to_stage="production", at=t0
    )
    api = as_user(world.reader)
    then = api.get(
        "/api/v1/models/ranker/production/", {"at": (t0 + timedelta(days=1)).isoformat()}
    )
    assert then.json()["version"]["version"] == 1
    before = api.get(
        "/api/v1/models/ranker/production/", {"at": (t0 - timedelta(days=1)).isoformat()}
    )
    assert before.json()["version"] is None
    assert api.get("/api/v1/models/ranker/production/").json()["version"]["version"] == 1
    bad = api.get("/api/v1/models/ranker/production/?at=yesterday")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_at"
    assert Model.objects.count() == 2


def test_name_prefix_matches_the_start_of_names_only(world, as_user):
    for name in ("ranker", "ranker-v2", "query-ranker", "rxnker"):
        services.model_create(name=name, team=world.team, task="ranking", actor=world.member)
    api = as_user(world.reader)

    def names(prefix: str) -> list[str]:
        response = api.get("/api/v1/models/", {"name_prefix": prefix})
        assert response.status_code == 200
        return [m["name"] for m in response.json()["results"]]

    assert names("rank") == ["ranker", "ranker-v2"]
    assert names("RANKER-") == ["ranker-v2"]
    assert names("r_") == []  # LIKE wildcards are taken literally
    assert names("r%") == []
    assert names("zzz") == []


@pytest.mark.postgres
def test_name_prefix_is_index_backed_on_postgresql(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'registry_model' "
            "AND indexdef LIKE '%pattern_ops%'"
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert any(
        "(name varchar_pattern_ops)" in d or "(name text_pattern_ops)" in d for d in definitions
    )
