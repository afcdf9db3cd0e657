import pytest

from tests.browser.conftest import login, screenshot
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_logs_in_and_sees_the_dashboard_without_script_errors(page, password):
    member = MemberFactory(user__username="ada")

    login(page, "ada", password)

    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert member.team.name in page.content()
    assert page.console_errors == []  # CSP blocks nothing: no inline scripts
    screenshot(page, "dashboard")


def test_a_locked_out_sign_in_says_when_to_retry_accessibly(page, password):
    """The fifth wrong password shows the lockout page: what happened, when to retry, where to
    go; axe-clean, no CSP violation (the 429 itself is the only console line)."""
    from tests.browser.axe import describe, serious_violations

    MemberFactory(user__username="ada")
    page.goto("/accounts/login/")
    for _ in range(5):
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        if page.get_by_role("heading", name="Sign-in locked for now").count():
            break

    assert page.get_by_role("heading", name="Sign-in locked for now").is_visible()
    assert "Try again after" in page.content()
    assert page.get_by_role("link", name="Back to the log in page").is_visible()
    assert [e for e in page.console_errors if "status of 429" not in e] == []
    violations = serious_violations(page)
    assert violations == [], describe(violations)
    screenshot(page, "locked-out")
    # Even the right password is refused until the lockout ends.
    page.get_by_role("link", name="Back to the log in page").click()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("heading", name="Sign-in locked for now").is_visible()
