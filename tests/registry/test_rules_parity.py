"""The gate rules exist once (``mlteam.registry.rules``): what the promotion page offers, what the
engine allows and what the inbox lists agree for every role × request state × self/owner case."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.db import transaction

from mlteam.kernel.enums import Stage
from mlteam.kernel.errors import DomainError
from mlteam.registry import rules, services
from mlteam.registry.enums import CriterionKind, PromotionState
from mlteam.registry.models import ChecklistItem, ModelArtifact, PromotionRequest
from mlteam.registry.selectors import (
    promotion_checks,
    promotion_for_page,
    promotions_waiting_for,
    signoff_rights,
)
from mlteam.roster.models import MLTeamMember
from mlteam.roster.permissions import is_ml_lead
from tests.factories import MemberFactory, RoleFactory

pytestmark = pytest.mark.django_db

# "earlier approver" is the world's gate owner, who approved the request when it was approved
# (or, on a two-approval gate, gave its first approval).
ROLES = [
    "gate owner",
    "earlier approver",
    "other role",
    "ML lead",
    "no roster entry",
    "left member",
]
RELATIONS = ["neither", "requester", "version owner", "requester and version owner"]
# (state, checklist complete); an approved request always had a complete checklist.
STATES = [
    (PromotionState.PENDING, False),
    (PromotionState.PENDING, True),
    (PromotionState.APPROVED, True),
    (PromotionState.REJECTED, False),
    (PromotionState.REJECTED, True),
    (PromotionState.WITHDRAWN, False),
    (PromotionState.WITHDRAWN, True),
]


class _Rollback(Exception):
    pass


def engine_refusal(action) -> DomainError | None:
    """Run one engine call in a savepoint that is always rolled back; its refusal, or None."""
    try:
        with transaction.atomic():
            action()
            raise _Rollback
    except _Rollback:
        return None
    except DomainError as error:
        return error


@dataclass
class Case:
    request: PromotionRequest
    members: dict  # role name -> MLTeamMember | None


def build_case(world, state, complete: bool, allow_owner: bool, partial: bool = False) -> Case:
    """``partial``: the gate needs two approvals and has one (by ``world.gate``)."""
    world.to_production.allow_owner_approval = allow_owner
    world.to_production.required_approvals = 2 if partial else 1
    world.to_production.save()
    artifact = world.register()
    world.passing_evals(artifact)
    world.move(artifact, Stage.STAGING)
    request = services.promotion_request(
        artifact=artifact, to_stage="production", actor=world.requester
    )
    if complete:
        world.sign_manual_items(request, world.gate)
    if state == PromotionState.APPROVED or partial:
        services.promotion_approve(request=request, actor=world.gate)
    elif state == PromotionState.REJECTED:
        services.promotion_reject(request=request, actor=world.gate, reason="not now")
    elif state == PromotionState.WITHDRAWN:
        services.promotion_withdraw(request=request, actor=world.requester)
    gate_role = request.responsible_role
    team = world.model.team
    members = {
        "gate owner": MemberFactory(user__username="signer", team=team, role=gate_role),
        "earlier approver": world.gate,
        "other role": MemberFactory(
            user__username="other", team=team, role=RoleFactory(name="Data Analyst")
        ),
        "ML lead": MemberFactory(user__username="head", team=team, role=world.lead.role),
        "no roster entry": None,
        "left member": MemberFactory(
            user__username="gone",
            team=team,
            role=gate_role,
            joined_on=date(2019, 1, 1),
            left_on=date(2020, 1, 1),
        ),
    }
    return Case(request, members)


def relate(case: Case, member: MLTeamMember, relation: str) -> None:
    """Make ``member`` the request's requester and/or its version's owner (inside a savepoint)."""
    if "requester" in relation:
        PromotionRequest.objects.filter(pk=case.request.pk).update(requested_by=member)
    if "owner" in relation:
        ModelArtifact.objects.filter(pk=case.request.artifact_id).update(owner=member)


def fresh(member: MLTeamMember | None) -> MLTeamMember | None:
    if member is None:
        return None
    return MLTeamMember.objects.select_related("role", "user", "team").get(pk=member.pk)


def engine_refusals(pk: int, member) -> dict[str, DomainError | None]:
    def request():
        return PromotionRequest.objects.get(pk=pk)

    item = ChecklistItem.objects.filter(request_id=pk, kind=CriterionKind.MANUAL).first()
    return {
        "tick": engine_refusal(
            lambda: services.promotion_item_tick(item=item, actor=member, evidence="drill log")
        ),
        "approve": engine_refusal(
            lambda: services.promotion_approve(request=request(), actor=member)
        ),
        "reject": engine_refusal(
            lambda: services.promotion_reject(request=request(), actor=member, reason="no")
        ),
        "withdraw": engine_refusal(
            lambda: services.promotion_withdraw(request=request(), actor=member)
        ),
    }


def cases():
    for state, complete in STATES:
        for allow_owner in (False, True):
            yield pytest.param(
                state,
                complete,
                allow_owner,
                False,
                id=f"{state}-{'complete' if complete else 'open'}-"
                f"{'owner allowed' if allow_owner else 'no owner'}",
            )
    for allow_owner in (False, True):
        yield pytest.param(
            PromotionState.PENDING,
            True,
            allow_owner,
            True,
            id=f"pending-1 of 2 approvals-{'owner allowed' if allow_owner else 'no owner'}",
        )


@pytest.mark.parametrize(("state", "complete", "allow_owner", "partial"), cases())
def test_page_engine_and_inbox_agree_for_every_role_and_relation(
    world, state, complete, allow_owner, partial
):
    case = build_case(world, state, complete, allow_owner, partial)
    pk = case.request.pk
    seen = set()
    for role in ROLES:
        for relation in RELATIONS:
            if case.members[role] is None and relation != "neither":
                continue  # nobody without a roster entry requests or owns anything
            label = f"{role} / {relation}"
            with transaction.atomic():
                member = case.members[role]
                if member is not None:
                    relate(case, member, relation)
                member = fresh(member)
                page_request = promotion_for_page(pk)
                checks = promotion_checks(page_request)
                rights = signoff_rights(
                    page_request, member, checks, member_is_ml_lead=is_ml_lead(member)
                )
                offered = {
                    "tick": (rights.can_tick, rights.tick_blocker),
                    "approve": (rights.can_approve, rights.approve_blocker),
                    "reject": (rights.can_reject, rights.reject_blocker),
                    "withdraw": (rights.can_withdraw, rights.withdraw_blocker),
                }
                engine = engine_refusals(pk, member)
                for action, refusal in engine.items():
                    can, blocker = offered[action]
                    assert can == (refusal is None), (label, action, blocker, refusal)
                    # The page's reason is the engine's refusal, in the page's words.
                    assert blocker == rules.explain(refusal), (label, action)
                    seen.add((action, refusal.code if refusal else "allowed"))
                waiting = promotions_waiting_for(member).filter(pk=pk).exists()
                decide = rules.may_decide(page_request, member)
                assert waiting == (decide is None), (label, decide)
                approve = engine["approve"]
                could_act = approve is None or approve.code == "checklist_incomplete"
                assert waiting == could_act, (label, approve)
                transaction.set_rollback(True)
    if state == PromotionState.PENDING:
        # The matrix reaches every refusal of the pending gate, so the checks above bite.
        expected = {"wrong_role", "own_request", "no_roster_entry", "not_requester"}
        expected |= {"owner_cannot_approve"} if not allow_owner else set()
        expected |= {"checklist_incomplete"} if not complete else set()
        expected |= {"already_approved"} if partial else set()
        codes = {code for _, code in seen}
        assert expected <= codes
        assert ("approve", "allowed") in seen if complete else ("tick", "allowed") in seen
    else:
        assert {code for _, code in seen} == {"already_decided"}


def test_who_may_request_is_what_the_engine_allows(world):
    artifact = world.register()
    team = world.model.team
    members = {
        "team member": world.requester,
        "other team": world.outsider,
        "ML lead of another team": MemberFactory(
            user__username="head", team=world.outsider.team, role=world.lead.role
        ),
        "left member": MemberFactory(
            user__username="gone",
            team=team,
            role=world.requester.role,
            joined_on=date(2019, 1, 1),
            left_on=date(2020, 1, 1),
        ),
        "embedded member": MemberFactory(
            user__username="embedded", team=world.outsider.team, embedded_in=team
        ),
        "no roster entry": None,
    }
    allowed = {}
    for label, member in members.items():
        member = fresh(member)
        refusal = rules.may_request(artifact, member)
        engine = engine_refusal(
            lambda member=member: services.promotion_request(
                artifact=artifact, to_stage="staging", actor=member
            )
        )
        assert (refusal is None) == (engine is None), label
        if engine is not None:
            assert (engine.code, engine.message) == (refusal.code, refusal.message), label
        allowed[label] = refusal is None

    assert allowed == {
        "team member": True,
        "other team": False,
        "ML lead of another team": True,
        "left member": False,
        "embedded member": True,
        "no roster entry": False,
    }
