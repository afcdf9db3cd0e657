"""The audit trail, newest first, filterable by object and time."""

from rest_framework import generics

from mlteam.api import filters, selectors
from mlteam.api.serializers.events import EventSerializer


class EventList(generics.ListAPIView):
    """Every state change: transitions, sign-offs, card edits, eval results, roster changes."""

    serializer_class = EventSerializer
    filterset_class = filters.EventFilter
    ordering_fields = ["at"]
    ordering = "-at"

    def get_queryset(self):
        return selectors.events_for_api()
