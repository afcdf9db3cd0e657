"""The admin cannot bypass the workflow: status is read-only, audit rows immutable, and gate
owners decide promotions through the same services."""

import pytest
from django.contrib.auth.models import Permission, User

from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import Model, ModelArtifact

pytestmark = pytest.mark.django_db


def staff(client, member, *codenames):
    member.user.is_staff = True
    member.user.save()
    member.user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(member.user)
    return client


def test_a_version_is_immutable_in_the_admin_but_its_description_is_audited(client, world):
    """The finding: a superuser swapped the production version's artifact_uri unaudited."""
    artifact = world.in_production()
    world.lead.user.is_superuser = True
    staff(client, world.lead, "view_modelartifact", "change_modelartifact")
    url = f"/admin/registry/modelartifact/{artifact.pk}/change/"

    page = client.get(url).content.decode()
    for fixed in ("status", "artifact_uri", "owner", "source_run"):
        assert f'name="{fixed}"' not in page
    assert 'name="description"' in page

    before = AuditEvent.objects.count()
    client.post(
        url,
        {
            "status": "deprecated",
            "artifact_uri": "s3://attacker/swapped.bin",
            "owner": world.outsider.pk,
            "description": "retrained on May data",
        },
    )
    artifact.refresh_from_db()
    assert (artifact.status, artifact.artifact_uri, artifact.owner_id) == (
        Stage.PRODUCTION,
        "",
        world.owner.pk,
    )
    assert artifact.description == "retrained on May data"
    event = AuditEvent.objects.get(pk__gt=0, action=AuditAction.ARTIFACT_UPDATED)
    assert AuditEvent.objects.count() == before + 1
    assert event.actor == world.lead.user and event.artifact_id == artifact.pk
    assert event.details["to"] == "retrained on May data"


