"""Benchmark catalogue, leaderboards, the record form and the compare page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mlteam.cards.services import card_update
from mlteam.evals.models import Benchmark, EvalResult
from tests.factories import RunFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_catalogue_shows_metric_direction_owner_and_gates(client, world):
    client.force_login(world.outsider.user)
    page = client.get("/benchmarks/").content.decode()
    assert "Latency p99" in page and "↓ lower is better" in page
    assert "Platform" in page and "Production readiness" in page and "≤ 350" in page
    assert "Add a benchmark" not in page


def test_ml_lead_adds_and_edits_a_benchmark(client, world):
    client.force_login(world.lead.user)
    assert "Add a benchmark" in client.get("/benchmarks/").content.decode()
    response = client.post(
        "/benchmarks/new/",
        {
            "slug": "rouge",
            "name": "Summaries",
            "metric": "ROUGE-L",
            "higher_is_better": "on",
            "owner_team": world.team.pk,
            "dataset_version": "v1",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/benchmarks/rouge/"
    client.post(
        "/benchmarks/rouge/edit/",
        {"name": "Summary quality", "metric": "ROUGE-L", "owner_team": world.team.pk},
    )
    benchmark = Benchmark.objects.get(slug="rouge")
    assert (benchmark.name, benchmark.higher_is_better) == ("Summary quality", False)


def test_invalid_benchmark_form_is_an_inline_error(client, world):
    client.force_login(world.lead.user)
    response = client.post("/benchmarks/new/", {"slug": "safety", "name": "", "metric": "m"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert "already exists" in response.content.decode()


def test_others_cannot_manage_benchmarks(client, world):
    client.force_login(world.owner.user)
    assert client.get("/benchmarks/new/").status_code == 403
    response = client.post("/benchmarks/safety/edit/", {"name": "x", "metric": "m"})
    assert response.status_code == 403
    assert Benchmark.objects.get(slug="safety").name == "Safety suite"


def test_leaderboard_ranks_and_draws_the_gate_thresholds(client, world):
    slow, fast = world.register(), world.register()
    world.record(slow, world.latency, 420)
    world.record(fast, world.latency, 120)
    client.force_login(world.outsider.user)

    response = client.get("/benchmarks/p99-latency/")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index('intent-classifier <span class="muted">v2') < page.index(
        'intent-classifier <span class="muted">v1'
    )
    assert 'class="lb-threshold"' in page and "production ≤ 350" in page
    assert 'class="lb-bar lb-stage-experimental is-fail"' in page  # 420 ms misses production
    assert "intent-classifier v1 · experimental" in page  # each bar says its stage
    # The threshold heads its own column once; the rows only say meets or misses.
    assert page.count("production ≤ 350</th>") == 0 and ">production ≤ 350" in page
    assert page.count('<span class="fail">misses</span>') == 1
    assert page.count('<span class="pass">meets</span>') == 1
    assert "versions, from 0;" in page  # bars start at zero: lengths are the values
    assert "<script" not in page.split("<main")[1]


def test_leaderboard_chart_covers_the_leaders_of_every_page(client, world, settings):
    from mlteam.web.evals import views

    versions = [world.register() for _ in range(4)]
    for index, artifact in enumerate(versions):
        world.record(artifact, world.latency, 100 + index)
    client.force_login(world.outsider.user)
    original = views.LEADERBOARD_PAGE
    views.LEADERBOARD_PAGE = 2
    try:
        page = client.get("/benchmarks/p99-latency/").content.decode()
    finally:
        views.LEADERBOARD_PAGE = original
    chart = page.split('<figure class="card lb-chart">')[1].split("</figure>")[0]
    assert chart.count('<g class="lb-bar') == 4  # the chart is not cut to the table's page
    assert "Page 1 of 2" in page


def test_leaderboard_filters_swap_the_results_over_htmx(client, world):
    world.in_production()
    world.record(world.register(), world.safety, 0.95)
    client.force_login(world.outsider.user)

    response = client.get("/benchmarks/safety/?stage=production", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="results"' in html and "1 version" in html
    assert "HX-Request" in response["Vary"]


def test_leaderboard_ignores_an_unknown_filter_value_with_a_message(client, world):
    world.record(world.register(), world.safety, 0.95)
    client.force_login(world.outsider.user)
    response = client.get("/benchmarks/safety/?stage=retired")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "1 version" in response.content.decode()


def test_leaderboard_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.outsider.user)
    world.record(world.register(), world.safety, 0.91)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/benchmarks/safety/").status_code == 200
    for index in range(40):
        artifact = world.register()
        world.record(artifact, world.safety, 0.9 + index / 1000)
        world.record(artifact, world.safety, 0.92 + index / 1000)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/benchmarks/safety/?page=2").content.decode()
    assert len(many) == len(one)
    assert "Page 2 of 2" in page


def test_team_member_records_a_result(client, world):
    artifact = world.register()
    run = RunFactory(experiment__team=world.team)
    client.force_login(world.owner.user)
    url = "/models/intent-classifier/v1/evals/record/"

    response = client.post(url, {"benchmark": "safety", "value": " 0.97 ", "run": run.pk})

    assert response.status_code == 302
    result = EvalResult.objects.get()
    assert (result.artifact, result.value, result.run, result.recorded_by) == (
        artifact,
        0.97,
        run,
        world.owner,
    )
    page = client.get(url).content.decode()
    assert "Recorded Safety suite = 0.97." in page


def test_recording_over_htmx_answers_with_the_fragment(client, world):
    world.register()
    client.force_login(world.owner.user)
    url = "/models/intent-classifier/v1/evals/record/"
    response = client.post(url, {"benchmark": "safety", "value": "0.93"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-swap-oob="innerHTML"' in html and "Recorded Safety suite = 0.93." in html
    assert EvalResult.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("NaN", "NaN and infinity cannot be recorded"),
        ("inf", "not a finite number"),
        ("-infinity", "not a finite number"),
        ("ninety", "&#x27;ninety&#x27; is not a number"),
        ("", "This field is required."),
    ],
)
def test_bad_values_are_inline_errors_and_nothing_is_saved(client, world, value, says):
    world.register()
    client.force_login(world.owner.user)
    url = "/models/intent-classifier/v1/evals/record/"
    response = client.post(url, {"benchmark": "safety", "value": value}, **HTMX)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not EvalResult.objects.exists()


def test_an_unknown_benchmark_is_an_inline_error(client, world):
    world.register()
    client.force_login(world.owner.user)
    url = "/models/intent-classifier/v1/evals/record/"
    response = client.post(url, {"benchmark": "mmlu", "value": "0.5"})
    assert "Choose one of the shared benchmarks." in response.content.decode()
    assert not EvalResult.objects.exists()


def test_readers_see_results_but_cannot_record(client, world):
    world.register()
    client.force_login(world.outsider.user)
    url = "/models/intent-classifier/v1/evals/record/"
    page = client.get(url).content.decode()
    assert "Only members of Applied ML (or an ML lead) can record" in page
    assert '<form method="post"' not in page.split("<main")[1].split("</main>")[0]
    response = client.post(url, {"benchmark": "safety", "value": "0.5"}, **HTMX)
    assert response.status_code == 403
    assert not EvalResult.objects.exists()


def test_compare_flags_regressions_in_the_benchmarks_direction(client, world):
    v1 = world.in_production()  # accuracy 0.9, latency 200, safety 0.99
    v2 = world.register()
    world.record(v2, world.accuracy, 0.95)  # better
    world.record(v2, world.latency, 260)  # worse: lower is better
    world.record(v2, world.safety, 0.99)  # same
    card_update(card=v2.card, actor=world.owner, changes={"failure_modes": "- New failure"})
    client.force_login(world.outsider.user)

    page = client.get("/models/intent-classifier/compare/?a=1&b=2").content.decode()

    assert "1 regression" in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr")
    latency = next(r for r in rows if "Latency p99" in r)
    assert "Regression" in latency and "+60" in latency
    assert "Improvement" in next(r for r in rows if "Intent accuracy" in r)
    assert "No change" in next(r for r in rows if "Safety suite" in r)
    assert "Known failure modes" in page and "New failure" in page
    assert v1.card.failure_modes.splitlines()[0] in page  # the removed line is listed too


def test_compare_defaults_to_production_against_the_newest(client, world):
    world.in_production()
    world.register()
    world.register()
    client.force_login(world.outsider.user)
    page = client.get("/models/intent-classifier/compare/").content.decode()
    assert '<option value="1" selected>' in page and '<option value="3" selected>' in page


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("?a=1&b=7", "There is no v7"),
        ("?a=one&b=2", "is not a version number"),
        ("?a=2&b=2", "Pick two different versions"),
        ("?a=%C2%B2&b=2", "is not a version number"),  # "²" passes str.isdigit()
        ("?a=1&b=99999999999999999999999999", "is not a version number"),
    ],
)
def test_compare_with_bad_versions_explains(client, world, query, says):
    world.register()
    world.register()
    client.force_login(world.outsider.user)
    response = client.get(f"/models/intent-classifier/compare/{query}")
    assert response.status_code == 200
    assert says in response.content.decode()
    assert "Scores</h2>" not in response.content.decode()


def test_compare_queries_are_bounded(client, world):
    client.force_login(world.outsider.user)
    world.register()
    world.register()
    with CaptureQueriesContext(connection) as few:
        client.get("/models/intent-classifier/compare/?a=1&b=2")
    for _ in range(6):
        world.passing(world.register())
    with CaptureQueriesContext(connection) as many:
        client.get("/models/intent-classifier/compare/?a=3&b=8")
    assert len(many) == len(few)


def test_the_benchmark_admin_goes_through_the_services(client, world):
    from django.contrib.auth.models import Permission

    from mlteam.kernel.enums import AuditAction
    from mlteam.kernel.models import AuditEvent

    perms = Permission.objects.filter(codename__in=["view_benchmark", "change_benchmark"])
    for member in (world.lead, world.owner):
        member.user.is_staff = True
        member.user.save()
        member.user.user_permissions.set(perms)
    url = f"/admin/evals/benchmark/{world.safety.pk}/change/"
    form = {
        "name": "Safety suite",
        "metric": "pass rate",
        "unit": "",
        "higher_is_better": "on",
        "dataset_version": "v2",
        "owner_team": world.safety.owner_team_id,
        "description": "",
    }
    client.force_login(world.owner.user)  # not an ML lead: may look, not change
    assert client.post(url, form).status_code == 403
    client.force_login(world.lead.user)
    page = client.get(url).content.decode()
    assert 'name="slug"' not in page and "Delete" not in page
    assert client.post(url, form).status_code == 302
    world.safety.refresh_from_db()
    assert world.safety.dataset_version == "v2"
    event = AuditEvent.objects.get(action=AuditAction.BENCHMARK_CHANGED)
    assert event.actor == world.lead.user and "dataset_version" in event.details["fields"]
