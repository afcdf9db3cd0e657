"""The gate policy: who may request, tick, approve, reject or withdraw a promotion, each rule once.

Every predicate returns a refusal — the ``DomainError`` the engine raises, with its stable code
and message — or ``None`` when the member may act. The engine (``services.py``) raises what the
predicates return; the promotion page's buttons and its "why you cannot …" text
(``selectors.signoff_rights``) show the same refusals, so the page offers exactly what the engine
allows (``tests/registry/test_rules_parity.py`` checks every combination). The inbox query,
``promotions_waiting_for``, is the same rule written as SQL and lives at the end of this module.

Where the page words a refusal for someone looking at the request rather than for an action
that was just refused ("Only a holder of 'X' can sign this gate" instead of "staging → production
needs a sign-off by a holder of 'X'"), the refusal carries the page's wording as
``context["explanation"]``; ``explain`` returns it, or the message.

The predicates are pure: they read only the request as given (its artifact with its model,
responsible role, requester and decider joined and its ``approvals`` prefetched, as
``selectors.promotion_for_page`` and the engine's locked reads provide), the member (with their role) and an evaluated checklist. The
one exception is ``may_withdraw`` without ``member_is_ml_lead``, which looks the ML-lead status up.
"""

from django.db.models import Q, QuerySet

from mlteam.kernel.errors import Conflict, DomainError, NotAllowed
from mlteam.registry.enums import PromotionState
from mlteam.registry.gates import ItemCheck
from mlteam.registry.models import ModelArtifact, PromotionRequest
from mlteam.roster.membership import team_work_refusal
from mlteam.roster.models import MLTeamMember
from mlteam.roster.permissions import holds_role, is_ml_lead


def explain(refusal: DomainError | None) -> str:
    """The refusal in the page's words ("" if there is none)."""
    if refusal is None:
        return ""
    return refusal.context.get("explanation", refusal.message)


def may_request(artifact: ModelArtifact, member: MLTeamMember | None) -> NotAllowed | None:
    """Members of the model's team (directly or embedded) and ML leads request promotions.

    Which stages can be requested, and whether another request is pending, the engine checks
    against the protocols and the database; those are not a matter of who asks.
    """
    return team_work_refusal(member, artifact.model.team, "request promotions of this model")


def still_pending(request: PromotionRequest) -> Conflict | None:
    """Only a pending request can be ticked or decided; a decided one stays as it was."""
    if request.state == PromotionState.PENDING:
        return None
    who = request.decided_by or request.requested_by
    when = f" at {request.decided_at:%Y-%m-%d %H:%M}" if request.decided_at else ""
    return Conflict(
        "already_decided",
        f"Request #{request.pk} was already {request.state} by {who}{when}; nothing was changed.",
        explanation=f"This request was already {request.state}; nothing more can be decided.",
    )


def _on_roster(member: MLTeamMember | None) -> NotAllowed | None:
    if member is not None:
        return None
    return NotAllowed(
        "no_roster_entry", "You have no roster entry; ask an ML lead to add you to a team."
    )


def _gate_owner(request: PromotionRequest, member: MLTeamMember) -> NotAllowed | None:
    """An active holder of the request's responsible role who did not request it (four eyes)."""
    role = request.responsible_role
    if not holds_role(member, role.pk):
        if member.is_active:
            held = f"you hold '{member.role.name}'"
            page = f"Only a holder of '{role.name}' can sign this gate; {held}."
        else:
            held = "you are no longer active"
            page = "You are no longer an active member, so you cannot sign gates."
        return NotAllowed(
            "wrong_role",
            f"{request.from_stage} → {request.to_stage} needs a sign-off by a holder of "
            f"'{role.name}'; {held}.",
            explanation=page,
        )
    if member.pk == request.requested_by_id:
        return NotAllowed(
            "own_request",
            f"You requested this promotion; another holder of '{role.name}' must sign it off.",
        )
    return None


def may_sign(request: PromotionRequest, member: MLTeamMember | None) -> DomainError | None:
    """The request is pending and ``member`` is a gate owner of it: on the roster, an active
    holder of its responsible role, and not its requester."""
    return still_pending(request) or _on_roster(member) or _gate_owner(request, member)


def may_tick(request: PromotionRequest, member: MLTeamMember | None) -> DomainError | None:
    """Gate owners tick (and untick) manual checklist items (``may_sign``)."""
    return may_sign(request, member)


def may_reject(request: PromotionRequest, member: MLTeamMember | None) -> DomainError | None:
    """Gate owners reject (``may_sign``); even the version's owner may turn a request down."""
    return may_sign(request, member)


def _owner_rule(
    request: PromotionRequest, member: MLTeamMember, artifact: ModelArtifact
) -> NotAllowed | None:
    """The version's owner approves it only if the protocol allowed that when it was requested."""
    if request.allow_owner_approval or member.pk != artifact.owner_id:
        return None
    role = request.responsible_role.name
    return NotAllowed(
        "owner_cannot_approve",
        f"You own {artifact}; another holder of '{role}' must approve (this protocol does not "
        "allow owners to sign their own versions).",
        explanation=f"You own {artifact}; another holder of '{role}' must approve it.",
    )


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def approvals_label(count: int, required: int) -> str:
    """ "1 of 2 approvals": how the page, the audit trail and the admin word a gate's progress."""
    return f"{count} of {plural(required, 'approval')}"


def approvals_still_needed(request: PromotionRequest) -> int:
    """How many more approvals a pending K-of-N request needs (its approvals as loaded)."""
    return max(request.required_approvals - len(request.approvals.all()), 0)


