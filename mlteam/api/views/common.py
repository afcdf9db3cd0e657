"""What every API view needs: the acting roster member, lookups that 404 in words, and the
standard error documentation."""

from django.utils import timezone
from rest_framework import generics
from rest_framework.request import Request

from mlteam.api import selectors
from mlteam.kernel.errors import NotAllowed, NotFound
from mlteam.registry import selectors as registry_selectors
from mlteam.registry import targets
from mlteam.registry.models import Model, ModelArtifact
from mlteam.roster.models import MLTeamMember
from mlteam.roster.permissions import member_of


def acting_member(request: Request) -> MLTeamMember:
    """The roster entry that writes; people without one (or who left) only read."""
    member = member_of(request.user)
    if member is None or not member.is_active:
        raise NotAllowed(
            "no_roster_entry",
            "You have no active roster entry, so you can read but not change anything; "
            "ask an ML lead to add you to a team.",
        )
    return member


def model_or_404(name: str) -> Model:
    # Names are unique: a plain LIMIT, without .first()'s ORDER BY to build and sort.
    model = next(iter(registry_selectors.models_for_registry().filter(name=name)[:1]), None)
    if model is None:
        raise NotFound("not_found", f"There is no model named '{name}'; see GET /api/v1/models/.")
    return model


def model_to_write_or_404(name: str) -> Model:
    """The model a write works on, with its team (the team-membership guard's) and none of the
    annotations a read shows."""
    return targets.model_with_team(name) or model_or_404(name)  # which raises, saying why


def version_to_write_or_404(name: str, version: int) -> ModelArtifact:
    """The version a write works on, with its model and team."""
    return targets.version_with_team(name, version) or version_or_404(name, version)


def version_or_404(name: str, version: int) -> ModelArtifact:
    model = model_or_404(name)
    artifact = selectors.version_for_api(model, version)
    if artifact is None:
        raise NotFound(
            "not_found",
            f"{name} has no version {version}; its latest is v{model.last_version}."
            if model.last_version
            else f"{name} has no versions yet.",
        )
    return artifact


class RepresentedList(generics.ListAPIView):
    """A list whose page is read as ``values()`` rows of ``columns`` and shaped by
    ``represent`` (see ``api.representations``) instead of a serializer per row; filtering,
    ordering and the cursor are the ordinary ones. ``serializer_class`` stays: it is the schema.
    """

    columns: tuple[str, ...] = ()

    def represent(self, row: dict, zone) -> dict:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset()).values(*self.columns)
        return self._respond(self.paginate_queryset(rows))

    def first_page_response(self, read, model):
        """The default first page from a compiled read: ``read(order, limit)`` gives the rows in
        the paginator's default order, one more than a page (the one past says there is a next)."""
        paginator = self.paginator
        rows = read(paginator.default_order(self), paginator.get_page_size(self.request) + 1)
        return self._respond(paginator.first_page(rows, self.request, self, model))

    def _respond(self, page):
        zone = timezone.get_current_timezone()  # once a page, not twice a row
        return self.get_paginated_response([self.represent(row, zone) for row in page])
