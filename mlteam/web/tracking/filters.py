import django_filters
from django.db.models import Q

from mlteam.roster.models import Team
from mlteam.tracking.models import Experiment


class ExperimentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.order_by("name"), to_field_name="slug", empty_label="All teams"
    )

    class Meta:
        model = Experiment
        fields = ["q", "team"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(hypothesis__icontains=value))
