"""The hot reads (``api.representations`` over ``api.fast_reads``) answer exactly what the
serializers — the API's documented schema — give for the same objects, field by field."""

import json
from datetime import timedelta

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from mlteam.api.serializers import registry as s
from mlteam.api.services import token_create
from mlteam.evals.selectors import latest_results_by_benchmark
from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.enums import Stage
from mlteam.registry.models import HandoffProtocol, ModelArtifact
from mlteam.registry.selectors import model_production_at, models_for_registry
from mlteam.registry.services import model_create
from tests.factories import card_fill
from tests.worlds import build_world

pytestmark = pytest.mark.django_db

# UTC, and a zone with a half-hour offset: times must be written in the current zone.
ZONES = ["UTC", "America/St_Johns"]


def as_json(data):
    return json.loads(JSONRenderer().render(data))


@pytest.fixture
def registry():
    """Versions in every shape the answers distinguish: in production, waiting for a decision,
    a complete and an empty card, scores on several benchmarks, an owner with and without a
    full name, a model with no versions."""
    world = build_world()
    world.owner.user.first_name, world.owner.user.last_name = "Ada", "Lovelace"
    world.owner.user.save()
    deployed = world.in_production()
    card_fill(deployed.card)
    world.production_request()
    plain = world.register(description="Plain, no results")
    plain.card.summary, plain.card.limitations_and_risks, plain.card.risk_rating = "", "x", ""
    plain.card.save()
    world.lead.user.first_name = world.lead.user.last_name = ""
    world.lead.user.save()
    model_create(name="empty-model", team=world.team, task="t", actor=world.lead)
    return world


@pytest.fixture
def api(registry):
    client = APIClient()
    _, raw = token_create(user=registry.outsider.user, name="parity", days=1, actor=SYSTEM)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def version_detail_expected(artifact: ModelArtifact) -> dict:
    """The version endpoint's answer built from the ORM objects and the serializer."""
    artifact.eval_scores = sorted(
        latest_results_by_benchmark(artifact).values(), key=lambda r: r.benchmark.slug
    )
    pending = artifact.promotions.filter(state="pending").values_list("pk", flat=True).first()
    artifact.pending_promotion = pending
    active = HandoffProtocol.objects.filter(from_stage=artifact.status, active=True)
    artifact.next_stages = sorted(set(active.values_list("to_stage", flat=True)))
    return as_json(s.VersionDetailSerializer(artifact).data)


@pytest.mark.parametrize("zone", ZONES)
def test_version_detail_and_list_match_the_serializers(api, registry, settings, zone):
    settings.TIME_ZONE = zone
    versions = ModelArtifact.objects.filter(model=registry.model).order_by("-version")
    assert versions.count() >= 3
    for artifact in versions:
        url = f"/api/v1/models/{registry.model.name}/versions/{artifact.version}/"
        assert api.get(url).json() == version_detail_expected(artifact), url
    listed = api.get(f"/api/v1/models/{registry.model.name}/versions/").json()["results"]
    assert listed == as_json(s.VersionSerializer(versions, many=True).data)
    shapes = {(v["status"], tuple(v["card_missing_sections"]), v["owner_name"]) for v in listed}
    assert len(shapes) >= 3  # the fixture's variety reached the answers


@pytest.mark.parametrize("zone", ZONES)
def test_model_detail_and_list_match_the_serializer(api, registry, settings, zone):
    settings.TIME_ZONE = zone
    models = models_for_registry().order_by("name")
    for model in models:
        got = api.get(f"/api/v1/models/{model.name}/").json()
        assert got == as_json(s.ModelSerializer(model).data), model.name
    listed = api.get("/api/v1/models/?page_size=100").json()["results"]
    assert listed == as_json(s.ModelSerializer(models, many=True).data)
    prefixed = api.get("/api/v1/models/?name_prefix=empty").json()["results"]
    assert [m["name"] for m in prefixed] == ["empty-model"]
    assert prefixed[0]["latest_version"] == 0 and prefixed[0]["production_version"] is None


@pytest.mark.parametrize("zone", ZONES)
def test_production_matches_the_stage_history(api, registry, settings, zone):
    settings.TIME_ZONE = zone
    model = registry.model
    first = ModelArtifact.objects.filter(model=model).order_by("version").first()
    moments = [first.created_at - timedelta(days=1)]
    moments += [t.at for t in model.transitions.order_by("at")]
    moments += [t.at - timedelta(microseconds=1) for t in model.transitions.all()]
    moments.append(moments[-1] + timedelta(days=1))
    answers = set()
    for at in moments:
        expected_artifact = model_production_at(model, at)
        expected = as_json(
            s.ProductionSerializer(
                {
                    "model": model.name,
                    "at": at,
                    "version": expected_artifact
                    and ModelArtifact.objects.get(pk=expected_artifact.pk),
                }
            ).data
        )
        got = api.get(f"/api/v1/models/{model.name}/production/", {"at": at.isoformat()}).json()
        assert got == expected, at
        answers.add(got["version"] and got["version"]["version"])
    assert len(answers) >= 2  # before production (None) and the deployed version
    never = api.get("/api/v1/models/empty-model/production/").json()
    assert never["version"] is None


