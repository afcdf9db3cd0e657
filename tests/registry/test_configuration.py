"""Configuration services for the gates: protocols and criteria change only through them, by ML
leads (or SYSTEM), each change one audit event; bad input is refused and changes nothing."""

import re

import pytest

from mlteam.kernel.actors import SYSTEM, Operator
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed
from mlteam.kernel.models import AuditEvent
from mlteam.registry import configuration, services
from mlteam.registry.enums import Comparator, CriterionKind
from mlteam.registry.models import GateCriterion, HandoffProtocol
from tests.factories import UserFactory

from .test_admin import staff

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(HandoffProtocol.objects.values().order_by("pk")),
        list(GateCriterion.objects.values().order_by("pk")),
        AuditEvent.objects.count(),
    )


def protocol_events():
    return list(AuditEvent.objects.filter(action=AuditAction.PROTOCOL_CHANGED).order_by("id"))


def send_back(world, actor, **kwargs):
    return configuration.protocol_create(
        name="Send back",
        from_stage="staging",
        to_stage="experimental",
        responsible_role=world.evaluator.role,
        actor=actor,
        **kwargs,
    )


def test_an_ml_lead_creates_a_protocol_and_it_is_audited(world):
    protocol = send_back(world, world.lead, description="Back for more work")

    assert protocol.active and protocol.responsible_role == world.evaluator.role
    [event] = protocol_events()
    assert event.actor == world.lead.user
    assert event.details["verb"] == "added" and event.details["id"] == protocol.pk
    assert event.details["fields"] == [
        "name",
        "description",
        "from_stage",
        "to_stage",
        "responsible_role",
    ]
    assert "added handoff protocol 'Send back (staging → experimental)'" in event.summary


def test_the_system_acts_as_nobody_and_says_so(world):
    send_back(world, SYSTEM)

    [event] = protocol_events()
    assert event.actor is None and event.details["actor"] == "system"
    assert event.summary.startswith("system added handoff protocol")


@pytest.mark.parametrize("who", ["gate", "outsider", "none", "operator_not_superuser"])
def test_only_ml_leads_operators_and_the_system_edit_protocols(world, who):
    actor = {
        "gate": world.gate,
        "outsider": world.outsider,
        "none": None,
        "operator_not_superuser": Operator(UserFactory()),
    }[who]
    before = snapshot()
    with pytest.raises(NotAllowed) as refused:
        send_back(world, actor)
    assert refused.value.code == ("no_actor" if actor is None else "not_ml_lead")
    with pytest.raises(NotAllowed):
        configuration.criterion_add(
            protocol=world.to_staging, kind="manual", statement="x", actor=actor
        )
    assert snapshot() == before


def test_a_superuser_operator_may_edit_protocols(world):
    operator = UserFactory(is_superuser=True)
    send_back(world, Operator(operator))
    assert protocol_events()[0].actor == operator


@pytest.mark.parametrize(
    ("changes", "error", "code"),
    [
        ({"from_stage": "limbo"}, InvalidInput, "unknown_stage"),
        ({"to_stage": "staging"}, InvalidInput, "protocol_changes_no_stage"),
        ({"to_stage": "production"}, Conflict, "protocol_exists"),
        ({"name": "  "}, InvalidInput, "blank_name"),
        ({"responsible_role": None}, InvalidInput, "no_responsible_role"),
        ({"colour": "red"}, InvalidInput, "unknown_change"),
    ],
)
def test_bad_protocol_changes_are_refused_and_change_nothing(world, changes, error, code):
    protocol = send_back(world, world.lead)
    before = snapshot()
    with pytest.raises(error) as refused:
        configuration.protocol_update(protocol=protocol, actor=world.lead, changes=changes)
    assert refused.value.code == code
    assert snapshot() == before


def test_a_second_active_protocol_for_a_transition_is_refused(world):
    before = snapshot()
    with pytest.raises(Conflict, match="already the active protocol"):
        configuration.protocol_create(
            name="Another gate",
            from_stage="experimental",
            to_stage="staging",
            responsible_role=world.lead.role,
            actor=world.lead,
        )
    assert snapshot() == before


