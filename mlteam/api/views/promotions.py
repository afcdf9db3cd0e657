"""The promotions inbox and the gate owner's actions: tick, approve, reject, withdraw.

Each action calls the handoff engine, which enforces the role, four-eyes and checklist rules;
a refusal arrives as a DomainError and leaves nothing changed.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from mlteam.api import filters, selectors
from mlteam.api.serializers import registry as s
from mlteam.api.views.common import acting_member
from mlteam.kernel.errors import NotFound
from mlteam.registry import services
from mlteam.registry.models import PromotionRequest
from mlteam.registry.selectors import promotion_checks


def promotion_or_404(pk: int) -> PromotionRequest:
    promotion = selectors.promotion_for_api(pk)
    if promotion is None:
        raise NotFound("not_found", f"There is no promotion request #{pk}.")
    return promotion


def promotion_detail_response(pk: int, status: int = 200) -> Response:
    promotion = promotion_or_404(pk)
    promotion.checklist = promotion_checks(promotion)
    return Response(s.PromotionDetailSerializer(promotion).data, status=status)


class PromotionList(generics.ListAPIView):
    """All promotion requests. ``?waiting=true``: your sign-off inbox; ``?mine=true``: yours."""

    serializer_class = s.PromotionSerializer
    filterset_class = filters.PromotionFilter
    # Not decided_at: it is NULL until a decision, and a cursor cannot keep its place on NULLs.
    ordering_fields = ["requested_at"]
    ordering = "-requested_at"

    def get_queryset(self):
        return selectors.promotions_for_api()


class PromotionDetail(generics.GenericAPIView):
    serializer_class = s.PromotionDetailSerializer

    def get(self, request, pk: int):
        """The request with its checklist: machine-checked items evaluated, manual sign-offs."""
        return promotion_detail_response(pk)


class PromotionTick(generics.GenericAPIView):
    serializer_class = s.TickSerializer

    @extend_schema(request=s.TickSerializer, responses={200: s.PromotionDetailSerializer})
    def post(self, request, pk: int, item: int):
        """Sign (or un-sign with ``ticked: false``) a manual checklist item, with evidence."""
        promotion = promotion_or_404(pk)
        data = s.TickSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        checklist_item = promotion.items.filter(position=item).first()
        if checklist_item is None:
            raise NotFound(
                "not_found",
                f"Request #{pk} has no checklist item {item}; items are numbered from 1.",
            )
        services.promotion_item_tick(
            item=checklist_item,
            actor=acting_member(request),
            evidence=data.validated_data["evidence"],
            ticked=data.validated_data["ticked"],
        )
        return promotion_detail_response(pk)


def decide(request, pk: int, serializer_class, service, field: str) -> Response:
    """Approve, reject or withdraw: parse the body, call the engine, answer the new state."""
    promotion = promotion_or_404(pk)
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    service(request=promotion, actor=acting_member(request), **{field: data.validated_data[field]})
    return promotion_detail_response(pk)


class PromotionApprove(generics.GenericAPIView):
    serializer_class = s.NoteSerializer

    @extend_schema(request=s.NoteSerializer, responses={200: s.PromotionDetailSerializer})
    def post(self, request, pk: int):
        """Add your approval. When it is the last one the gate needs (``required_approvals``
        distinct gate owners) the request is approved and the version moves stage at once (the
        previous production one is deprecated); before that the answer is the still pending
        request with its ``approvals``. Approving twice is refused with ``already_approved``."""
        return decide(request, pk, s.NoteSerializer, services.promotion_approve, "note")


class PromotionReject(generics.GenericAPIView):
    serializer_class = s.RejectSerializer

    @extend_schema(request=s.RejectSerializer, responses={200: s.PromotionDetailSerializer})
    def post(self, request, pk: int):
        """Turn the request down; a reason is required. The version stays where it is."""
        return decide(request, pk, s.RejectSerializer, services.promotion_reject, "reason")


class PromotionWithdraw(generics.GenericAPIView):
    serializer_class = s.NoteSerializer

    @extend_schema(request=s.NoteSerializer, responses={200: s.PromotionDetailSerializer})
    def post(self, request, pk: int):
        """The requester (or an ML lead) takes a pending request back."""
        return decide(request, pk, s.NoteSerializer, services.promotion_withdraw, "note")
