"""The two registry journeys in a real browser: a product engineer finds a model's card, and a gate
owner signs off a promotion while the requester cannot sign their own."""

import re

import pytest

from mlteam.kernel.enums import Stage
from mlteam.registry import services
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import ModelArtifact, PromotionRequest
from tests.browser.conftest import login, screenshot
from tests.factories import ModelFactory
from tests.worlds import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def staged(world, model=None):
    artifact = (
        services.artifact_register(model=model, actor=world.owner) if model else world.register()
    )
    world.passing_evals(artifact)
    return world.move(artifact, Stage.STAGING)


def test_product_engineer_filters_the_registry_and_reads_the_production_card(page, password):
    world = build_world()
    production = world.in_production()
    staged(world)  # v2 in staging: the model page lists both
    ranker = ModelFactory(name="search-ranker", team=world.model.team, task="ranking")
    world.move(staged(world, ranker), Stage.PRODUCTION)
    ModelFactory(name="intent-draft", team=world.model.team, task=world.model.task)
    login(page, world.outsider.user.username, password)  # a Product Engineer on another team

    page.goto("/models/")
    rows = page.locator("table.registry-table tbody tr")
    assert rows.count() == 3
    page.get_by_label("Task").select_option("text-classification")
    page.wait_for_url(re.compile(r"task=text-classification"))
    page.get_by_label("Has a version in").select_option("production")
    page.wait_for_url(re.compile(r"stage=production"))
    page.get_by_label("Search").fill("intent")
    page.wait_for_url(re.compile(r"q=intent"))

    assert rows.count() == 1
    assert rows.first.get_by_role("link", name="intent-classifier").is_visible()
    page.go_back()  # the pushed URLs make Back undo the last filter
    page.wait_for_url(lambda url: "q=intent" not in url and "stage=production" in url)
    page.get_by_role("link", name="intent-classifier").click()
    page.wait_for_url("**/models/intent-classifier/")
    page.get_by_role("link", name=f"v{production.version} production").first.click()
    page.wait_for_url(f"**{production.get_absolute_url()}")
    assert page.locator(".page-header .badge").inner_text() == "Production"
    page.get_by_role("link", name="Read the model card").click()
    page.wait_for_url(f"**{production.get_absolute_url()}card/")

    assert "Summary text." in page.content()
    assert page.console_errors == []
    screenshot(page, "journey-1-production-card")


def test_gate_owner_approves_while_the_requester_cannot_sign_their_own(new_page, password):
    world = build_world()
    previous = world.in_production()
    candidate = staged(world)
    world.requester.role = world.gate.role  # holds the gate's role: only four-eyes stops them
    world.requester.save()
    request = services.promotion_request(
        artifact=candidate, to_stage=Stage.PRODUCTION, actor=world.requester
    )

    # The requester, in their own browser, sees why they cannot approve; forcing it is refused.
    requester = new_page()
    login(requester, "requester", password)
    requester.goto(request.get_absolute_url())
    approve = requester.get_by_role("button", name="Approve")
    assert approve.is_disabled()
    assert "You requested this promotion" in requester.locator("#approve-why").inner_text()
    token = next(c["value"] for c in requester.context.cookies() if c["name"] == "csrftoken")
    forced = requester.request.post(
        f"{request.get_absolute_url()}approve/",
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert forced.status == 200 and "You requested this promotion" in forced.text()
    assert PromotionRequest.objects.get(pk=request.pk).state == PromotionState.PENDING

    # The gate owner opens the request from the inbox, signs the manual item, approves.
    gate = new_page()
    login(gate, world.gate.user.username, password)
    gate.goto("/promotions/")
    gate.get_by_role("link", name=f"#{request.pk}").click()
    gate.wait_for_url(f"**{request.get_absolute_url()}")
    gate.evaluate("window.loadedOnce = true")  # gone if anything reloads the page
    gate.get_by_label("Evidence").fill("https://wiki.example.com/runbooks/rollback-drill")
    gate.get_by_role("button", name="Sign off this item").click()
    gate.get_by_role("button", name="Approve: move to production").click()

    message = f"Approved: {candidate} is now in production; v{previous.version} is now deprecated."
    gate.get_by_text(message).wait_for()
    assert gate.locator("#version-stage").inner_text() == "production"
    assert gate.evaluate("window.loadedOnce") is True  # updated in place, no full reload
    assert ModelArtifact.objects.get(pk=candidate.pk).status == Stage.PRODUCTION
    assert ModelArtifact.objects.get(pk=previous.pk).status == Stage.DEPRECATED
    screenshot(gate, "journey-2-gate-owner-approved")

    gate.goto(world.model.get_absolute_url())
    versions = gate.locator("table.versions-table tbody tr")
    assert "Production" in versions.nth(0).inner_text()  # v2
    assert "Deprecated" in versions.nth(1).inner_text()  # v1
    assert gate.console_errors == []
    screenshot(gate, "journey-2-gate-owner-model-after-approval")

    requester.reload()
    assert "Approved" in requester.locator("#promotion-actions").inner_text()
    screenshot(requester, "journey-2-requester-after-decision")


@pytest.mark.parametrize("width", [1280, 390])
def test_registry_pages_read_well_on_a_laptop_and_a_phone(new_page, password, width):
    world = build_world()
    world.in_production()
    candidate = staged(world)
    request = services.promotion_request(
        artifact=candidate, to_stage=Stage.PRODUCTION, actor=world.requester
    )
    page = new_page(width=width)
    login(page, world.gate.user.username, password)

    for name, url in [
        ("registry", "/models/"),
        ("version", candidate.get_absolute_url()),
        ("promotion", request.get_absolute_url()),
        ("promotions", "/promotions/?show=all"),
    ]:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width}px"
        screenshot(page, f"{name}-{width}")
    assert page.console_errors == []
