"""django-filter filter sets of the registry pages. Invalid values are reported on the form
and ignored, so a mistyped link still shows the registry."""

import django_filters
from django import forms

from mlteam.kernel.enums import Stage
from mlteam.registry import selectors
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import Model, PromotionRequest
from mlteam.roster.models import MLTeamMember, Team


class ModelFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="search",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Name, task or description",
                "autocomplete": "off",
            }
        ),
    )
    stage = django_filters.ChoiceFilter(
        label="Has a version in",
        choices=Stage.choices,
        method="with_stage",
        empty_label="Any stage",
    )
    team = django_filters.ModelChoiceFilter(
        label="Owning team", queryset=Team.objects.order_by("name"), empty_label="Any team"
    )
    task = django_filters.ChoiceFilter(
        label="Task", choices=selectors.model_tasks, empty_label="Any task"
    )
    owner = django_filters.ModelChoiceFilter(
        label="Version owner",
        queryset=MLTeamMember.objects.select_related("user"),
        method="with_owner",
        empty_label="Anyone",
    )

    class Meta:
        model = Model
        fields = ["q", "stage", "team", "task", "owner"]

    def search(self, queryset, name, value):
        return selectors.models_matching(queryset, value)

    def with_stage(self, queryset, name, value):
        return selectors.models_with_stage(queryset, value)

    def with_owner(self, queryset, name, value):
        return selectors.models_with_version_owner(queryset, value)


class PromotionFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label="State", choices=PromotionState.choices, empty_label="Any state"
    )
    to_stage = django_filters.ChoiceFilter(
        label="Target stage", choices=Stage.choices, empty_label="Any stage"
    )

    class Meta:
        model = PromotionRequest
        fields = ["state", "to_stage"]