def test_unknown_models_and_versions_are_404s_in_words(api, registry):
    for url in (
        "/api/v1/models/no-such-model/",
        "/api/v1/models/no-such-model/versions/",
        "/api/v1/models/no-such-model/versions/1/",
        "/api/v1/models/no-such-model/production/",
        "/api/v1/models/no-such-model/production/?at=yesterday",
    ):
        response = api.get(url)
        assert response.status_code == 404, url
        assert "no-such-model" in response.json()["detail"]
    response = api.get(f"/api/v1/models/{registry.model.name}/versions/999/")
    assert response.status_code == 404
    assert "its latest is" in response.json()["detail"]
    bad_at = api.get(f"/api/v1/models/{registry.model.name}/production/?at=yesterday")
    assert bad_at.status_code == 400 and bad_at.json()["error"] == "invalid_at"


def test_the_stage_names_in_next_stages_come_from_active_protocols(api, registry):
    """``next_stages`` follows the protocols: deactivating one takes its stage away."""
    url = f"/api/v1/models/{registry.model.name}/versions/"
    experimental = next(v for v in api.get(url).json()["results"] if v["status"] == "experimental")
    detail = f"{url}{experimental['version']}/"
    assert Stage.STAGING in api.get(detail).json()["next_stages"]
    HandoffProtocol.objects.filter(from_stage=Stage.EXPERIMENTAL).update(active=False)
    assert api.get(detail).json()["next_stages"] == []


def test_the_first_page_of_versions_is_the_page_the_filters_and_cursor_give(api, registry):
    """The default first page (a prepared read) equals the general path's (``?ordering=`` sends
    a request there) — rows, links and all — and its ``next`` link goes on from it."""
    url = f"/api/v1/models/{registry.model.name}/versions/"
    fast = api.get(url, {"page_size": 2}).json()
    general = api.get(url, {"page_size": 2, "ordering": "-version"}).json()
    assert fast["results"] == general["results"] and len(fast["results"]) == 2
    assert fast["previous"] is None and fast["next"] is not None
    rest = api.get(fast["next"]).json()
    every = api.get(url, {"page_size": 100, "ordering": "-version"}).json()["results"]
    assert fast["results"] + rest["results"] == every
    assert api.get(url, {"page_size": 0}).status_code == 400
    empty = api.get("/api/v1/models/empty-model/versions/").json()
    assert empty["results"] == [] and empty["next"] is None


def test_the_first_page_of_models_by_prefix_is_the_page_the_filters_and_cursor_give(api, registry):
    """The models list's compiled first page (no filter but ``name_prefix``) equals the general
    path's (``?ordering=name`` sends a request there), links included, for prefixes that LIKE
    must escape, in any case and with spaces around."""
    for i, name in enumerate(["pre-a", "pre-b", "prex-c", "prea", "p-other"]):
        model_create(name=name, team=registry.team, task=f"t{i}", actor=registry.lead)
    url = "/api/v1/models/"
    for prefix in ["pre", "PRE-", " pre-", "pre_", "pre%", "pre\\", "", "zzz"]:
        for size in (2, 50):
            query = {"page_size": size, "name_prefix": prefix}
            fast = api.get(url, query).json()
            general = api.get(url, {**query, "ordering": "name"}).json()
            assert fast["results"] == general["results"], (prefix, size)
            assert fast["previous"] is None and general["previous"] is None
            if general["next"]:
                assert fast["next"] == general["next"].replace("&ordering=name", "")
            else:
                assert fast["next"] is None
    for wildcard in ("pre_", "pre%", "p%a"):  # LIKE's wildcards match only themselves
        assert api.get(url, {"name_prefix": wildcard}).json()["results"] == []
    page = api.get(url, {"name_prefix": "pre", "page_size": 2}).json()
    rest = api.get(page["next"]).json()
    every = api.get(url, {"name_prefix": "pre", "ordering": "name"}).json()["results"]
    assert page["results"] + rest["results"] == every and len(every) == 4


def writer_api(member) -> APIClient:
    client = APIClient()
    _, raw = token_create(user=member.user, name="writer", days=1, actor=SYSTEM)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.parametrize("zone", ZONES)
def test_eval_results_and_what_writes_answer_match_the_serializers(api, registry, settings, zone):
    settings.TIME_ZONE = zone
    from mlteam.evals.models import EvalResult

    model, owner = registry.model, writer_api(registry.owner)
    created = owner.post(
        f"/api/v1/models/{model.name}/versions/",
        {"artifact_uri": "s3://b/next/", "description": "parity"},
        format="json",
    )
    assert created.status_code == 201
    stored = ModelArtifact.objects.get(model=model, version=created.json()["version"])
    assert created.json() == as_json(s.VersionSerializer(stored).data)

    url = f"/api/v1/models/{model.name}/versions/{stored.version}/evals/"
    recorded = owner.post(url, {"benchmark": registry.accuracy.slug, "value": 0.5}, format="json")
    assert recorded.status_code == 201
    result = EvalResult.objects.get(pk=recorded.json()["id"])
    assert recorded.json() == as_json(s.EvalResultSerializer(result).data)

    deployed = ModelArtifact.objects.filter(model=model, status=Stage.PRODUCTION).get()
    history = EvalResult.objects.filter(artifact=deployed).order_by("-recorded_at", "-id")
    assert history.count() >= 2
    listed = api.get(f"/api/v1/models/{model.name}/versions/{deployed.version}/evals/").json()
    assert listed["results"] == as_json(s.EvalResultSerializer(history, many=True).data)
