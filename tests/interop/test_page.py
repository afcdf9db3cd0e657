"""The MLflow imports page: ML leads see each import's progress and summary; others are refused."""

import pytest
from django.utils import timezone

from mlteam.interop.models import ImportState, MlflowImport, MlflowKind, MlflowLink
from mlteam.registry import services
from tests.factories import MemberFactory, RoleFactory, TeamFactory

pytestmark = pytest.mark.django_db
URL = "/imports/mlflow/"


@pytest.fixture
def lead(db):
    team = TeamFactory(slug="risk-ml", name="Risk ML")
    return MemberFactory(
        user__username="lead", role=RoleFactory(name="ML Lead", is_ml_lead=True), team=team
    )


def an_import(lead, **fields) -> MlflowImport:
    values = {
        "tracking_uri": "http://mlflow.example.com",
        "team": lead.team,
        "actor": lead,
        "state": ImportState.FINISHED,
        "done": 7,
        "total": 7,
        "counts": {"models": 2, "versions": 5, "runs": 4, "promotions_requested": 2},
        "errors": ["model nope: MLflow answered HTTP 404"],
        "started_at": timezone.now(),
    }
    return MlflowImport.objects.create(**values | fields)


def test_ml_leads_see_the_imports_with_their_summaries(client, lead):
    an_import(lead)
    model = services.model_create(name="fraud", team=lead.team, task="fraud-detection", actor=lead)
    artifact = services.artifact_register(model=model, actor=lead)
    MlflowLink.objects.create(
        tracking_uri="http://mlflow.example.com",
        kind=MlflowKind.VERSION,
        mlflow_id="Fraud/4",
        artifact=artifact,
        details={"stage": "Production", "aliases": ["champion"]},
        imported_at=timezone.now(),
    )
    client.force_login(lead.user)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "http://mlflow.example.com" in html and "2 models, 5 versions, 4 runs" in html
    assert "model nope: MLflow answered HTTP 404" in html
    assert "fraud v1" in html and "Production" in html and "@champion" in html
    assert 'hx-trigger="every 3s"' not in html  # nothing running: no polling


def test_a_running_import_polls_and_htmx_gets_only_the_table(client, lead):
    an_import(lead, state=ImportState.RUNNING, done=3, total=7)
    client.force_login(lead.user)
    html = client.get(URL).content.decode()
    assert 'hx-trigger="every 3s"' in html and 'value="3"' in html
    partial = client.get(URL, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="imports"') and "<html" not in partial


def test_others_are_refused(client, lead):
    scientist = MemberFactory(role=RoleFactory(name="Research Scientist"), team=lead.team)
    client.force_login(scientist.user)
    assert client.get(URL).status_code == 403


def test_the_query_count_does_not_grow_with_the_imports(
    client, lead, django_assert_max_num_queries
):
    client.force_login(lead.user)
    an_import(lead)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(3):
        an_import(lead)
    with CaptureQueriesContext(connection) as four:
        client.get(URL)
    assert len(four) == len(one)


def test_an_ml_lead_queues_an_import_that_a_worker_runs(client, lead, settings, monkeypatch):
    """The page queues the import for the background worker; the worker's task runs it (here
    against a stand-in MLflow that answers an empty registry) and saves its summary."""
    import httpx

    from mlteam.interop import services as interop
    from mlteam.interop.tasks import run_mlflow_import

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(lead.user)
    with_capture = client.post(
        URL, {"tracking_uri": "http://mlflow.example.com:5000/", "team": "risk-ml", "models": ""}
    )
    assert with_capture.status_code == 302
    record = MlflowImport.objects.get()
    assert (
        record.state == ImportState.QUEUED
        and record.tracking_uri == "http://mlflow.example.com:5000"
    )
    assert "Queued" in client.get(URL).content.decode()

    empty = httpx.MockTransport(lambda request: httpx.Response(200, json={"registered_models": []}))
    real_reader = interop.MlflowReader
    monkeypatch.setattr(interop, "MlflowReader", lambda uri: real_reader(uri, transport=empty))
    assert run_mlflow_import.call(import_id=record.pk) == ImportState.FINISHED
    record.refresh_from_db()
    assert record.state == ImportState.FINISHED and record.finished_at is not None
    assert run_mlflow_import.call(import_id=record.pk) is None  # a second run does nothing


@pytest.mark.parametrize(
    "form, message",
    [
        ({"tracking_uri": "file:///mlruns", "team": "risk-ml"}, "not an http(s) tracking server"),
        ({"tracking_uri": "http://mlflow.example.com", "team": "nope"}, "Select a valid choice"),
    ],
)
def test_a_bad_import_form_is_refused_and_queues_nothing(client, lead, form, message):
    client.force_login(lead.user)
    response = client.post(URL, form)
    assert message in response.content.decode()
    assert not MlflowImport.objects.exists()


def test_only_ml_leads_queue_imports(client, lead):
    reader = MemberFactory(team=lead.team)
    client.force_login(reader.user)
    response = client.post(URL, {"tracking_uri": "http://mlflow.example.com", "team": "risk-ml"})
    assert response.status_code == 403 and not MlflowImport.objects.exists()