def test_updating_lists_only_the_changed_fields_and_no_change_writes_nothing(world):
    protocol = world.to_production
    configuration.protocol_update(
        protocol=protocol, actor=world.lead, changes={"name": protocol.name}
    )
    assert protocol_events() == []

    configuration.protocol_update(
        protocol=protocol,
        actor=world.lead,
        changes={"name": protocol.name, "allow_owner_approval": True},
    )
    [event] = protocol_events()
    assert event.details["fields"] == ["allow_owner_approval"]
    protocol.refresh_from_db()
    assert protocol.allow_owner_approval


def test_a_deactivated_protocol_takes_no_new_requests(world):
    configuration.protocol_deactivate(protocol=world.to_staging, actor=world.lead)

    world.to_staging.refresh_from_db()
    assert not world.to_staging.active
    assert protocol_events()[-1].details["fields"] == ["active"]
    with pytest.raises(InvalidInput, match="no active handoff protocol"):
        services.promotion_request(
            artifact=world.register(), to_stage="staging", actor=world.requester
        )
    with pytest.raises(Conflict, match="already inactive"):
        configuration.protocol_deactivate(protocol=world.to_staging, actor=world.lead)


def test_a_protocol_used_by_requests_cannot_be_deleted(world):
    services.promotion_request(artifact=world.register(), to_stage="staging", actor=world.requester)
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        configuration.protocol_delete(protocol=world.to_staging, actor=world.lead)
    assert refused.value.code == "protocol_in_use"
    assert snapshot() == before

    unused = send_back(world, world.lead)
    configuration.protocol_delete(protocol=unused, actor=world.lead)
    assert not HandoffProtocol.objects.filter(pk=unused.pk).exists()
    assert protocol_events()[-1].details["verb"] == "deleted"


def test_criteria_are_added_changed_reordered_and_removed_one_event_each(world):
    protocol = send_back(world, world.lead)
    first = configuration.criterion_add(
        protocol=protocol, kind=CriterionKind.MANUAL, statement="Reason written", actor=world.lead
    )
    second = configuration.criterion_add(
        protocol=protocol,
        kind=CriterionKind.METRIC,
        statement="Safety still measured",
        benchmark=world.safety,
        comparator=Comparator.GTE,
        threshold="0.5",
        actor=world.lead,
    )
    assert (first.position, second.position, second.threshold) == (1, 2, 0.5)

    configuration.criterion_change(
        criterion=first, actor=world.lead, changes={"statement": "Reason written down"}
    )
    configuration.criterion_reorder(protocol=protocol, order=[second, first.pk], actor=world.lead)
    assert list(protocol.criteria.values_list("statement", flat=True)) == [
        "Safety still measured",
        "Reason written down",
    ]
    configuration.criterion_remove(criterion=second, actor=world.lead)

    events = protocol_events()[1:]
    assert [e.details["verb"] for e in events] == [
        "added",
        "added",
        "changed",
        "reordered",
        "deleted",
    ]
    assert all(e.actor == world.lead.user for e in events)
    assert events[2].details["fields"] == ["statement"]
    assert events[2].details["protocol"] == protocol.pk
    assert "of 'Send back (staging → experimental)'" in events[2].summary
    assert list(protocol.criteria.values_list("statement", flat=True)) == ["Reason written down"]


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"kind": "metric", "benchmark": None}, "metric_incomplete"),
        ({"kind": "metric", "comparator": ""}, "metric_incomplete"),
        ({"kind": "metric", "threshold": "nan"}, "invalid_threshold"),
        ({"kind": "metric", "threshold": "lots"}, "invalid_threshold"),
        ({"kind": "metric", "comparator": "~"}, "unknown_comparator"),
        ({"kind": "vibes"}, "unknown_kind"),
        ({"statement": " "}, "blank_statement"),
        ({"position": -1}, "invalid_position"),
    ],
)
def test_bad_criteria_are_refused_and_change_nothing(world, values, code):
    good = {
        "kind": "metric",
        "statement": "Safety",
        "benchmark": world.safety,
        "comparator": "gte",
        "threshold": 0.9,
    }
    before = snapshot()
    with pytest.raises(InvalidInput) as refused:
        configuration.criterion_add(
            protocol=world.to_staging, actor=world.lead, **{**good, **values}
        )
    assert refused.value.code == code
    assert snapshot() == before


