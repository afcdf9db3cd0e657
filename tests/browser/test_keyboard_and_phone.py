"""Keyboard, screen reader and phone: the menu folds on a phone without JavaScript, and after
every htmx swap focus lands on what changed (never left on a control that was replaced)."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from mlteam.kernel.enums import Stage
from mlteam.registry import services
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import PromotionRequest
from tests.browser.conftest import login, screenshot
from tests.registry.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def focus_within(page, selector: str, timeout_ms: int = 3000) -> bool:
    """Whether focus is (or within a moment comes) inside ``selector``: the page moves focus
    after htmx settles the swap, which can be a frame after the new content appears."""
    try:
        page.wait_for_function(
            "(sel) => { const box = document.querySelector(sel);"
            " return !!box && box.contains(document.activeElement); }",
            arg=selector,
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        return False
    return True


def test_the_menu_folds_behind_a_button_on_a_phone_even_without_javascript(chromium, live_server):
    from tests.factories import PASSWORD, MemberFactory

    MemberFactory(user__username="someone")
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, java_script_enabled=False
    )
    try:
        page = context.new_page()
        login(page, "someone", PASSWORD)
        page.goto("/models/")
        models_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Models")
        assert not models_link.is_visible()  # folded: the page starts right under the bar
        header = page.locator("header.topbar").bounding_box()
        assert header["height"] < 80
        page.locator("#site-menu > summary").click()
        assert models_link.is_visible()
        assert page.get_by_role("button", name="Log out").is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        screenshot(page, "phone-menu-open")
    finally:
        context.close()

    wide = chromium.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    try:
        page = wide.new_page()
        login(page, "someone", PASSWORD)
        page.goto("/models/")
        nav = page.get_by_role("navigation", name="Main")
        assert nav.get_by_role("link", name="Models").is_visible()  # no menu button to press
        assert not page.locator("#site-menu > summary").is_visible()
        # "API tokens" and "Log out" each stay on one line.
        for name in ("API tokens",):
            box = page.get_by_role("link", name=name).bounding_box()
            assert box["height"] < 30
    finally:
        wide.close()


def test_focus_follows_each_htmx_swap_on_the_promotion_page(new_page, password):
    world = build_world()
    world.in_production()
    candidate = world.register()
    world.passing_evals(candidate)
    candidate = world.move(candidate, Stage.STAGING)
    request = services.promotion_request(
        artifact=candidate, to_stage=Stage.PRODUCTION, actor=world.requester
    )
    page = new_page()
    login(page, world.gate.user.username, password)
    page.goto(request.get_absolute_url())

    # Reject is folded away beside Approve until asked for.
    assert not page.get_by_label("Reason for rejecting").is_visible()

    # Sign off the manual item from the keyboard: focus moves to the updated item.
    item = request.items.get(kind="manual")
    page.get_by_label("Evidence").fill("https://wiki.example.com/runbooks/rollback-drill")
    page.get_by_label("Evidence").press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text("Signed by").wait_for()
    assert focus_within(page, f"#check-{item.pk}")

    # Approve: the whole body is replaced; focus goes to what to do next.
    page.get_by_role("button", name="Approve: move to production").focus()
    page.keyboard.press("Enter")
    page.locator(".next-waiting").wait_for()
    assert focus_within(page, ".next-waiting")
    assert "Nothing else is waiting for your sign-off" in page.locator(".next-waiting").inner_text()
    assert PromotionRequest.objects.get(pk=request.pk).state == PromotionState.APPROVED
    assert page.console_errors == []


def test_a_refused_rejection_keeps_the_box_open_and_focuses_the_error(new_page, password):
    world = build_world()
    candidate = world.register()
    request = services.promotion_request(
        artifact=candidate, to_stage=Stage.STAGING, actor=world.requester
    )
    page = new_page()
    login(page, "evaluator", password)
    page.goto(request.get_absolute_url())
    page.get_by_text("Reject…").click()
    reason = page.get_by_label("Reason for rejecting")
    reason.fill("   ")  # blank: the engine refuses
    page.evaluate("document.getElementById('reject-reason').removeAttribute('required')")
    page.get_by_role("button", name="Reject", exact=True).click()
    page.locator("#promotion-actions [role=alert]").wait_for()
    assert focus_within(page, "#promotion-actions [role=alert]")
    assert page.get_by_label("Reason for rejecting").is_visible()  # the box stayed open
    assert PromotionRequest.objects.get(pk=request.pk).state == PromotionState.PENDING


def test_focus_follows_editing_and_saving_a_card_section(new_page, password):
    world = build_world()
    artifact = world.register()
    page = new_page()
    login(page, "owner", password)
    page.goto(f"{artifact.get_absolute_url()}card/")
    page.get_by_role("link", name="Edit Summary").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Save summary").wait_for()
    assert focus_within(page, "#section-summary form")  # straight into the form
    assert page.evaluate("document.activeElement.tagName") in {"TEXTAREA", "INPUT"}
    page.keyboard.type(" Now with 90 intents.")
    page.get_by_role("button", name="Save summary").click()
    page.locator("#section-summary .mc-saved").wait_for()
    assert focus_within(page, "#section-summary")  # the saved section, its status first
    assert page.console_errors == []
