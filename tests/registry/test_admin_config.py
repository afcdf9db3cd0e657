"""Configuration that decides who may do what (protocols, roles, team relations) is edited in
the admin by ML leads only, and every edit lands in the audit trail."""

import re

import pytest

from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent
from mlteam.registry.models import HandoffProtocol
from mlteam.roster.models import Role, TeamInteraction
from tests.factories import RoleFactory

from .test_admin import staff

pytestmark = pytest.mark.django_db
ALL_ROLE_PERMS = ("view_role", "add_role", "change_role", "delete_role")
ALL_PROTOCOL_PERMS = (
    "view_handoffprotocol",
    "add_handoffprotocol",
    "change_handoffprotocol",
    "view_gatecriterion",
    "add_gatecriterion",
    "change_gatecriterion",
)


def test_a_role_change_by_an_ml_lead_is_audited(client, world):
    role = RoleFactory(name="Evaluator")
    staff(client, world.lead, *ALL_ROLE_PERMS)
    response = client.post(
        f"/admin/roster/role/{role.pk}/change/", {"name": "Evaluator", "is_ml_lead": "on"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.CONFIG_CHANGED)
    assert event.actor == world.lead.user
    assert event.details["fields"] == ["is_ml_lead"] and "changed role 'Evaluator'" in event.summary


def test_saving_a_role_unchanged_records_nothing_and_deleting_is_recorded(client, world):
    role = RoleFactory(name="Evaluator")
    staff(client, world.lead, *ALL_ROLE_PERMS)
    client.post(f"/admin/roster/role/{role.pk}/change/", {"name": "Evaluator"})
    assert not AuditEvent.objects.filter(action=AuditAction.CONFIG_CHANGED).exists()
    client.post(f"/admin/roster/role/{role.pk}/delete/", {"post": "yes"})
    assert not Role.objects.filter(pk=role.pk).exists()
    assert AuditEvent.objects.get(action=AuditAction.CONFIG_CHANGED).details["verb"] == "deleted"


def test_staff_who_are_not_ml_leads_cannot_edit_roles_or_protocols(client, world):
    role = RoleFactory(name="Evaluator")
    staff(client, world.gate, *ALL_ROLE_PERMS, *ALL_PROTOCOL_PERMS)
    refused = client.post(
        f"/admin/roster/role/{role.pk}/change/", {"name": "Evaluator", "is_ml_lead": "on"}
    )
    assert refused.status_code == 403
    assert client.get("/admin/registry/handoffprotocol/add/").status_code == 403
    role.refresh_from_db()
    assert not role.is_ml_lead and not AuditEvent.objects.exists()


def test_an_ml_lead_adding_a_protocol_is_audited(client, world):
    staff(client, world.lead, *ALL_PROTOCOL_PERMS)
    page = client.get("/admin/registry/handoffprotocol/add/").content.decode()
    inline = re.search(r'name="([\w-]+)-TOTAL_FORMS"', page).group(1)
    HandoffProtocol.objects.filter(from_stage="staging", to_stage="experimental").delete()
    response = client.post(
        "/admin/registry/handoffprotocol/add/",
        {
            "name": "Send back",
            "from_stage": "staging",
            "to_stage": "experimental",
            "responsible_role": world.lead.role_id,
            "description": "",
            "active": "on",
            f"{inline}-TOTAL_FORMS": "0",
            f"{inline}-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action=AuditAction.PROTOCOL_CHANGED)
    assert event.details["verb"] == "added" and "Send back" in event.summary


def test_team_interactions_are_audited_under_the_team(client, world):
    staff(client, world.lead, "add_teaminteraction", "view_teaminteraction")
    response = client.post(
        "/admin/roster/teaminteraction/add/",
        {
            "from_team": world.model.team_id,
            "to_team": world.gate.team_id,
            "mode": "collaboration",
            "description": "Joint evals",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert TeamInteraction.objects.count() == 1
    event = AuditEvent.objects.get(action=AuditAction.CONFIG_CHANGED)
    assert event.team == world.model.team and event.details["verb"] == "added"
