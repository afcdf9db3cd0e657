"""The card admin edits through card_update: validated, audited, team-only."""

from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent


def admin_client(client, member):
    from django.contrib.auth.models import Permission

    member.user.is_staff = True
    member.user.save()
    member.user.user_permissions.add(*Permission.objects.filter(codename__endswith="_modelcard"))
    client.force_login(member.user)
    return client


def post_card(client, card, **values):
    data = {
        "summary": "",
        "architecture": "",
        "training_data": "",
        "intended_uses": "",
        "out_of_scope_uses": "",
        "failure_modes": "",
        "limitations_and_risks": "",
        "risk_rating": "",
        "ethical_considerations": "",
        "license": "",
        "contact": "",
        "additional_information": "",
        "tags": "[]",
    }
    return client.post(f"/admin/cards/modelcard/{card.pk}/change/", data | values)


def test_admin_edit_goes_through_the_service(client, world):
    card = world.register().card
    response = post_card(admin_client(client, world.owner), card, summary="From the admin")
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.summary == "From the admin"
    event = AuditEvent.objects.get(action=AuditAction.CARD_UPDATED)
    assert event.details == {"sections": ["summary"]}


def test_admin_refuses_people_outside_the_team(client, world):
    card = world.register().card
    response = post_card(admin_client(client, world.outsider), card, summary="Vandalism")
    assert response.status_code == 200
    assert "Only members of Applied ML" in response.content.decode()
    card.refresh_from_db()
    assert card.summary == ""
