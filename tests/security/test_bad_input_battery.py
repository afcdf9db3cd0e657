"""The reviewers' battery of bad input, on the API: every rule refuses with its code, a 400, a
message naming the field (or the query parameter) — and nothing changes.

One row per rule and fault: (who, method, path, body or query, status, code, named). The limits
come from ``mlteam.kernel.limits`` (README "Limits and input rules"), so the battery follows them.
"""

import pytest
from django.utils import timezone

from mlteam.cards.models import ModelCard
from mlteam.evals.models import EvalResult
from mlteam.kernel import limits
from mlteam.kernel.models import AuditEvent
from mlteam.notifications.models import WebhookSubscription
from mlteam.registry import services
from mlteam.registry.models import ChecklistItem, Model, ModelArtifact, PromotionRequest
from mlteam.tracking.models import Experiment, Run
from tests.api import conftest as api_world

# The API tests' one-gate world and token clients.
world, as_user = api_world.world, api_world.as_user

pytestmark = pytest.mark.django_db

MEGABYTE = "x" * 1_000_000
VERSION = "/api/v1/models/intent/versions/1/"


def over(limit: int) -> str:
    return "y" * (limit + 1)


@pytest.fixture
def pending(world):
    EvalResult.objects.create(
        artifact=world.artifact, benchmark=world.benchmark, value=0.9, recorded_at=timezone.now()
    )
    return services.promotion_request(
        artifact=world.artifact, to_stage="staging", actor=world.member
    )


def snapshot() -> tuple:
    """Everything a bad request could have changed: rows, their text, and the audit trail."""
    return (
        list(Model.objects.values_list("name", "task", "description")),
        list(ModelArtifact.objects.values_list("version", "artifact_uri", "description")),
        list(PromotionRequest.objects.values_list("state", "note", "decision_note")),
        list(ChecklistItem.objects.values_list("ticked", "evidence")),
        list(ModelCard.objects.values_list("summary", "license")),
        EvalResult.objects.count(),
        Experiment.objects.count(),
        Run.objects.count(),
        WebhookSubscription.objects.count(),
        AuditEvent.objects.count(),
    )


MODEL = {"team": "applied", "task": "text-classification"}

BODIES = [
    # the model name rule: invalid_name whatever the fault, never rewritten
    ("member", "post", "/api/v1/models/", {**MODEL, "name": "ACC-UPPER"}, "invalid_name", "ACC-UPPER"),
    ("member", "post", "/api/v1/models/", {**MODEL, "name": "Bad Name"}, "invalid_name", "Bad Name"),
    ("member", "post", "/api/v1/models/", {**MODEL, "name": "a_b"}, "invalid_name", "a_b"),
    ("member", "post", "/api/v1/models/", {**MODEL, "name": " intent2"}, "invalid_name", "intent2"),
    ("member", "post", "/api/v1/models/", {**MODEL, "name": over(limits.NAME)}, "invalid_name", "100"),
    ("member", "post", "/api/v1/models/", {**MODEL, "name": ""}, "invalid_name", "name"),
    # lengths: too_long naming the field and its limit
    ("member", "post", "/api/v1/models/", {**MODEL, "name": "m2", "description": MEGABYTE}, "too_long", "description"),
    ("member", "post", "/api/v1/models/", {**MODEL, "name": "m2", "task": over(limits.TASK)}, "too_long", "task"),
    ("member", "post", VERSION[:-2], {"description": MEGABYTE}, "too_long", "description"),
    ("member", "post", VERSION[:-2], {"description": over(limits.DESCRIPTION)}, "too_long", "10,000"),
    ("member", "post", VERSION[:-2], {"artifact_uri": over(limits.URI)}, "too_long", "artifact_uri"),
    ("member", "post", VERSION + "promotions/", {"to_stage": "staging", "note": over(limits.NOTE)}, "too_long", "note"),
    ("member", "patch", VERSION + "card/", {"summary": over(limits.CARD_SECTION)}, "too_long", "summary"),
    ("member", "patch", VERSION + "card/", {"failure_modes": MEGABYTE}, "too_long", "50,000"),
    ("member", "patch", VERSION + "card/", {"license": over(limits.LICENSE)}, "too_long", "license"),
    ("member", "post", VERSION + "evals/", {"benchmark": "accuracy", "value": 0.9, "note": over(limits.LINE)}, "too_long", "note"),
    ("member", "post", "/api/v1/experiments/", {"name": over(limits.NAME), "team": "applied"}, "too_long", "name"),
    ("lead", "post", "/api/v1/webhooks/", {"url": "https://hooks.example.com/" + over(limits.URI)}, "too_long", "url"),
    # eval values are JSON numbers
    ("member", "post", VERSION + "evals/", {"benchmark": "accuracy", "value": "0.97"}, "invalid_value", "send a number"),
    ("member", "post", VERSION + "evals/", {"benchmark": "accuracy", "value": True}, "invalid_value", "send a number"),
    ("member", "post", VERSION + "evals/", {"benchmark": "accuracy", "value": "NaN"}, "invalid_value", "send a number"),
    ("member", "post", VERSION + "evals/", {"benchmark": "accuracy", "value": [1]}, "invalid_value", "send a number"),
    # NUL in a body field
    ("member", "post", "/api/v1/models/", {**MODEL, "name": "m3", "description": "a\x00b"}, "invalid", "description"),
]  # fmt: skip

