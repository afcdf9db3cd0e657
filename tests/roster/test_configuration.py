"""Roster configuration: roles, team interactions and model consumers change only through their
services, by ML leads, superuser operators or SYSTEM, each change one ``config.changed`` event."""

import pytest

from mlteam.kernel.actors import SYSTEM, Operator
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed
from mlteam.kernel.models import AuditEvent
from mlteam.roster import services
from mlteam.roster.models import ModelConsumer, Role, TeamInteraction
from tests.factories import MemberFactory, ModelFactory, UserFactory

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Role.objects.values().order_by("pk")),
        list(TeamInteraction.objects.values().order_by("pk")),
        list(ModelConsumer.objects.values().order_by("pk")),
        AuditEvent.objects.count(),
    )


def config_events():
    return list(AuditEvent.objects.filter(action=AuditAction.CONFIG_CHANGED).order_by("id"))


def test_roles_are_created_changed_and_deleted_by_ml_leads(lead):
    role = services.role_create(name="Evaluator", actor=lead, description="Runs the evals")
    services.role_update(role=role, actor=lead, changes={"name": "Evaluator"})  # no change
    services.role_update(role=role, actor=lead, changes={"is_ml_lead": True})
    services.role_delete(role=role, actor=lead)

    events = config_events()
    assert [(e.details["verb"], e.details["fields"]) for e in events] == [
        ("added", ["name", "description"]),
        ("changed", ["is_ml_lead"]),
        ("deleted", []),
    ]
    assert all(e.actor == lead.user for e in events)
    assert "changed role 'Evaluator' (is_ml_lead)" in events[1].summary
    assert not Role.objects.filter(pk=role.pk).exists()


def test_a_role_someone_holds_cannot_be_deleted(lead):
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        services.role_delete(role=lead.role, actor=lead)
    assert refused.value.code == "role_in_use"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda lead: services.role_create(name=" ", actor=lead), "blank_name"),
        (lambda lead: services.role_create(name=lead.role.name, actor=lead), "role_name_taken"),
        (
            lambda lead: services.role_update(role=lead.role, actor=lead, changes={"x": 1}),
            "unknown_change",
        ),
    ],
)
def test_bad_roles_are_refused_and_change_nothing(lead, call, code):
    before = snapshot()
    with pytest.raises((InvalidInput, Conflict)) as refused:
        call(lead)
    assert refused.value.code == code
    assert snapshot() == before


def test_non_leads_and_a_missing_actor_are_refused(team, other_team):
    researcher = MemberFactory(team=team)
    before = snapshot()
    for actor in (researcher, Operator(UserFactory()), None):
        with pytest.raises(NotAllowed):
            services.role_create(name="Sneaky", actor=actor)
        with pytest.raises(NotAllowed):
            services.team_interaction_add(
                from_team=team, to_team=other_team, mode="collaboration", actor=actor
            )
    assert snapshot() == before


def test_operators_and_the_system_may_configure(team):
    operator = UserFactory(is_superuser=True)
    services.role_create(name="ML Lead", is_ml_lead=True, actor=Operator(operator))
    services.role_create(name="Reviewer", actor=SYSTEM)
    by_operator, by_system = config_events()
    assert by_operator.actor == operator and "actor" not in by_operator.details
    assert by_system.actor is None and by_system.details["actor"] == "system"


def test_team_interactions_are_filed_under_the_team(lead, team, other_team):
    interaction = services.team_interaction_add(
        from_team=team, to_team=other_team, mode="collaboration", actor=lead, description="Evals"
    )
    services.team_interaction_update(
        interaction=interaction, actor=lead, changes={"mode": "facilitating"}
    )
    services.team_interaction_remove(interaction=interaction, actor=lead)

    events = config_events()
    assert [(e.details["verb"], e.team) for e in events] == [
        ("added", team),
        ("changed", team),
        ("deleted", team),
    ]
    assert events[1].details["fields"] == ["mode"]
    assert not TeamInteraction.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "error", "code"),
    [
        ({"to_team": "self"}, InvalidInput, "interaction_with_itself"),
        ({"mode": "telepathy"}, InvalidInput, "unknown_mode"),
        ({}, Conflict, "interaction_exists"),
    ],
)
def test_bad_interactions_are_refused(lead, team, other_team, kwargs, error, code):
    services.team_interaction_add(
        from_team=team, to_team=other_team, mode="collaboration", actor=lead
    )
    kwargs = {"from_team": team, "to_team": other_team, "mode": "collaboration", **kwargs}
    if kwargs["to_team"] == "self":
        kwargs["to_team"] = team
    before = snapshot()
    with pytest.raises(error) as refused:
        services.team_interaction_add(actor=lead, **kwargs)
    assert refused.value.code == code
    assert snapshot() == before


def test_model_consumers_are_filed_under_the_team_and_the_model(lead, team, other_team):
    model = ModelFactory(team=other_team)
    consumer = services.model_consumer_add(team=team, model=model, actor=lead, note="Search")
    with pytest.raises(Conflict):
        services.model_consumer_add(team=team, model=model, actor=lead)
    services.model_consumer_update(consumer=consumer, actor=lead, changes={"note": "Ranking"})
    services.model_consumer_remove(consumer=consumer, actor=lead)

    events = config_events()
    assert [(e.details["verb"], e.team, e.model) for e in events] == [
        ("added", team, model),
        ("changed", team, model),
        ("deleted", team, model),
    ]
    assert not ModelConsumer.objects.exists()


def test_a_superuser_without_roster_entry_configures_through_the_admin(client):
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)

    response = client.post("/admin/roster/role/add/", {"name": "ML Lead", "is_ml_lead": "on"})

    assert response.status_code == 302
    [event] = config_events()
    assert event.actor == operator and event.details["fields"] == ["name", "is_ml_lead"]


def test_the_admin_adds_and_deletes_consumers_through_the_services(client, lead, team):
    lead.user.is_staff = lead.user.is_superuser = True
    lead.user.save()
    client.force_login(lead.user)
    model = ModelFactory()

    response = client.post(
        "/admin/roster/modelconsumer/add/", {"team": team.pk, "model": model.pk, "note": ""}
    )
    assert response.status_code == 302
    consumer = ModelConsumer.objects.get()
    client.post(f"/admin/roster/modelconsumer/{consumer.pk}/delete/", {"post": "yes"})

    assert [(e.details["verb"], e.team, e.model, e.actor) for e in config_events()] == [
        ("added", team, model, lead.user),
        ("deleted", team, model, lead.user),
    ]
    assert not ModelConsumer.objects.exists()
