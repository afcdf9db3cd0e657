"""Webhook subscriptions (ML leads): subscribe a receiver, list, (de)activate, delete, and read
the delivery log. Deliveries are signed per Standard Webhooks; the secret is shown once."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from mlteam.api.serializers import webhooks as s
from mlteam.api.views.common import acting_member
from mlteam.kernel.errors import NotAllowed, NotFound
from mlteam.notifications import selectors, services
from mlteam.notifications.models import WebhookDelivery, WebhookSubscription
from mlteam.roster.permissions import is_ml_lead


def _ml_lead(request):
    member = acting_member(request)
    if not is_ml_lead(member):
        raise NotAllowed("not_ml_lead", "Only ML leads manage webhooks.")
    return member


def webhook_or_404(pk: int) -> WebhookSubscription:
    subscription = selectors.webhooks().filter(pk=pk).first()
    if subscription is None:
        raise NotFound("not_found", f"There is no webhook subscription #{pk}.")
    return subscription


class WebhookList(generics.ListAPIView):
    """Every webhook subscription (ML leads only)."""

    serializer_class = s.WebhookSerializer
    ordering_fields = ["id"]
    ordering = "id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.serializer_class.Meta.model.objects.none()
        _ml_lead(self.request)
        return selectors.webhooks()

    @extend_schema(request=s.WebhookCreateSerializer, responses={201: s.WebhookCreatedSerializer})
    def post(self, request):
        """Subscribe a receiver; the answer carries the signing secret, shown only this once."""
        member = _ml_lead(request)
        body = s.WebhookCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = services.webhook_create(actor=member, **body.validated_data)
        data = s.WebhookSerializer(created.subscription).data | {"secret": created.secret}
        return Response(data, status=201)


class WebhookDetail(generics.GenericAPIView):
    serializer_class = s.WebhookSerializer

    def get(self, request, pk: int):
        _ml_lead(request)
        return Response(s.WebhookSerializer(webhook_or_404(pk)).data)

    @extend_schema(request=s.WebhookUpdateSerializer, responses={200: s.WebhookSerializer})
    def patch(self, request, pk: int):
        """Activate or deactivate (``active``), or change events, URL or description."""
        member = _ml_lead(request)
        body = s.WebhookUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        subscription = services.webhook_update(
            actor=member, subscription=webhook_or_404(pk), **body.validated_data
        )
        return Response(s.WebhookSerializer(webhook_or_404(subscription.pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        member = _ml_lead(request)
        services.webhook_delete(actor=member, subscription=webhook_or_404(pk))
        return Response(status=204)


class DeliveryList(generics.ListAPIView):
    """The delivery log of one subscription, newest first, with every attempt."""

    serializer_class = s.DeliverySerializer
    ordering_fields = ["created_at"]
    ordering = "-created_at"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.serializer_class.Meta.model.objects.none()
        _ml_lead(self.request)
        return selectors.deliveries_of(webhook_or_404(self.kwargs["pk"]))


class Redeliver(generics.GenericAPIView):
    serializer_class = s.DeliverySerializer

    @extend_schema(request=s.RedeliverSerializer, responses={202: s.DeliverySerializer})
    def post(self, request, pk: int, delivery: int):
        """Send one delivery again (a fresh round of attempts)."""
        member = _ml_lead(request)
        body = s.RedeliverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = WebhookDelivery.objects.filter(pk=delivery, subscription=webhook_or_404(pk)).first()
        if item is None:
            raise NotFound("not_found", f"Webhook #{pk} has no delivery #{delivery}.")
        item = services.delivery_redeliver(
            actor=member, delivery_item=item, reset_failures=body.validated_data["reset_failures"]
        )
        return Response(s.DeliverySerializer(item).data, status=202)
