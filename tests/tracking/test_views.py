"""Experiment list and detail, run detail with its chart, and lineage both ways."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from mlteam.tracking.enums import RunStatus
from mlteam.tracking.models import Experiment
from mlteam.tracking.services import experiment_create, run_finish, run_log_metrics, run_start

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_experiment(world, name="Distillation", runs=0):
    experiment = experiment_create(
        name=name, team=world.team, owner=world.owner, hypothesis="Smaller is *as good*."
    )
    for index in range(runs):
        run = run_start(
            experiment=experiment, name=f"run-{index}", actor=world.owner, params={"lr": index}
        )
        run_log_metrics(
            actor=world.owner,
            run=run,
            key="loss",
            values=[(s, 2.0 - s / 100 - index / 10) for s in range(0, 50, 10)],
        )
        run_log_metrics(
            actor=world.owner, run=run, key="accuracy", values=[(40, 0.5 + index / 100)]
        )
        run_finish(run=run, actor=world.owner)
        world.register(source_run=run)
    return experiment


def test_experiments_list_filters_over_htmx(client, world):
    make_experiment(world, "Distillation")
    make_experiment(world, "Quantisation")
    client.force_login(world.outsider.user)

    page = client.get("/experiments/").content.decode()
    assert "Distillation" in page and "Quantisation" in page
    response = client.get("/experiments/?q=quant", **HTMX)
    html = response.content.decode()
    assert "<html" not in html and "Quantisation" in html and "Distillation" not in html
    assert "HX-Request" in response["Vary"]


def test_experiments_list_queries_do_not_grow(client, world):
    client.force_login(world.outsider.user)
    make_experiment(world, "e0", runs=1)
    with CaptureQueriesContext(connection) as one:
        client.get("/experiments/")
    for index in range(1, 12):
        make_experiment(world, f"e{index}", runs=2)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/experiments/").content.decode()
    assert len(many) == len(one)
    assert "e11" in page


def test_experiment_compares_runs_by_a_chosen_metric(client, world):
    experiment = make_experiment(world, runs=3)
    client.force_login(world.outsider.user)

    page = client.get(f"/experiments/{experiment.pk}/").content.decode()
    assert "compared by <code>loss</code>" in page  # a loss is the default
    assert page.index(">run-2<") < page.index(">run-1<") < page.index(">run-0<")  # lowest first
    assert page.count("<polyline") == 3
    assert "intent-classifier v3" in page  # what each run produced

    page = client.get(f"/experiments/{experiment.pk}/?metric=accuracy&order=desc").content.decode()
    assert page.index(">run-2<") < page.index(">run-0<")
    assert "0.52" in page


def test_experiment_page_queries_do_not_grow_with_runs(client, world):
    client.force_login(world.outsider.user)
    few = make_experiment(world, "few", runs=1)
    many = make_experiment(world, "many", runs=9)
    with CaptureQueriesContext(connection) as one:
        client.get(f"/experiments/{few.pk}/")
    with CaptureQueriesContext(connection) as nine:
        client.get(f"/experiments/{many.pk}/")
    assert len(nine) == len(one)


def test_run_page_draws_metrics_and_lists_what_it_produced(client, world):
    experiment = make_experiment(world, runs=1)
    run = experiment.runs.get()
    artifact = run.artifacts.get()
    world.record(artifact, world.safety, 0.97, run=run)
    client.force_login(world.outsider.user)

    page = client.get(f"/runs/{run.pk}/").content.decode()

    assert page.count("<polyline") == 2  # loss and accuracy
    assert "<script" not in page.split("<main")[1]
    assert f"/models/intent-classifier/v{artifact.version}/" in page
    assert "Safety suite" in page and "0.97" in page
    assert "Finished" in page and "lr" in page


def test_the_card_links_back_to_the_run(client, world):
    experiment = make_experiment(world, runs=1)
    run = experiment.runs.get()
    client.force_login(world.outsider.user)
    page = client.get("/models/intent-classifier/v1/card/").content.decode()
    assert f'href="/runs/{run.pk}/"' in page


def test_run_without_metrics_and_unknown_ids(client, world):
    experiment = make_experiment(world)
    run = run_start(experiment=experiment, name="empty", actor=world.owner)
    client.force_login(world.outsider.user)
    assert "No metric logged." in client.get(f"/runs/{run.pk}/").content.decode()
    assert "No run yet" not in client.get(f"/experiments/{experiment.pk}/").content.decode()
    assert client.get("/runs/999999/").status_code == 404
    assert client.get("/experiments/999999/").status_code == 404
    assert run.status == RunStatus.RUNNING


def test_members_start_experiments_for_their_team(client, world):
    client.force_login(world.owner.user)
    response = client.post(
        "/experiments/new/", {"name": "Bigger batches", "team": world.team.pk, "hypothesis": "x"}
    )
    experiment = Experiment.objects.get(name="Bigger batches")
    assert response.status_code == 302 and response["Location"] == f"/experiments/{experiment.pk}/"
    assert experiment.owner == world.owner

    again = client.post("/experiments/new/", {"name": "Bigger batches", "team": world.team.pk})
    assert "already has an experiment" in again.content.decode()


def test_members_cannot_start_experiments_for_other_teams(client, world):
    client.force_login(world.outsider.user)
    response = client.post("/experiments/new/", {"name": "Sneaky", "team": world.team.pk})
    assert "Select a valid choice" in response.content.decode()
    assert not Experiment.objects.exists()


def test_run_page_draws_extreme_but_finite_metrics(client, world):
    experiment = make_experiment(world)
    run = run_start(experiment=experiment, name="diverged", actor=world.owner)
    run_log_metrics(actor=world.owner, run=run, key="loss", values=[(0, -1.7e308), (1, 1.7e308)])
    run_log_metrics(actor=world.owner, run=run, key="grad", values=[(0, 0.0), (1, 5e-324)])
    client.force_login(world.outsider.user)
    response = client.get(f"/runs/{run.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<polyline") == 2
    # No NaN anywhere in the drawing (a word of its own: names like "Nancy" are fine).
    assert not re.search(r"\bnan\b", page.split("<main")[1].lower())
