"""Sign-in accounts and groups change only through audited services (the admin calls them)."""

import pytest
from django.contrib.auth.models import Group, User

from mlteam.kernel.actors import SYSTEM, Operator
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import NotAllowed
from mlteam.kernel.models import AuditEvent
from mlteam.roster import accounts

pytestmark = pytest.mark.django_db


def account_events():
    return AuditEvent.objects.filter(action=AuditAction.ACCOUNT_CHANGED).order_by("pk")


def test_an_ml_lead_adds_an_account_and_edits_its_details(world):
    user = accounts.account_create(actor=world.lead, username="newhire", password="S3cure-pass!")
    accounts.account_update(user=user, actor=world.lead, changes={"first_name": "Ada"})
    accounts.account_update(user=user, actor=world.lead, changes={"first_name": "Ada"})  # no-op
    added, changed = account_events()
    assert added.details["verb"] == "added" and added.actor == world.lead.user
    assert changed.details["fields"] == ["first_name"]
    assert User.objects.get(username="newhire").check_password("S3cure-pass!")


def test_only_a_superuser_grants_admin_access_or_groups(world):
    user = world.owner.user
    group = accounts.group_create(actor=SYSTEM, name="ML leads")
    for changes in ({"is_superuser": True}, {"is_staff": True}, {"groups": [group]}):
        with pytest.raises(NotAllowed) as refused:
            accounts.account_update(user=user, actor=world.lead, changes=changes)
        assert refused.value.code == "not_superuser"
    user.refresh_from_db()
    assert not (user.is_superuser or user.is_staff or user.groups.exists())

    operator = Operator(User.objects.create_superuser("root"))
    accounts.account_update(
        user=user, actor=operator, changes={"is_staff": True, "groups": [group]}
    )
    event = account_events().last()
    assert event.details["fields"] == ["is_staff", "groups"]
    assert event.details["is_staff"] is True and event.member_id == world.owner.pk


def test_a_password_change_is_audited_without_the_password(world):
    accounts.account_password_set(user=world.owner.user, actor=world.lead, password="N3w-secret!")
    event = account_events().get()
    assert event.details["fields"] == ["password"]
    assert "N3w-secret!" not in repr(event.details) + event.summary
    world.gate.user.is_staff = True
    world.gate.user.save()
    with pytest.raises(NotAllowed):
        accounts.account_password_set(user=world.gate.user, actor=world.lead, password="x-Y-z-123")


def test_groups_are_edited_by_superusers_only(world):
    with pytest.raises(NotAllowed):
        accounts.group_create(actor=world.lead, name="Reviewers")
    group = accounts.group_create(actor=SYSTEM, name="Reviewers")
    accounts.group_update(group=group, actor=SYSTEM, changes={"name": "Gate reviewers"})
    accounts.group_delete(group=group, actor=SYSTEM)
    assert not Group.objects.exists()
    assert [e.details["verb"] for e in account_events()] == ["added", "changed", "deleted"]


def test_the_admin_password_page_saves_through_the_service(client, world):
    world.lead.user.is_staff = world.lead.user.is_superuser = True
    world.lead.user.save()
    client.force_login(world.lead.user)
    user = world.owner.user
    response = client.post(
        f"/admin/auth/user/{user.pk}/password/",
        {
            "password1": "Brand-new-pass-9",
            "password2": "Brand-new-pass-9",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-new-pass-9")
    assert account_events().get().details["fields"] == ["password"]


def test_accounts_are_not_deleted_in_the_admin(client, world):
    world.lead.user.is_staff = world.lead.user.is_superuser = True
    world.lead.user.save()
    client.force_login(world.lead.user)
    url = f"/admin/auth/user/{world.owner.user.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=world.owner.user.pk).exists()