def test_a_reorder_must_name_every_criterion_once(world):
    ids = list(world.to_staging.criteria.values_list("pk", flat=True))
    before = snapshot()
    for order in (ids[:-1], [*ids, ids[0]], [ids[0], ids[0], ids[1]]):
        with pytest.raises(InvalidInput, match="exactly once"):
            configuration.criterion_reorder(
                protocol=world.to_staging, order=order, actor=world.lead
            )
    assert snapshot() == before


def test_an_edit_shapes_only_requests_made_after_it(world):
    artifact = world.register()
    earlier = services.promotion_request(
        artifact=artifact, to_stage="staging", actor=world.requester
    )
    configuration.criterion_add(
        protocol=world.to_staging, kind="manual", statement="Second reviewer", actor=world.lead
    )
    assert earlier.items.count() == 3
    services.promotion_withdraw(request=earlier, actor=world.requester)
    later = services.promotion_request(artifact=artifact, to_stage="staging", actor=world.requester)
    assert later.items.last().statement == "Second reviewer"


ADMIN_PERMS = (
    "view_handoffprotocol",
    "add_handoffprotocol",
    "change_handoffprotocol",
    "delete_handoffprotocol",
    "view_gatecriterion",
    "add_gatecriterion",
    "change_gatecriterion",
    "delete_gatecriterion",
)


def inline_form(client, url):
    page = client.get(url).content.decode()
    return re.search(r'name="([\w-]+)-TOTAL_FORMS"', page).group(1)


def test_the_admin_inline_saves_criteria_through_the_services(client, world):
    staff(client, world.lead, *ADMIN_PERMS)
    protocol = world.rollback
    protocol.criteria.filter(kind="metric").delete()  # keep the demo rollback's manual item only
    [incident] = protocol.criteria.all()
    url = f"/admin/registry/handoffprotocol/{protocol.pk}/change/"
    prefix = inline_form(client, url)
    response = client.post(
        url,
        {
            "name": protocol.name,
            "from_stage": protocol.from_stage,
            "to_stage": protocol.to_stage,
            "responsible_role": protocol.responsible_role_id,
            "description": "Roll back after an incident",
            "active": "on",
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-0-id": incident.pk,
            f"{prefix}-0-protocol": protocol.pk,
            f"{prefix}-0-position": "1",
            f"{prefix}-0-kind": "manual",
            f"{prefix}-0-statement": "Incident ticket linked",
            f"{prefix}-1-protocol": protocol.pk,
            f"{prefix}-1-position": "2",
            f"{prefix}-1-kind": "metric",
            f"{prefix}-1-statement": "Latency back within SLO",
            f"{prefix}-1-benchmark": world.latency.pk,
            f"{prefix}-1-comparator": "lte",
            f"{prefix}-1-threshold": "350",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    events = protocol_events()
    assert [(e.details["object"], e.details["verb"], e.details["fields"]) for e in events] == [
        ("handoff protocol", "changed", ["description"]),
        ("gate criterion", "changed", ["statement"]),
        (
            "gate criterion",
            "added",
            ["position", "kind", "statement", "benchmark", "comparator", "threshold"],
        ),
    ]
    assert list(protocol.criteria.values_list("statement", flat=True)) == [
        "Incident ticket linked",
        "Latency back within SLO",
    ]

    response = client.post(
        url,
        {
            "name": protocol.name,
            "from_stage": protocol.from_stage,
            "to_stage": protocol.to_stage,
            "responsible_role": protocol.responsible_role_id,
            "description": "Roll back after an incident",
            "active": "on",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-0-id": incident.pk,
            f"{prefix}-0-protocol": protocol.pk,
            f"{prefix}-0-position": "1",
            f"{prefix}-0-kind": "manual",
            f"{prefix}-0-statement": "Incident ticket linked",
            f"{prefix}-0-DELETE": "on",
        },
    )
    assert response.status_code == 302
    assert protocol_events()[-1].details["verb"] == "deleted"
    assert list(protocol.criteria.values_list("statement", flat=True)) == [
        "Latency back within SLO"
    ]


def test_the_admin_shows_a_refused_delete_as_a_message(client, world):
    services.promotion_request(artifact=world.register(), to_stage="staging", actor=world.requester)
    staff(client, world.lead, *ADMIN_PERMS)
    before = snapshot()

    response = client.post(
        f"/admin/registry/handoffprotocol/{world.to_staging.pk}/delete/",
        {"post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert snapshot() == before