def _not_yet_approved_by(request: PromotionRequest, member: MLTeamMember) -> Conflict | None:
    """K of N means K *distinct* gate owners: nobody approves the same request twice."""
    mine = next((a for a in request.approvals.all() if a.approver_id == member.pk), None)
    if mine is None:
        return None
    waits = (
        f"{plural(approvals_still_needed(request), 'more approval')} by other holders of "
        f"'{request.responsible_role.name}'"
    )
    return Conflict(
        "already_approved",
        f"You already approved #{request.pk} at {mine.at:%Y-%m-%d %H:%M}; it needs {waits}.",
        explanation=f"You approved this request at {mine.at:%Y-%m-%d %H:%M}; it waits for {waits}.",
    )


def may_decide(
    request: PromotionRequest,
    member: MLTeamMember | None,
    *,
    artifact: ModelArtifact | None = None,
) -> DomainError | None:
    """``member`` is a gate owner who could approve the request once its checklist is complete:
    ``may_sign``, the owner rule, and not one of the approvals it already has. Exactly these
    requests are in the member's inbox."""
    artifact = artifact or request.artifact
    return (
        may_sign(request, member)
        or _owner_rule(request, member, artifact)
        or _not_yet_approved_by(request, member)
    )


def _not_stale(request: PromotionRequest, artifact: ModelArtifact) -> Conflict | None:
    if artifact.status == request.from_stage:
        return None
    return Conflict(
        "stale_request",
        f"{artifact} is {artifact.status} now, not {request.from_stage}; withdraw this "
        "request and make a new one.",
    )


def _checklist_complete(checks: list[ItemCheck]) -> Conflict | None:
    open_items = [c for c in checks if not c.satisfied]
    if not open_items:
        return None
    listing = "; ".join(f"'{c.item.statement}' {c.explanation}" for c in open_items)
    count = len(open_items)
    page = f"{count} gate item{'s' if count > 1 else ''} still open: " + "; ".join(
        f"'{c.item.statement}'" for c in open_items
    )
    return Conflict(
        "checklist_incomplete",
        f"Not every gate item is satisfied: {listing}.",
        explanation=page,
    )


def may_approve(
    request: PromotionRequest,
    member: MLTeamMember | None,
    checks: list[ItemCheck],
    *,
    artifact: ModelArtifact | None = None,
) -> DomainError | None:
    """``may_decide``, the version is still in the stage the request leaves, and every item of
    the evaluated checklist ``checks`` is satisfied.

    ``artifact`` is the request's version as the engine re-read it under lock (default: the
    request's own). Whether production changed since the request was made the engine checks
    under its locks; that is a race, not a rule of who may approve.
    """
    artifact = artifact or request.artifact
    return (
        may_decide(request, member, artifact=artifact)
        or _not_stale(request, artifact)
        or _checklist_complete(checks)
    )


def may_withdraw(
    request: PromotionRequest,
    member: MLTeamMember | None,
    *,
    member_is_ml_lead: bool | None = None,
) -> DomainError | None:
    """The requester, or an ML lead, takes a pending request back.

    ``member_is_ml_lead`` lets a page decide without a query; if omitted it is looked up (only
    when the member is not the requester).
    """
    refusal = still_pending(request) or _on_roster(member)
    if refusal is not None or member.pk == request.requested_by_id:
        return refusal
    lead = is_ml_lead(member) if member_is_ml_lead is None else member_is_ml_lead
    if lead:
        return None
    requester = f"Only {request.requested_by} (who requested it) or an ML lead can withdraw"
    return NotAllowed(
        "not_requester",
        f"{requester} #{request.pk}.",
        explanation=f"{requester} it.",
    )


def promotions_waiting_for(
    member: MLTeamMember | None, requests: QuerySet[PromotionRequest] | None = None
) -> QuerySet[PromotionRequest]:
    """The requests (of ``requests``, default all) for which ``may_decide`` is None: ``member``'s
    inbox, the gates they could sign off now.

    The same rule as ``may_decide``, written as a query — keep the two together:
    ``still_pending`` → state pending; ``_on_roster`` and ``_gate_owner`` → an active member
    holding the responsible role who is not the requester; ``_owner_rule`` → not their own
    version unless the request allows owner approval; ``_not_yet_approved_by`` → not a request
    they already approved (it waits for others).
    """
    requests = PromotionRequest.objects.all() if requests is None else requests
    if member is None or not member.is_active:
        return requests.none()
    return (
        requests.filter(state=PromotionState.PENDING, responsible_role_id=member.role_id)
        .exclude(requested_by=member)
        .exclude(Q(allow_owner_approval=False) & Q(artifact__owner=member))
        .exclude(approvals__approver=member)
    )


def gate_owners_of(request: PromotionRequest) -> QuerySet[MLTeamMember]:
    """The members for whom ``may_decide`` is None: who a waiting request is waiting for (the
    people notified of it). ``promotions_waiting_for`` seen from the request's side — keep the
    three together: an active holder of the responsible role, not the requester, not the
    version's owner unless the request allows owner approval, not someone who approved it."""
    people = (
        MLTeamMember.objects.filter(role_id=request.responsible_role_id, left_on__isnull=True)
        .exclude(pk=request.requested_by_id)
        .exclude(promotion_approvals__request_id=request.pk)
    )
    if not request.allow_owner_approval:
        people = people.exclude(pk=request.artifact.owner_id)
    return people.select_related("user").order_by("user__username")
