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
