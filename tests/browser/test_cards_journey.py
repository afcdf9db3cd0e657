"""Journey 2: a product engineer opens a production version's card, downloads its Markdown and
compares it with the newer candidate (whose latency regressed) — in Chromium."""

from pathlib import Path

import pytest
import yaml

from mlteam.cards.services import card_update
from mlteam.kernel.enums import Stage
from mlteam.tracking.services import experiment_create, run_finish, run_log_metrics, run_start
from tests.browser.conftest import login, screenshot
from tests.worlds import build_world

pytestmark = pytest.mark.django_db(transaction=True)
FAILURE_MODES = "- Confuses *billing* and *refund*\n- Weak on tickets under five words"


def build_story():
    world = build_world()
    experiment = experiment_create(name="Intent v1", team=world.team, owner=world.owner)
    run = run_start(experiment=experiment, name="v1-train", actor=world.owner, params={"lr": 2e-5})
    run_log_metrics(
        actor=world.owner,
        run=run,
        key="train_loss",
        values=[(s, 2.2 * 0.8 ** (s / 100)) for s in range(0, 1001, 100)],
    )
    run_finish(run=run, actor=world.owner)
    production = world.passing(world.register(source_run=run))
    card_update(
        card=production.card,
        actor=world.owner,
        changes={
            "failure_modes": FAILURE_MODES,
            "risk_rating": "medium",
            "tags": ["text-classification", "support"],
        },
    )
    world.move(production, Stage.STAGING)
    world.move(production, Stage.PRODUCTION)
    candidate = world.register()
    world.record(candidate, world.accuracy, 0.95)
    world.record(candidate, world.latency, 260)  # slower: a regression (lower is better)
    world.record(candidate, world.safety, 0.99)
    card_update(card=candidate.card, actor=world.owner, changes={"summary": "Now with 90 intents."})
    return world, production, run


def test_product_engineer_reads_downloads_and_compares(page, password, tmp_path):
    world, _production, run = build_story()
    login(page, world.outsider.user.username, password)

    # From the shared benchmarks to the leaderboard, and from there to the production card.
    page.goto("/benchmarks/")
    page.get_by_role("link", name="Latency p99").click()
    assert page.get_by_role("heading", name="Latency p99").is_visible()
    assert page.locator("svg .lb-threshold").count() == 1
    screenshot(page, "cards-leaderboard")
    page.get_by_role("link", name="intent-classifier v1").click()

    assert page.get_by_role("heading", name="intent-classifier v1").is_visible()
    assert page.get_by_text("this version", exact=True).is_visible()  # in production now
    assert page.get_by_role("heading", name="Known failure modes").is_visible()
    assert page.get_by_text("Confuses billing and refund").is_visible()
    assert page.get_by_role("link", name="Edit").count() == 0  # readers do not edit
    screenshot(page, "cards-card")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Markdown").click()
    download = download_info.value
    assert download.suggested_filename == "intent-classifier-v1-card.md"
    saved = Path(tmp_path) / download.suggested_filename
    download.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---\n")[1])
    values = {
        r["dataset"]["type"]: r["metrics"][0]["value"] for r in meta["model-index"][0]["results"]
    }
    assert values == {"intent-accuracy": 0.9, "p99-latency": 200, "safety": 0.99}
    assert "## Known failure modes" in text

    page.get_by_role("link", name="Compare versions").click()
    page.wait_for_url("**/compare/?a=1&b=2")
    assert page.get_by_text("1 regression").is_visible()
    latency_row = page.locator("tr", has_text="Latency p99")
    assert latency_row.get_by_text("Regression").is_visible()
    assert page.get_by_role("heading", name="Summary").is_visible()  # the card difference
    screenshot(page, "cards-compare")

    page.goto(f"/runs/{run.pk}/")
    assert page.locator("svg polyline").count() == 1
    assert page.get_by_role("link", name="intent-classifier v1").is_visible()
    screenshot(page, "cards-run")
    assert page.console_errors == []