PENDING_BODIES = [
    ("gate_owner", "checks/1/", {"evidence": over(limits.NOTE)}, "too_long", "evidence"),
    ("gate_owner", "reject/", {"reason": MEGABYTE}, "too_long", "reason"),
    ("gate_owner", "approve/", {"note": over(limits.NOTE)}, "too_long", "5,000"),
    ("member", "withdraw/", {"note": over(limits.NOTE)}, "too_long", "note"),
]

QUERIES = [
    ("/api/v1/models/?page_size=-1", "page_size"),
    ("/api/v1/models/?page_size=0", "page_size"),
    ("/api/v1/models/?page_size=abc", "page_size"),
    (f"/api/v1/models/?page_size={10**20}", "page_size"),
    ("/api/v1/models/?page_size=501", "page_size"),
    ("/api/v1/models/?page_size=", "page_size"),
    ("/api/v1/models/?page_size=1.5", "page_size"),
    ("/api/v1/promotions/?mine=perhaps", "mine"),
    ("/api/v1/promotions/?waiting=1", "waiting"),
    ("/api/v1/promotions/?mine=", "mine"),
    ("/api/v1/protocols/?active=yes", "active"),
    ("/api/v1/members/?active=maybe", "active"),
    ("/api/v1/models/?q=%00", "q"),
    ("/api/v1/models/?page_size=1%00", "page_size"),
    ("/api/v1/events/?action=a%00b", "action"),
    ("/api/v1/models/a%00b/", "path"),
]


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code, body
    return body


@pytest.mark.parametrize(("who", "method", "path", "body", "code", "named"), BODIES)
def test_bad_bodies_are_refused_and_change_nothing(
    world, as_user, who, method, path, body, code, named
):
    api = as_user(getattr(world, who))
    before = snapshot()
    response = getattr(api, method)(path, body, format="json")
    detail = refused(response, 400, code)["detail"]
    assert named in detail
    assert snapshot() == before


@pytest.mark.parametrize(("who", "action", "body", "code", "named"), PENDING_BODIES)
def test_bad_decisions_are_refused_and_change_nothing(
    world, pending, as_user, who, action, body, code, named
):
    api = as_user(getattr(world, who))
    before = snapshot()
    response = api.post(f"/api/v1/promotions/{pending.pk}/{action}", body, format="json")
    assert named in refused(response, 400, code)["detail"]
    assert snapshot() == before


@pytest.mark.parametrize(("path", "parameter"), QUERIES)
def test_bad_query_parameters_are_400_naming_the_parameter(world, as_user, path, parameter):
    reader = as_user(world.reader)  # making its token is an audit event of its own
    before = snapshot()
    body = refused(reader.get(path), 400, "invalid")
    assert body["detail"].startswith(f"{parameter}: "), body
    assert snapshot() == before


@pytest.mark.parametrize("at", ["", "  ", "yesterday"])
def test_a_bad_or_empty_at_is_400_naming_it(world, as_user, at):
    response = as_user(world.reader).get("/api/v1/models/intent/production/", {"at": at})
    assert refused(response, 400, "invalid_at")["detail"].startswith("at: ")


def test_good_values_still_pass(world, as_user, pending):
    """The edges of each rule are accepted: a limit is the longest text allowed, not one less."""
    reader, member = as_user(world.reader), as_user(world.member)
    assert reader.get("/api/v1/models/?page_size=500").status_code == 200
    assert reader.get("/api/v1/models/?page_size=1").status_code == 200
    assert reader.get("/api/v1/promotions/?mine=TRUE&waiting=false").status_code == 200
    assert reader.get("/api/v1/members/?active=false").status_code == 200
    created = member.post(
        "/api/v1/models/",
        {**MODEL, "name": "a" * limits.NAME, "description": "d" * limits.DESCRIPTION},
        format="json",
    )
    assert created.status_code == 201, created.content[:300]
    version = member.post(
        "/api/v1/models/intent/versions/",
        {"artifact_uri": "s3://" + "u" * (limits.URI - 5), "description": "v" * limits.DESCRIPTION},
        format="json",
    )
    assert version.status_code == 201, version.content[:300]
    card = member.patch(VERSION + "card/", {"summary": "s" * limits.CARD_SECTION}, format="json")
    assert card.status_code == 200
    result = member.post(
        VERSION + "evals/", {"benchmark": "accuracy", "value": 1, "note": "n" * limits.LINE}
    )
    assert result.status_code == 201
    tick = as_user(world.gate_owner).post(
        f"/api/v1/promotions/{pending.pk}/checks/1/", {"evidence": "e" * limits.NOTE}
    )
    assert tick.status_code == 200, tick.content[:300]
