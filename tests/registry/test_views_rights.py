"""``signoff_rights``: the pure rules behind the promotion page's buttons, against the engine."""

import pytest

from mlteam.kernel.enums import Stage
from mlteam.kernel.errors import DomainError
from mlteam.registry import services
from mlteam.registry.selectors import promotion_checks, promotion_for_page, signoff_rights
from mlteam.roster.models import MLTeamMember

pytestmark = pytest.mark.django_db


def staged_request(world):
    artifact = world.register()
    world.passing_evals(artifact)
    world.move(artifact, Stage.STAGING)
    return services.promotion_request(
        artifact=artifact, to_stage="production", actor=world.requester
    )


def rights_of(request, member, *, lead=False):
    request = promotion_for_page(request.pk)
    member = MLTeamMember.objects.select_related("role", "user").get(pk=member.pk)
    return signoff_rights(request, member, promotion_checks(request), member_is_ml_lead=lead)


def engine_refuses_approval(request, member) -> bool:
    try:
        services.promotion_approve(request=request, actor=member)
    except DomainError:
        return True
    return False


def test_gate_owner_may_tick_and_reject_but_not_approve_while_items_are_open(world):
    request = staged_request(world)

    rights = rights_of(request, world.gate)

    assert rights.can_tick and rights.can_reject
    assert not rights.can_approve
    assert (
        rights.approve_blocker
        == "1 gate item still open: 'rollback procedure documented and tested'"
    )
    assert not rights.can_withdraw and "who requested it" in rights.withdraw_blocker


def test_once_every_item_is_satisfied_the_gate_owner_may_approve(world):
    request = staged_request(world)
    world.sign_manual_items(request, world.gate)

    rights = rights_of(request, world.gate)

    assert rights.can_approve and rights.approve_blocker == ""
    assert not engine_refuses_approval(request, world.gate)


@pytest.mark.parametrize(
    ("who", "blocker"),
    [
        (
            "outsider",
            "Only a holder of 'ML Production Engineer' can sign this gate; "
            "you hold 'Product Engineer'.",
        ),
        ("requester", "You requested this promotion"),
        ("owner", "You own intent-classifier v1"),
    ],
)
def test_the_buttons_say_why_and_the_engine_agrees(world, who, blocker):
    request = staged_request(world)
    world.sign_manual_items(request, world.gate)
    member = getattr(world, who)
    if who in (
        "requester",
        "owner",
    ):  # give them the gate's role: only the four-eyes rules stop them
        member.role = world.gate.role
        member.save()

    rights = rights_of(request, member)

    assert not rights.can_approve and rights.approve_blocker.startswith(blocker)
    assert engine_refuses_approval(request, member)


def test_the_requester_or_an_ml_lead_may_withdraw(world):
    request = staged_request(world)

    assert rights_of(request, world.requester).can_withdraw
    assert rights_of(request, world.lead, lead=True).can_withdraw
    assert not rights_of(request, world.gate).can_withdraw


def test_nothing_can_be_done_to_a_decided_request_or_without_a_roster_entry(world):
    request = staged_request(world)
    loaded = promotion_for_page(request.pk)
    nobody = signoff_rights(loaded, None, promotion_checks(loaded))
    world.sign_manual_items(request, world.gate)
    services.promotion_approve(request=request, actor=world.gate)

    decided = rights_of(request, world.gate2)

    assert not any([nobody.can_tick, nobody.can_approve, nobody.can_reject, nobody.can_withdraw])
    assert "no roster entry" in nobody.approve_blocker
    assert not any(
        [decided.can_tick, decided.can_approve, decided.can_reject, decided.can_withdraw]
    )
    assert "already approved" in decided.approve_blocker


def test_deciding_rights_reads_nothing_more(world, django_assert_num_queries):
    request = promotion_for_page(staged_request(world).pk)
    member = MLTeamMember.objects.select_related("role", "user").get(pk=world.gate.pk)
    checks = promotion_checks(request)

    with django_assert_num_queries(0):
        signoff_rights(request, member, checks)
