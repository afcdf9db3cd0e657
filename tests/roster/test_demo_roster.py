"""The demo's roster has a year of history, replayed through the services."""

import itertools
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent
from mlteam.roster import selectors
from mlteam.roster.models import MLTeamMember, RosterPeriod

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


def test_demo_history_makes_the_ratio_dashboard_interesting(demo):
    rows = {row.team.slug: row for row in selectors.ratio_by_team()}
    assert rows["foundation-models"].status == "above"
    half_a_year_ago = selectors.ratio_by_team(at=timezone.now() - timedelta(days=180))
    earlier = {row.team.slug: row for row in half_a_year_ago}
    assert earlier["foundation-models"].status == "within"  # it drifted out recently
    assert earlier["support-agents"].status == "above"  # and Support Agents came back in
    assert rows["support-agents"].status == "within"
    assert rows["trust-safety"].embedded == 3
    for action in [
        AuditAction.MEMBER_LEFT,
        AuditAction.MEMBER_MOVED,
        AuditAction.MEMBER_EMBEDDED,
        AuditAction.MEMBER_ORIENTATION_CHANGED,
        AuditAction.MEMBER_ROLE_CHANGED,
        AuditAction.TARGET_SET,
        AuditAction.TEAM_CHANGED,
    ]:
        assert AuditEvent.objects.filter(action=action).exists(), action


def test_demo_periods_are_consistent_with_the_roster(demo):
    for member in MLTeamMember.objects.prefetch_related("periods"):
        periods = sorted(member.periods.all(), key=lambda p: p.valid_from)
        assert all(a.valid_to == b.valid_from for a, b in itertools.pairwise(periods))
        last = periods[-1]
        assert (last.valid_to is None) == member.is_active
        assert (last.team_id, last.role_id, last.orientation, last.embedded_in_id) == (
            member.team_id,
            member.role_id,
            member.orientation,
            member.embedded_in_id,
        )


def test_seeding_again_changes_nothing(demo):
    before = (RosterPeriod.objects.count(), AuditEvent.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (RosterPeriod.objects.count(), AuditEvent.objects.count()) == before
