"""Every page of the demo organisation, as the people who use it see it: axe-core finds no
serious or critical violation, nothing scrolls sideways on a 390 px phone, no console error or
CSP violation — and a desktop and a phone screenshot of each lands in test-artifacts/."""

import pytest
from django.core.management import call_command

from tests.browser.axe import describe, serious_violations
from tests.browser.conftest import screenshot
from tests.browser.site_pages import site_pages

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = (1280, 900)
PHONE = (390, 844)


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # demo logins get their password only when DEBUG is on
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    return site_pages()


def signed_in(new_page, sessions, user, size):
    """One browser context per (person, screen), signed in once."""
    key = (user, size)
    if key not in sessions:
        page = new_page(*size)
        if user:
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill(user)
            page.get_by_label("Password").fill("mlteam-demo")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
        sessions[key] = page
    return sessions[key]


def test_every_page_is_axe_clean_fits_a_phone_and_is_photographed(new_page, demo):
    sessions, problems = {}, []
    for site_page in demo:
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page = signed_in(new_page, sessions, site_page.user, size)
            page.console_errors.clear()
            response = page.goto(site_page.path)
            where = f"{site_page.name} ({site_page.path}, {label})"
            expected = 404 if site_page.name == "not-found" else 200
            if response.status != expected:
                problems.append(f"{where}: status {response.status}")
            errors = [e for e in page.console_errors if "status of 404" not in e]
            if errors:
                problems.append(f"{where}: console {errors}")
            violations = serious_violations(page)
            if violations:
                problems.append(f"{where}: axe {describe(violations)}")
            if label == "phone":
                width, inner = page.evaluate(
                    "[document.documentElement.scrollWidth, window.innerWidth]"
                )
                if width > inner:
                    problems.append(f"{where}: {width} px wide on a {inner} px screen")
            screenshot(page, f"{site_page.name}-{label}")
    assert problems == [], "\n".join(problems)
