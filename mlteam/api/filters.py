"""Query-string filters of the list endpoints (django-filter; documented in the OpenAPI schema)."""

from datetime import UTC, datetime

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError as DRFValidationError

from mlteam.evals.models import Benchmark, EvalResult
from mlteam.kernel.enums import Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry import selectors as registry_selectors
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import HandoffProtocol, Model, ModelArtifact, PromotionRequest
from mlteam.registry.selectors import promotions_waiting_for
from mlteam.roster.enums import Orientation, TeamKind
from mlteam.roster.models import MLTeamMember, Team
from mlteam.roster.permissions import member_of
from mlteam.tracking.enums import RunStatus
from mlteam.tracking.models import Experiment, Run, RunMetric

BIGINT_MAX = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(filters.Filter):
    """A positive whole number that fits the database's integers (ids, version numbers).

    ``NumberFilter`` takes decimals: ``1.5`` would match 1, and ``1e30`` overflows SQLite's
    integers (a 500). Anything but 1 … 2**63-1 is a 400 ``invalid`` instead.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


def boolean_refusal(raw: str) -> str:
    return f"'{raw}' is not true or false; send true or false (or leave the parameter out)."


def query_boolean(request, name: str, default: bool = False) -> bool:
    """A boolean query parameter: absent is ``default``; only true/false (any case) are
    booleans, anything else (``perhaps``, ``1``, an empty value) is a 400 naming ``name``."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = _boolean(raw)
    if value is None:
        raise DRFValidationError({name: [boolean_refusal(raw)]})
    return value


def _boolean(raw: str) -> bool | None:
    return {"true": True, "false": False}.get(raw.strip().lower())


class StrictBooleanField(forms.Field):
    """``true`` or ``false``; django-filter's own boolean filter treats ``mine=perhaps`` as if
    it were not there, which hides a typo in a pipeline's query."""

    def to_python(self, value):
        if value is None:  # the parameter is absent
            return None
        parsed = _boolean(str(value))
        if parsed is None:
            raise ValidationError(boolean_refusal(value), code="invalid")
        return parsed

    def validate(self, value):
        return None


@extend_schema_field({"type": "boolean"})
class BooleanFilter(filters.Filter):
    field_class = StrictBooleanField


def check_moment(value: datetime) -> datetime:
    """The moment in UTC, or refused when the database cannot store it: ``9999-12-31T23:59-05:00``
    is past the last UTC moment, ``0001-01-01T00:00+05:00`` before the first (a 500 otherwise)."""
    try:
        for zone in (UTC, timezone.get_current_timezone(), connection.timezone):
            if timezone.is_aware(value):
                timezone.make_naive(value, zone)
            else:
                timezone.make_aware(value, zone)
    except (OverflowError, ValueError):
        raise ValidationError(
            "This time is out of range; use a time between the years 0002 and 9998.",
            code="out_of_range",
        ) from None
    # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 (and Python) allow.
    aware = value if timezone.is_aware(value) else timezone.make_aware(value)
    return aware.astimezone(UTC)


class MomentField(IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        return value if value is None else check_moment(value)


class MomentFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 time the database can compare with (else 400 ``invalid``)."""

    field_class = MomentField


class ModelFilter(filters.FilterSet):
    team = filters.CharFilter(field_name="team__slug", help_text="Owning team's slug.")
    task = filters.CharFilter(field_name="task")
    q = filters.CharFilter(
        method="search", help_text="Text in the name, task or description (any case)."
    )
    name_prefix = filters.CharFilter(
        method="with_prefix",
        help_text="Names that start with this (case-insensitive; names are lowercase). "
        "Index-backed on PostgreSQL, unlike `q`.",
    )
    stage = filters.ChoiceFilter(
        choices=Stage.choices, method="with_stage", help_text="Has a version in this stage."
    )

    def search(self, queryset, name, value):
        return registry_selectors.models_matching(queryset, value)

    def with_prefix(self, queryset, name, value):
        # LIKE 'prefix%' on the name's pattern-ops index (PostgreSQL builds one for the unique
        # name: varchar_pattern_ops, the varchar twin of text_pattern_ops).
        return queryset.filter(name__startswith=self.prefix_of(value))

    @staticmethod
    def prefix_of(value: str) -> str:
        """What ``name_prefix`` matches: as the form reads it (trimmed), lowercased like names.
        The models list's compiled first page (api/views/registry.py) uses it too."""
        return value.strip().lower()

    def with_stage(self, queryset, name, value):
        return registry_selectors.models_with_stage(queryset, value)

    class Meta:
        model = Model
        fields = []


class VersionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Stage.choices)
    owner = filters.CharFilter(field_name="owner__user__username", help_text="Owner's username.")

    class Meta:
        model = ModelArtifact
        fields = []


