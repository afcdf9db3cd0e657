"""Who is told about an event, and why. The people are the ones the event asks something of
or reports back to: gate owners when a request waits for them, the requester when it is
decided, a version's owner when it changes stage."""

from dataclasses import dataclass

from mlteam.kernel.models import AuditEvent
from mlteam.registry.rules import gate_owners_of
from mlteam.roster.models import MLTeamMember


@dataclass(frozen=True)
class Recipient:
    member: MLTeamMember
    reason: str


def _decided(event: AuditEvent, verb: str) -> list[Recipient]:
    requester = event.promotion.requested_by
    if event.actor_id is not None and requester.user_id == event.actor_id:
        return []  # they withdrew it themselves
    return [Recipient(requester, f"Your request {event.promotion} was {verb}.")]


def recipients_of(event: AuditEvent, event_type: str) -> list[Recipient]:
    if event_type == "promotion.requested" and event.promotion_id:
        role = event.promotion.responsible_role.name
        reason = f"It waits for a sign-off by {role}."
        return [Recipient(m, reason) for m in gate_owners_of(event.promotion)]
    if event_type in {"promotion.approved", "promotion.rejected", "promotion.withdrawn"}:
        return _decided(event, event_type.split(".")[1]) if event.promotion_id else []
    if event_type == "version.stage_changed" and event.artifact_id and event.artifact.owner_id:
        owner = MLTeamMember.objects.select_related("user").get(pk=event.artifact.owner_id)
        if event.actor_id is not None and owner.user_id == event.actor_id:
            return []
        return [Recipient(owner, f"Your version moved to {event.to_state}.")]
    return []
