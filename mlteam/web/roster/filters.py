"""Filters of the roster pages. Invalid values are reported on the form and ignored."""

import django_filters
from django import forms
from django.db.models import Q

from mlteam.roster.enums import TeamKind
from mlteam.roster.models import Team


class TeamFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name or mission", "autocomplete": "off"}
        ),
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=TeamKind.choices, empty_label="Any kind"
    )

    class Meta:
        model = Team
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(mission__icontains=value))


class KindForm(forms.Form):
    """Narrows the per-team parts of /roster/ to one kind of team (useful with many teams)."""

    kind = forms.ChoiceField(
        label="Teams of kind", choices=[("", "All kinds"), *TeamKind.choices], required=False
    )
