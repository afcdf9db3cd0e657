"""The dashboard's reads, bounded in queries whatever the size of the registry."""

from django.db.models import Count

from mlteam.kernel.enums import Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry.checks import organisation_checks, severity_counts
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import ModelArtifact
from mlteam.registry.selectors import (
    promotions_for_list,
    promotions_requested_by,
    promotions_waiting_for,
)
from mlteam.roster.permissions import member_of

RECENT_EVENTS = 15
LIST_LIMIT = 10


def stage_counts() -> list[dict]:
    counts = dict(ModelArtifact.objects.values_list("status").annotate(n=Count("id")).order_by())
    return [{"stage": s, "label": s.label, "count": counts.get(s.value, 0)} for s in Stage]


def pending_promotions():
    return promotions_for_list().filter(state=PromotionState.PENDING).order_by("requested_at")


def dashboard_context(user) -> dict:
    """What waits for the signed-in person (the same rules as the promotions inbox), then the
    registry's state. Lists are capped; each links to the page with everything."""
    member = member_of(user)
    waiting = promotions_waiting_for(member)
    mine = promotions_requested_by(member).filter(state=PromotionState.PENDING)
    # "Other pending promotions" leaves out what the two lists above already show.
    others = (
        pending_promotions().exclude(pk__in=waiting.values("pk")).exclude(pk__in=mine.values("pk"))
    )
    findings = organisation_checks()
    return {
        "member": member,
        "check_counts": severity_counts(findings),
        "check_findings": [f for f in findings if f.severity == "high"][:5],
        "stage_counts": stage_counts(),
        "pending": others[:LIST_LIMIT],
        "pending_count": others.count(),
        "waiting_for_me": waiting.order_by("requested_at")[:LIST_LIMIT],
        "waiting_count": waiting.count(),
        "my_requests": mine.order_by("requested_at")[:LIST_LIMIT],
        "my_requests_count": mine.count(),
        "recent_events": AuditEvent.objects.select_related(
            "actor", "artifact__model", "promotion"
        ).order_by("-at", "-id")[:RECENT_EVENTS],
    }
