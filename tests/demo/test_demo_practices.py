"""The seeded demo shows every organisation-check code at least once, and its saved plan brings
Foundation Models back into its band when applied."""

from io import StringIO

import pytest
from django.core.management import call_command

from mlteam.registry.checks import CODES, organisation_checks
from mlteam.roster.models import RosterPlan
from mlteam.roster.planning import plan_apply, plan_preview
from mlteam.roster.selectors import ratio_by_team
from mlteam.site.demo.practices import PLAN_NAME

pytestmark = pytest.mark.django_db


def test_demo_lists_every_code_and_its_plan_fixes_foundation_models(client):
    call_command("seed_demo", stdout=StringIO())
    assert {f.code for f in organisation_checks()} == set(CODES)
    plan = RosterPlan.objects.get(name=PLAN_NAME)
    fm = next(t for t in plan_preview(plan.changes).teams if t.team.slug == "foundation-models")
    assert fm.now.status == "above" and fm.planned.status == "within"
    client.force_login(plan.created_by)
    page = client.get("/checks/").content.decode()
    assert all(code in page for code in CODES)
    plan_apply(plan=plan, actor=plan.created_by.member)
    row = next(r for r in ratio_by_team() if r.team.slug == "foundation-models")
    assert not row.outside_target
