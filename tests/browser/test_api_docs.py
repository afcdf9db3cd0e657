"""The interactive API docs render in a real Chromium under our strict CSP, offline."""

import pytest

from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_renders_without_csp_errors(page):
    UserFactory(username="reader")
    offsite = []
    page.on(
        "request",
        lambda r: (
            r.url.startswith("http")
            and "localhost" not in r.url
            and "127.0.0.1" not in r.url
            and offsite.append(r.url)
        ),
    )
    login(page, "reader", PASSWORD)
    page.goto("/api/docs/")
    page.get_by_text("mlteam API").first.wait_for()
    page.locator(".opblock-tag", has_text="models").first.wait_for()
    page.locator(
        ".opblock-summary-path", has_text="/api/v1/promotions/{id}/approve/"
    ).first.wait_for()
    screenshot(page, "api-docs")
    assert page.console_errors == [], page.console_errors
    assert offsite == []


def test_tokens_page_in_the_browser(page):
    UserFactory(username="pipeline-owner")
    login(page, "pipeline-owner", PASSWORD)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("nightly training")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").input_value()
    assert token.startswith("mlt_")
    screenshot(page, "api-tokens-created")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("Revoked nightly training").wait_for()
    assert page.console_errors == []
