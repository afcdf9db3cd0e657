"""Query-string filters of the list endpoints (django-filter; documented in the OpenAPI schema)."""

import django_filters as filters
from django.db.models import Exists, OuterRef, Q

from mlteam.evals.models import Benchmark, EvalResult
from mlteam.registry.enums import PromotionState, Stage
from mlteam.registry.models import (
    AuditEvent,
    HandoffProtocol,
    Model,
    ModelArtifact,
    PromotionRequest,
)
from mlteam.registry.selectors import promotions_waiting_for
from mlteam.roster.enums import Orientation, TeamKind
from mlteam.roster.models import MLTeamMember, Team
from mlteam.roster.permissions import member_of
from mlteam.tracking.enums import RunStatus
from mlteam.tracking.models import Experiment, Run, RunMetric


class ModelFilter(filters.FilterSet):
    team = filters.CharFilter(field_name="team__slug", help_text="Owning team's slug.")
    task = filters.CharFilter(field_name="task")
    q = filters.CharFilter(method="search", help_text="Words in the name or description.")
    stage = filters.ChoiceFilter(
        choices=Stage.choices, method="with_stage", help_text="Has a version in this stage."
    )

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def with_stage(self, queryset, name, value):
        versions = ModelArtifact.objects.filter(model=OuterRef("pk"), status=value)
        return queryset.filter(Exists(versions))

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
    mine = filters.BooleanFilter(method="requested_by_me", help_text="Requested by you.")
    waiting = filters.BooleanFilter(
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
    active = filters.BooleanFilter()
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
    active = filters.BooleanFilter(field_name="left_on", lookup_expr="isnull")

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
    version = filters.NumberFilter(
        field_name="artifact__version", help_text="Version number (use with model)."
    )
    promotion = filters.NumberFilter(field_name="promotion_id", help_text="Promotion request id.")
    member = filters.CharFilter(field_name="member__user__username", help_text="Member's username.")
    team = filters.CharFilter(field_name="team__slug", help_text="Team slug.")
    actor = filters.CharFilter(field_name="actor__username", help_text="Who acted (username).")
    action = filters.CharFilter(help_text="Action code, e.g. promotion.approved.")
    since = filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", help_text="At or after.")
    until = filters.IsoDateTimeFilter(field_name="at", lookup_expr="lte", help_text="At or before.")

    class Meta:
        model = AuditEvent
        fields = []
