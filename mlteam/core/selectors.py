"""The dashboard's reads, bounded in queries whatever the size of the registry."""

from django.db.models import Count

from mlteam.registry.enums import PromotionState, Stage
from mlteam.registry.models import AuditEvent, ModelArtifact, PromotionRequest
from mlteam.roster.permissions import member_of

RECENT_EVENTS = 15


def stage_counts() -> list[dict]:
    counts = dict(
        ModelArtifact.objects.values_list("status").annotate(n=Count("id")).order_by()
    )
    return [{"stage": s, "label": s.label, "count": counts.get(s.value, 0)} for s in Stage]


def pending_promotions():
    return (
        PromotionRequest.objects.filter(state=PromotionState.PENDING)
        .select_related("artifact__model", "requested_by__user", "responsible_role")
        .order_by("requested_at")
    )


def dashboard_context(user) -> dict:
    member = member_of(user)
    pending = list(pending_promotions()[:50])
    waiting_for_me = []
    my_requests = []
    if member is not None:
        waiting_for_me = [
            p for p in pending if p.responsible_role_id == member.role_id and p.requested_by_id != member.pk
        ]
        my_requests = [p for p in pending if p.requested_by_id == member.pk]
    return {
        "member": member,
        "stage_counts": stage_counts(),
        "pending": pending,
        "waiting_for_me": waiting_for_me,
        "my_requests": my_requests,
        "recent_events": AuditEvent.objects.select_related("actor", "artifact__model", "promotion")
        .order_by("-at", "-id")[:RECENT_EVENTS],
    }
