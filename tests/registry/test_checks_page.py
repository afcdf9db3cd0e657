"""The /checks/ page, its htmx partial, the dashboard/roster/team summaries and the daily
snapshot that draws the 90-day trend."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from mlteam.registry.check_snapshots import checks_trend
from mlteam.registry.models import CheckSnapshot
from tests.factories import ExperimentFactory, MemberFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lapse(db):
    team = TeamFactory(slug="core", name="Core", kind="ml")  # no target: no_target
    owner = MemberFactory(team=team)
    ExperimentFactory(name="notebook", team=team, owner=owner,
                      created_at=timezone.now() - timedelta(days=20))  # fmt: skip
    return owner


def test_page_lists_findings_with_links_and_filters(lapse, client):
    client.force_login(lapse.user)
    page = client.get("/checks/").content.decode()
    assert (
        "Organisation checks" in page and "no_target" in page and "experiment_without_runs" in page
    )
    assert 'href="/admin/roster/team/' in page  # where no_target is fixed
    filtered = client.get("/checks/?code=no_target", headers={"HX-Request": "true"})
    body = filtered.content.decode()
    assert "<html" not in body and "no_target" in body and "notebook" not in body
    bad = client.get("/checks/?severity=urgent")
    assert bad.status_code == 200 and "notebook" in bad.content.decode()  # ignored, shown


def test_summaries_on_dashboard_roster_and_team_pages(lapse, client):
    client.force_login(lapse.user)
    for url in ["/", "/roster/", "/teams/core/"]:
        body = client.get(url).content.decode()
        assert "Organisation checks" in body and "medium 1" in body, url


def test_snapshot_command_keeps_counts_per_code_for_the_trend(lapse):
    out = StringIO()
    call_command(
        "checks_snapshot", "--day", str(timezone.localdate() - timedelta(days=10)), stdout=out
    )
    call_command("checks_snapshot", stdout=out)
    call_command("checks_snapshot", stdout=out)  # the same day again replaces its counts
    assert CheckSnapshot.objects.filter(day=timezone.localdate()).count() == 13
    trend = checks_trend()
    assert trend["no_target"].totals == [1, 1] and trend["gate_owner_gap"].totals == [0, 0]
    assert "13 codes, 2 findings" in out.getvalue()
