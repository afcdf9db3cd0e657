"""The ML lead's journey: spot a team outside its target band on /roster/, fix the staffing in
the admin, and see the admin chart and the dashboard follow."""

import pytest

from mlteam.kernel.actors import SYSTEM
from mlteam.roster import services
from mlteam.roster.enums import InteractionMode, Orientation
from mlteam.roster.models import TeamInteraction
from tests.browser.conftest import login, screenshot
from tests.factories import MemberFactory, RoleFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
R, P = Orientation.RESEARCH, Orientation.PRODUCTION


def organisation() -> None:
    """An ML lead (lena), Applied ML above its 40 to 60 % band (4 of 6 research), a hybrid team."""
    lead = MemberFactory(
        user__username="lena",
        user__first_name="Lena",
        user__last_name="Lindqvist",
        user__is_staff=True,
        user__is_superuser=True,
        role=RoleFactory(name="ML Lead", is_ml_lead=True),
        team=TeamFactory(name="Foundation Models", slug="foundation-models"),
    )
    applied = TeamFactory(name="Applied ML", slug="applied-ml", mission="Ship task models.")
    safety = TeamFactory(name="Trust & Safety", slug="trust-safety", kind="hybrid")
    product = TeamFactory(name="Search", slug="search", kind="product")
    services.orientation_target_set(team=applied, target_share=0.5, tolerance=0.1, actor=SYSTEM)
    services.orientation_target_set(team=safety, target_share=0.5, actor=SYSTEM)
    people = [("Ada", R), ("Ben", R), ("Chen", R), ("Dara", P), ("Eli", P)]
    for first, orientation in people:
        services.member_join(
            user=UserFactory(username=first.lower(), first_name=first, last_name="Applied"),
            role=RoleFactory(name="Applied Scientist"),
            orientation=orientation,
            team=applied,
            actor=lead,
        )
    for first, orientation, embedded in [("Fay", R, None), ("Gus", P, None), ("Hana", R, applied)]:
        services.member_join(
            user=UserFactory(username=first.lower(), first_name=first, last_name="Safety"),
            role=RoleFactory(name="Safety Reviewer"),
            orientation=orientation,
            team=safety,
            embedded_in=embedded,
            actor=lead,
        )
    TeamInteraction.objects.create(
        from_team=applied, to_team=product, mode=InteractionMode.COLLABORATION
    )


def test_ml_lead_fixes_a_team_outside_its_band(page, password):
    organisation()
    login(page, "lena", password)

    page.goto("/roster/")
    row = page.locator("table.ratio-table tr", has_text="Applied ML")
    assert "▲ above band" in row.inner_text()  # 4 of 6 research (Hana is embedded) = 67 %
    assert "67%" in row.inner_text()
    assert page.console_errors == []
    screenshot(page, "roster-ratio")

    page.get_by_role("link", name="Manage the roster").click()
    page.locator("#changelist-filter").get_by_role("link", name="Applied ML").click()
    chart = page.locator(".roster-admin-chart")
    assert "67% research · 4 R / 2 P (incl. 1 embedded)" in chart.inner_text()
    assert "Outside their target band: Applied ML" in chart.inner_text()
    screenshot(page, "admin-member-changelist-chart")

    page.get_by_role("link", name="Ada Applied").click()
    page.get_by_label("Orientation").select_option("production")
    page.get_by_role("button", name="Save", exact=True).click()

    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    chart = page.locator(".roster-admin-chart")
    assert "50% research · 3 R / 3 P (incl. 1 embedded)" in chart.inner_text()
    assert "✓ within target 40%–60%" in chart.inner_text()
    assert "Outside their target band" not in chart.inner_text()
    assert "Production" in page.locator("#result_list tr", has_text="Ada Applied").inner_text()

    page.goto("/roster/")
    row = page.locator("table.ratio-table tr", has_text="Applied ML")
    assert "50%" in row.inner_text() and "✓ within band" in row.inner_text()
    assert page.locator(".ratio-facts li", has_text="outside").inner_text().count("Applied ML") == 0


def test_team_and_topology_pages_render_in_a_browser(page, password):
    organisation()
    login(page, "lena", password)

    page.goto("/teams/applied-ml/")
    assert page.get_by_role("heading", name="Applied ML", exact=True).is_visible()
    assert "embedded" in page.locator("table.rowheads").inner_text()
    screenshot(page, "team-page")

    page.goto("/topology/")
    assert page.locator("svg.topology a.node").count() == 4
    page.locator("svg.topology a.node", has_text="Applied ML").click()
    page.wait_for_url("**/teams/applied-ml/")
    page.goto("/topology/")
    assert page.console_errors == []
    screenshot(page, "topology")


def test_topology_stays_usable_with_fifty_teams(page, password):
    organisation()
    kinds = ["ml", "product", "agent", "hybrid", "platform"]
    teams = [
        TeamFactory(name=f"Team {i:02d}", slug=f"team-{i:02d}", kind=kinds[i % 5])
        for i in range(46)
    ]
    for i, team in enumerate(teams):
        services.member_join(
            user=UserFactory(),
            role=RoleFactory(name="ML Engineer"),
            orientation=P,
            team=team,
            actor=SYSTEM,
        )
        source = teams[(i * 17 + 5) % len(teams)]
        if source != team:
            TeamInteraction.objects.create(
                from_team=source, to_team=team, mode=list(InteractionMode)[i % 3]
            )
    login(page, "lena", password)

    page.goto("/topology/")

    nodes = page.locator("svg.topology a.node")
    assert nodes.count() == 50
    boxes = [nodes.nth(i).locator("rect").bounding_box() for i in range(50)]
    for i, a in enumerate(boxes):  # no two team boxes overlap on screen
        for b in boxes[i + 1 :]:
            assert (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            )
    assert min(box["width"] for box in boxes) > 150  # not shrunk into illegibility
    screenshot(page, "topology-50-teams")
