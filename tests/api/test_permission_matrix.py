"""Every unsafe endpoint x anonymous / reader / owning-team member / gate owner / ML lead.

Allowed calls succeed and change something; denied calls get 401/403 (or 400 for what nobody may
do) in the error shape and change nothing at all.
"""

import pytest
from django.utils import timezone

from mlteam.cards.models import ModelCard
from mlteam.evals.models import EvalResult
from mlteam.kernel.models import AuditEvent
from mlteam.registry import services
from mlteam.registry.models import ChecklistItem, Model, ModelArtifact, PromotionRequest
from mlteam.tracking.models import Experiment, Run, RunMetric
from tests.factories import ExperimentFactory, RunFactory, result_create

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "reader", "member", "gate_owner", "lead"]
TEAM_WORK = {"member", "lead"}  # owning-team members and ML leads
GATE = {"gate_owner"}  # holders of the protocol's responsible role
README = "---\nlicense: mit\n---\n# intent\n\n## Summary\n\nImported summary.\n"

# name: (method, path template, body, who is allowed, expected status when allowed)
ENDPOINTS = {
    "create model": (
        "post",
        "/api/v1/models/",
        {"name": "new", "team": "applied", "task": "t"},
        TEAM_WORK,
        201,
    ),
    "register version": (
        "post",
        "/api/v1/models/intent/versions/",
        {"artifact_uri": "s3://x"},
        TEAM_WORK,
        201,
    ),
    "patch status": (
        "patch",
        "/api/v1/models/intent/versions/2/",
        {"status": "production"},
        set(),
        None,
    ),
    "record eval": (
        "post",
        "/api/v1/models/intent/versions/2/evals/",
        {"benchmark": "accuracy", "value": 0.5},
        TEAM_WORK,
        201,
    ),
    "edit card": (
        "patch",
        "/api/v1/models/intent/versions/2/card/",
        {"summary": "edited"},
        TEAM_WORK,
        200,
    ),
    "import card": ("put", "/api/v1/models/intent/versions/2/card/", README, TEAM_WORK, 200),
    "request promotion": (
        "post",
        "/api/v1/models/intent/versions/2/promotions/",
        {"to_stage": "staging"},
        TEAM_WORK,
        201,
    ),
    "tick item": ("post", "/api/v1/promotions/{pk}/checks/1/", {"evidence": "reviewed"}, GATE, 200),
    "approve": ("post", "/api/v1/promotions/{pk}/approve/", {}, GATE, 200),
    "reject": ("post", "/api/v1/promotions/{pk}/reject/", {"reason": "not yet"}, GATE, 200),
    "withdraw": ("post", "/api/v1/promotions/{pk}/withdraw/", {}, {"member", "lead"}, 200),
    "create experiment": (
        "post",
        "/api/v1/experiments/",
        {"name": "e2", "team": "applied"},
        TEAM_WORK,
        201,
    ),
    "start run": ("post", "/api/v1/experiments/{experiment}/runs/", {"name": "r"}, TEAM_WORK, 201),
    "log metrics": (
        "post",
        "/api/v1/runs/{run}/metrics/",
        {"key": "loss", "points": [{"step": 0, "value": 1}]},
        TEAM_WORK,
        201,
    ),
    "finish run": ("post", "/api/v1/runs/{run}/finish/", {}, TEAM_WORK, 200),
}


@pytest.fixture
def scene(world):
    """A pending promotion of v1 (requested by the member, item 1 ticked, metric met), a fresh v2,
    and an experiment with a running run."""
    result_create(
        artifact=world.artifact, benchmark=world.benchmark, value=0.9, recorded_at=timezone.now()
    )
    pending = services.promotion_request(
        artifact=world.artifact, to_stage="staging", actor=world.member
    )
    services.promotion_item_tick(
        item=pending.items.get(position=1), actor=world.gate_owner, evidence="ok"
    )
    services.artifact_register(model=world.model, actor=world.colleague)
    experiment = ExperimentFactory(team=world.team, owner=world.member)
    run = RunFactory(experiment=experiment, started_by=world.member)
    return {"pk": pending.pk, "experiment": experiment.pk, "run": run.pk}


def snapshot() -> dict:
    return {
        "counts": [
            m.objects.count()
            for m in (
                Model,
                ModelArtifact,
                EvalResult,
                PromotionRequest,
                AuditEvent,
                Experiment,
                Run,
                RunMetric,
            )
        ],
        "stages": list(ModelArtifact.objects.order_by("pk").values_list("status", flat=True)),
        "promotions": list(
            PromotionRequest.objects.order_by("pk").values_list("state", "decision_note")
        ),
        "checklist": list(
            ChecklistItem.objects.order_by("pk").values_list("ticked", "evidence", "ticked_by")
        ),
        "cards": list(
            ModelCard.objects.order_by("pk").values_list("summary", "license", "updated_at")
        ),
        "runs": list(Run.objects.order_by("pk").values_list("status", "ended_at")),
    }


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_permission_matrix(world, scene, as_user, endpoint, actor):
    method, path, body, allowed, ok_status = ENDPOINTS[endpoint]
    api = as_user(None if actor == "anonymous" else getattr(world, actor))
    before = snapshot()
    if isinstance(body, str):
        response = getattr(api, method)(path.format(**scene), body, content_type="text/markdown")
    else:
        response = getattr(api, method)(path.format(**scene), body, format="json")
    if actor in allowed:
        assert response.status_code == ok_status, response.json()
        assert snapshot() != before
        return
    expected = 401 if actor == "anonymous" else (400 if endpoint == "patch status" else 403)
    assert response.status_code == expected, response.json()
    assert set(response.json()) >= {"error", "detail"}
    assert snapshot() == before