class EvalResultFilter(filters.FilterSet):
    benchmark = filters.CharFilter(field_name="benchmark__slug", help_text="Benchmark slug.")

    class Meta:
        model = EvalResult
        fields = []


class PromotionFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=PromotionState.choices)
    from_stage = filters.ChoiceFilter(choices=Stage.choices)
    to_stage = filters.ChoiceFilter(choices=Stage.choices)
    model = filters.CharFilter(field_name="artifact__model__name", help_text="Model name.")
    role = filters.CharFilter(
        field_name="responsible_role__name", lookup_expr="iexact", help_text="Responsible role."
    )
    mine = BooleanFilter(method="requested_by_me", help_text="Requested by you.")
    waiting = BooleanFilter(
        method="waiting_for_me",
        help_text="Pending and yours to sign (your role, not your request).",
    )

    def requested_by_me(self, queryset, name, value):
        member = member_of(self.request.user)
        mine = Q(requested_by=member) if member else Q(pk__in=[])
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def waiting_for_me(self, queryset, name, value):
        waiting = promotions_waiting_for(member_of(self.request.user)).values("pk")
        return queryset.filter(pk__in=waiting) if value else queryset.exclude(pk__in=waiting)

    class Meta:
        model = PromotionRequest
        fields = []


class ProtocolFilter(filters.FilterSet):
    active = BooleanFilter()
    from_stage = filters.ChoiceFilter(choices=Stage.choices)
    to_stage = filters.ChoiceFilter(choices=Stage.choices)

    class Meta:
        model = HandoffProtocol
        fields = []


class BenchmarkFilter(filters.FilterSet):
    owner_team = filters.CharFilter(field_name="owner_team__slug", help_text="Owning team's slug.")

    class Meta:
        model = Benchmark
        fields = []


class TeamFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=TeamKind.choices)

    class Meta:
        model = Team
        fields = []


class MemberFilter(filters.FilterSet):
    team = filters.CharFilter(method="in_team", help_text="Team slug (primary or embedded in it).")
    role = filters.CharFilter(field_name="role__name", lookup_expr="iexact", help_text="Role name.")
    orientation = filters.ChoiceFilter(choices=Orientation.choices)
    active = BooleanFilter(field_name="left_on", lookup_expr="isnull")

    def in_team(self, queryset, name, value):
        return queryset.filter(Q(team__slug=value) | Q(embedded_in__slug=value))

    class Meta:
        model = MLTeamMember
        fields = []


class ExperimentFilter(filters.FilterSet):
    team = filters.CharFilter(field_name="team__slug", help_text="Team slug.")
    owner = filters.CharFilter(field_name="owner__user__username", help_text="Owner's username.")
    q = filters.CharFilter(
        field_name="name", lookup_expr="icontains", help_text="Words in the name."
    )

    class Meta:
        model = Experiment
        fields = []


class RunFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = Run
        fields = []


class RunMetricFilter(filters.FilterSet):
    key = filters.CharFilter()

    class Meta:
        model = RunMetric
        fields = []


class EventFilter(filters.FilterSet):
    model = filters.CharFilter(field_name="model__name", help_text="Model name.")
    version = IdFilter(field_name="artifact__version", help_text="Version number (use with model).")
    promotion = IdFilter(field_name="promotion_id", help_text="Promotion request id.")
    member = filters.CharFilter(field_name="member__user__username", help_text="Member's username.")
    team = filters.CharFilter(field_name="team__slug", help_text="Team slug.")
    actor = filters.CharFilter(field_name="actor__username", help_text="Who acted (username).")
    action = filters.CharFilter(help_text="Action code, e.g. promotion.approved.")
    since = MomentFilter(field_name="at", lookup_expr="gte", help_text="At or after.")
    until = MomentFilter(field_name="at", lookup_expr="lte", help_text="At or before.")

    class Meta:
        model = AuditEvent
        fields = []