def test_artifacts_cannot_be_deleted_or_added_in_the_admin(client, world):
    artifact = world.register()
    staff(
        client,
        world.lead,
        "view_modelartifact",
        "change_modelartifact",
        "delete_modelartifact",
        "add_modelartifact",
    )
    assert (
        client.post(
            f"/admin/registry/modelartifact/{artifact.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get("/admin/registry/modelartifact/add/").status_code == 403
    assert ModelArtifact.objects.filter(pk=artifact.pk).exists()


def test_audit_events_cannot_be_added_changed_or_deleted_in_the_admin(client, world):
    world.register()
    event = AuditEvent.objects.get()
    client.force_login(world.lead.user)
    world.lead.user.is_staff = world.lead.user.is_superuser = True
    world.lead.user.save()

    assert client.get("/admin/kernel/auditevent/").status_code == 200
    assert client.get("/admin/kernel/auditevent/add/").status_code == 403
    client.post(f"/admin/kernel/auditevent/{event.pk}/change/", {"summary": "rewritten"})
    assert (
        client.post(f"/admin/kernel/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    event.refresh_from_db()
    assert event.summary != "rewritten"


def test_promotion_admin_shows_the_checklist(client, world):
    request = world.production_request()
    staff(
        client, world.gate, "view_promotionrequest", "change_promotionrequest", "view_checklistitem"
    )
    page = client.get(f"/admin/registry/promotionrequest/{request.pk}/change/").content.decode()
    assert "rollback procedure documented and tested" in page
    assert "p99 latency within SLO" in page


def test_gate_owner_approves_selected_requests_through_the_service(client, world):
    request = world.production_request()
    staff(
        client, world.gate, "view_promotionrequest", "change_promotionrequest", "view_checklistitem"
    )

    response = client.post(
        "/admin/registry/promotionrequest/",
        {"action": "approve_selected", "_selected_action": [request.pk], "reason": ""},
        follow=True,
    )

    assert f"#{request.pk}: approved." in response.content.decode()
    request.refresh_from_db()
    assert request.state == PromotionState.APPROVED
    assert ModelArtifact.objects.get(pk=request.artifact_id).status == Stage.PRODUCTION


def test_admin_approval_by_the_wrong_role_is_refused_with_the_engine_message(client, world):
    request = world.production_request()
    staff(
        client,
        world.evaluator,
        "view_promotionrequest",
        "change_promotionrequest",
        "view_checklistitem",
    )
    events = AuditEvent.objects.count()

    response = client.post(
        "/admin/registry/promotionrequest/",
        {"action": "approve_selected", "_selected_action": [request.pk]},
        follow=True,
    )

    assert (
        "needs a sign-off by a holder of &#x27;ML Production Engineer&#x27;"
        in response.content.decode()
    )
    request.refresh_from_db()
    assert request.state == PromotionState.PENDING
    assert AuditEvent.objects.count() == events


def test_admin_rejection_needs_a_reason(client, world):
    request = world.production_request()
    staff(
        client, world.gate, "view_promotionrequest", "change_promotionrequest", "view_checklistitem"
    )
    url = "/admin/registry/promotionrequest/"

    response = client.post(
        url, {"action": "reject_selected", "_selected_action": [request.pk]}, follow=True
    )
    assert "a reason is required" in response.content.decode()
    request.refresh_from_db()
    assert request.state == PromotionState.PENDING

    client.post(
        url, {"action": "reject_selected", "_selected_action": [request.pk], "reason": "too slow"}
    )
    request.refresh_from_db()
    assert (request.state, request.decision_note) == (PromotionState.REJECTED, "too slow")


# -- models: registered through model_create, never deleted, name and team fixed -----------------


def test_models_cannot_be_deleted_in_the_admin(client, world):
    world.register()  # a version and audit rows point at the model
    staff(client, world.lead, "view_model", "change_model", "delete_model")

    url = f"/admin/registry/model/{world.model.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = client.get("/admin/registry/model/").content.decode()
    assert "delete_selected" not in changelist
    assert Model.objects.filter(pk=world.model.pk).exists()


def test_adding_a_model_in_the_admin_goes_through_the_service(client, world):
    staff(client, world.owner, "view_model", "add_model")

    response = client.post(
        "/admin/registry/model/add/",
        {"name": "fraud-model", "team": world.model.team.pk, "task": " fraud ", "description": ""},
        follow=True,
    )

    assert response.status_code == 200
    model = Model.objects.get(name="fraud-model")
    assert (model.team, model.task) == (world.model.team, "fraud")
    event = AuditEvent.objects.get(model=model, action=AuditAction.MODEL_CREATED)
    assert event.actor == world.owner.user


def test_the_admin_refuses_a_model_for_a_team_you_are_not_on(client, world):
    staff(client, world.outsider, "view_model", "add_model")
    before = (Model.objects.count(), AuditEvent.objects.count())

    response = client.post(
        "/admin/registry/model/add/",
        {"name": "sneaky", "team": world.model.team.pk, "task": "x", "description": ""},
        follow=True,
    )

    page = response.content.decode()
    assert "Nothing was changed: Only members of Applied ML (or an ML lead)" in page
    assert (Model.objects.count(), AuditEvent.objects.count()) == before


def test_the_admin_refuses_to_add_a_model_without_a_roster_entry(client, world):
    operator = User.objects.create_user("operator", is_staff=True, is_superuser=True)
    client.force_login(operator)
    before = (Model.objects.count(), AuditEvent.objects.count())

    response = client.post(
        "/admin/registry/model/add/",
        {"name": "orphan", "team": world.model.team.pk, "task": "x", "description": ""},
        follow=True,
    )

    assert (
        "You have no roster entry, so you cannot register or edit models"
        in response.content.decode()
    )
    assert (Model.objects.count(), AuditEvent.objects.count()) == before


def test_model_name_and_team_are_read_only_in_the_admin(client, world):
    staff(client, world.lead, "view_model", "change_model")
    url = f"/admin/registry/model/{world.model.pk}/change/"

    page = client.get(url).content.decode()
    assert 'name="name"' not in page and 'name="team"' not in page
    assert 'name="description"' in page

    other = world.outsider.team
    client.post(
        url, {"name": "renamed", "team": other.pk, "task": "ranking", "description": "new words"}
    )
    world.model.refresh_from_db()
    assert (world.model.name, world.model.team) == ("intent-classifier", world.owner.team)
    assert (world.model.task, world.model.description) == ("ranking", "new words")
    event = AuditEvent.objects.get(action=AuditAction.MODEL_UPDATED)
    assert event.actor == world.lead.user and event.details["fields"] == ["description", "task"]


def test_outsiders_cannot_edit_a_model_in_the_admin(client, world):
    staff(client, world.outsider, "view_model", "change_model")
    response = client.post(
        f"/admin/registry/model/{world.model.pk}/change/",
        {"task": "ranking", "description": "mine now"},
        follow=True,
    )
    assert "Nothing was changed: Only members of Applied ML" in response.content.decode()
    world.model.refresh_from_db()
    assert world.model.task != "ranking" and world.model.description != "mine now"
    assert not AuditEvent.objects.filter(action=AuditAction.MODEL_UPDATED).exists()
