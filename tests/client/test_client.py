"""The Python client against a live server: typed results, the API's errors as exceptions, and a
training script's whole path (experiment, run with step metrics, version, eval, promotion)."""

import ast
from pathlib import Path

import pytest

import mlteam.client as client_package
from mlteam.api.services import token_create
from mlteam.client import (
    ApiError,
    Client,
    ConfigurationError,
    Forbidden,
    NotFound,
    Promotion,
    ServerError,
    Version,
)
from mlteam.registry.models import ModelArtifact

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def connect(live_server):
    opened = []

    def connect(member):
        mlteam = Client(url=live_server.url, token=token_create(user=member.user, name="t")[1])
        opened.append(mlteam)
        return mlteam

    yield connect
    for mlteam in opened:
        mlteam.close()


def test_a_training_script(world, connect):
    mlteam, gate = connect(world.member), connect(world.gate_owner)
    experiment = mlteam.experiment_create("intent-v2", team="applied", hypothesis="more data")
    run = mlteam.run_start(experiment.id, "sweep-1", params={"lr": 0.001}, tags=["nightly"])
    assert run.status == "running" and run.params == {"lr": 0.001}
    logged = mlteam.run_log(run.id, "loss", [(0, 1.2), (1, 0.7), (2, 0.4)])
    assert [(p.step, p.value) for p in logged] == [(0, 1.2), (1, 0.7), (2, 0.4)]
    assert mlteam.run_finish(run.id).status == "finished"

    version = mlteam.version_register("intent", artifact_uri="s3://m/intent/v2", run=run.id)
    assert isinstance(version, Version)
    assert (version.model, version.version, version.status) == ("intent", 2, "experimental")
    assert version.source_run == run.id
    result = mlteam.eval_record("intent", 2, benchmark="accuracy", value=0.93, run=run.id)
    assert result.value == 0.93 and result.run == run.id

    request = mlteam.promotion_request("intent", 2, to_stage="staging", note="nightly")
    assert isinstance(request, Promotion) and request.state == "pending"
    assert [i.kind for i in request.checklist] == ["manual", "metric", "card_complete"]
    assert [p.id for p in gate.promotions(waiting=True)] == [request.id]
    for item in request.checklist:
        if item.kind == "manual":
            gate.promotion_check(request.id, item.item, evidence="Reviewed")
    approved = gate.promotion_approve(request.id, note="good")
    assert approved.state == "approved" and approved.to_stage == "staging"
    assert ModelArtifact.objects.get(model=world.model, version=2).status == "staging"

    detail = mlteam.version("intent", 2)
    assert [(s.benchmark, s.value) for s in detail.eval_scores] == [("accuracy", 0.93)]
    assert [m.latest_version for m in mlteam.models()] == [2]
    card = mlteam.card("intent", 2)
    assert card.stage == "staging" and card.eval_results[0].value == 0.93
    assert mlteam.card_markdown("intent", 2).startswith("---\n")
    ratio = mlteam.roster_ratio()
    assert ratio.overall.total == 5 and {r.team for r in ratio.teams} >= {"applied"}
    assert {m.username for m in mlteam.members(team="applied")} == {"member", "colleague"}


def test_refusals_carry_the_apis_code_detail_and_status(world, connect):
    reader = connect(world.reader)
    with pytest.raises(Forbidden) as refused:
        reader.version_register("intent")
    assert refused.value.status == 403 and refused.value.code == "not_team_member"
    assert "Only members of Applied ML" in refused.value.detail
    with pytest.raises(NotFound) as missing:
        reader.model("nope")
    assert missing.value.code == "not_found" and isinstance(missing.value, ApiError)
    with pytest.raises(ApiError) as bad:
        connect(world.member).eval_record("intent", 1, benchmark="accuracy", value="high")
    assert bad.value.status == 400 and bad.value.code == "invalid_value"
    with pytest.raises(ApiError) as invalid:
        connect(world.member).model_create("ranker", team="applied", task="")
    assert invalid.value.code == "invalid" and "task" in invalid.value.fields
    with pytest.raises(ApiError) as unnamed:
        connect(world.member).model_create("", team="applied", task="ranking")
    assert unnamed.value.code == "invalid_name"
    assert ModelArtifact.objects.count() == 1


def test_settings_and_an_unreachable_server():
    with pytest.raises(ConfigurationError, match="url 'ftp://x' is not an http"):
        Client(url="ftp://x", token="mlt_x")
    with pytest.raises(ConfigurationError, match="token holds characters"):
        Client(url="http://127.0.0.1:9", token="tök")
    with Client(url="http://127.0.0.1:9", token="mlt_x") as offline, pytest.raises(ServerError):
        offline.models()


def test_the_client_imports_no_other_mlteam_package():
    for path in Path(client_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert not (node.module or "").startswith("mlteam"), (path, node.module)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("mlteam") for a in node.names), path
