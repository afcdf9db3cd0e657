"""Importing a real MLflow registry: several models, versions in each stage, aliases, runs with
step metrics; imported twice, the second import adds nothing."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mlteam.interop.models import MlflowImport, MlflowLink
from mlteam.kernel.enums import Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry.models import Model, ModelArtifact, PromotionRequest
from mlteam.tracking.models import Experiment, Run, RunMetric
from tests.factories import MemberFactory, ModelFactory, ProtocolFactory, RoleFactory, TeamFactory
from tests.interop.conftest import MlflowWriter

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def registry(mlflow_server):
    """Two models as a team keeps them in MLflow, written once per test session."""
    mlflow = MlflowWriter(mlflow_server)
    experiment = mlflow.experiment("fraud/training")
    runs = [
        mlflow.run(
            experiment,
            f"sweep-{i}",
            params={"lr": 0.01 * (i + 1), "epochs": 3},
            metrics={
                "loss": [1.0 - 0.1 * i, 0.6 - 0.1 * i, 0.4 - 0.1 * i],
                "auc": [0.8 + 0.02 * i],
            },
        )
        for i in range(4)
    ]
    mlflow.model(
        "Fraud Detector",
        description="Scores card payments.",
        tags={"task": "fraud-detection", "owner": "risk"},
    )
    stages = [None, "Archived", "Staging", "Production"]
    for run, stage in zip(runs, stages, strict=True):
        mlflow.version("Fraud Detector", run_id=run, source=f"runs:/{run}/model", stage=stage)
    mlflow.alias("Fraud Detector", "champion", "4")
    mlflow.alias("Fraud Detector", "challenger", "3")
    mlflow.model("churn_model")
    mlflow.version("churn_model", run_id=runs[0], source="s3://models/churn/1", stage="Production")
    return {"url": mlflow_server, "writer": mlflow, "experiment": experiment}


@pytest.fixture
def team(db):
    team = TeamFactory(slug="risk-ml", name="Risk ML")
    lead = MemberFactory(
        user__username="lead", role=RoleFactory(name="ML Lead", is_ml_lead=True), team=team
    )
    team.lead = lead
    team.save(update_fields=["lead"])
    ProtocolFactory(from_stage="experimental", to_stage="staging", name="Offline evaluation")
    ProtocolFactory(from_stage="staging", to_stage="production", name="Production readiness")
    return team


def run_import(url: str, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_mlflow", "--tracking-uri", url, "--team", "risk-ml", *args, stdout=out, stderr=err
    )
    return out.getvalue() + err.getvalue()


def snapshot() -> dict:
    return {
        "models": Model.objects.count(),
        "versions": ModelArtifact.objects.count(),
        "experiments": Experiment.objects.count(),
        "runs": Run.objects.count(),
        "metrics": RunMetric.objects.count(),
        "promotions": PromotionRequest.objects.count(),
        "links": MlflowLink.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def test_import_twice_adds_nothing_the_second_time(registry, team):
    output = run_import(registry["url"])
    assert "Imported from" in output and "2 models, 5 versions, 1 experiments, 4 runs" in output
    assert "[" in output and "7/7" in output  # the progress lines, one per item off a terminal

    fraud = Model.objects.get(name="fraud-detector")
    assert fraud.team == team and fraud.task == "fraud-detection"
    assert "Scores card payments." in fraud.description and "owner=risk" in fraud.description
    versions = list(fraud.artifacts.order_by("version"))
    assert [v.version for v in versions] == [1, 2, 3, 4]
    # Nothing skips a gate: every imported version starts experimental...
    assert {v.status for v in ModelArtifact.objects.all()} == {Stage.EXPERIMENTAL}
    # ...and MLflow's stage and aliases are recorded on the version, truthfully.
    assert "stage Production" in versions[3].description and "@champion" in versions[3].description
    assert "stage Archived" in versions[1].description
    # Staging and Production open the first gate's request, with MLflow's word as its note.
    requests = {
        r.artifact.version: r for r in PromotionRequest.objects.filter(artifact__model=fraud)
    }
    assert set(requests) == {3, 4}
    assert requests[4].to_stage == Stage.STAGING and requests[4].state == "pending"
    assert (
        requests[4].note.startswith("Production in MLflow as of ")
        and "champion" in requests[4].note
    )
    assert (
        requests[3].note.startswith("Staging in MLflow as of ") and "challenger" in requests[3].note
    )
    assert "first gate on the way to production" in requests[4].note

    # The run behind each version, with its params, step metrics and status.
    run = versions[0].source_run
    assert run is not None and run.name == "sweep-0" and run.status == "finished"
    assert run.params == {"lr": "0.01", "epochs": "3"} and run.git_commit == "abc123"
    assert "team=fraud" in run.tags
    loss = list(run.metrics.filter(key="loss").values_list("step", "value"))
    assert loss == [(0, 1.0), (1, 0.6), (2, 0.4)]
    assert run.experiment.name == "training" and run.experiment.team == team
    churn = Model.objects.get(name="churn-model")
    assert churn.task == "unspecified"
    assert churn.artifacts.get().source_run == run  # one run, imported once, behind two models
    assert churn.artifacts.get().artifact_uri == "s3://models/churn/1"

    before = snapshot()
    second = run_import(registry["url"])
    assert "0 models, 0 versions, 0 experiments, 0 runs" in second
    assert "skipped): 2 models, 5 versions" in second
    assert snapshot() == before
    assert list(MlflowImport.objects.values_list("state", flat=True)) == ["finished", "finished"]

    # What is new in MLflow comes in on the next import, and only that.
    writer = registry["writer"]
    new_run = writer.run(
        registry["experiment"], "sweep-5", params={"lr": 0.2}, metrics={"loss": [0.3]}
    )
    writer.version("Fraud Detector", run_id=new_run, source=f"runs:/{new_run}/model")
    third = run_import(registry["url"])
    assert "0 models, 1 versions, 0 experiments, 1 runs" in third
    assert fraud.artifacts.count() == 5 and snapshot()["promotions"] == before["promotions"]


def test_a_dry_run_keeps_nothing(registry, team):
    before = snapshot()
    output = run_import(registry["url"], "--dry-run")
    assert "Would import from" in output and "Dry run: nothing was kept." in output
    assert snapshot() == before
    assert MlflowImport.objects.count() == 0


def test_one_failing_item_does_not_abort_the_import(registry, team):
    ModelFactory(name="fraud-detector", team=TeamFactory(slug="other"))  # the name is taken here
    output = run_import(
        registry["url"], "--model", "Fraud Detector", "--model", "churn_model", "--model", "nope"
    )
    assert "model Fraud Detector: a model named 'fraud-detector' already exists" in output
    assert "model nope: MLflow answered HTTP 404" in output
    assert "2 item(s) failed; the rest was imported." in output
    assert Model.objects.filter(name="churn-model").exists()
    record = MlflowImport.objects.get()
    assert record.state == "finished" and len(record.errors) == 2 and record.counts["models"] == 1


def test_refusals(registry, team):
    with pytest.raises(CommandError, match="There is no team 'nope'"):
        call_command("import_mlflow", "--tracking-uri", registry["url"], "--team", "nope")
    MemberFactory(
        user__username="scientist", role=RoleFactory(name="Research Scientist"), team=team
    )
    with pytest.raises(CommandError, match="Only ML leads import from MLflow"):
        run_import(registry["url"], "--as", "scientist")
    with pytest.raises(CommandError, match="not an http"):
        run_import("file:///tmp/mlruns")
    with pytest.raises(CommandError, match="The import failed"):
        run_import("http://127.0.0.1:9")
    assert Model.objects.count() == 0
    assert MlflowImport.objects.get().errors[0].startswith("cannot reach MLflow")
