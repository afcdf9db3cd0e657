"""List filters of the member changelist (the chart above it follows them)."""

from django.contrib import admin
from django.db.models import Q

from mlteam.kernel.parsing import whole_number
from mlteam.roster.models import Team


class TeamOrEmbeddedFilter(admin.SimpleListFilter):
    """A team's people: its primary members and those embedded in it (a hybrid team's staff)."""

    title = "team (primary or embedded)"
    parameter_name = "team"

    def lookups(self, request, model_admin):
        return [
            (str(pk), name) for pk, name in Team.objects.order_by("name").values_list("pk", "name")
        ]

    def team_id(self) -> int | None:
        return whole_number(self.value())

    def queryset(self, request, queryset):
        team_id = self.team_id()
        if team_id is None:
            return queryset
        return queryset.filter(Q(team_id=team_id) | Q(embedded_in_id=team_id))


class ActiveFilter(admin.SimpleListFilter):
    """Current members by default: a ratio of people who left would mislead."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("left", "Left"), ("all", "Everyone")]

    def choices(self, changelist):
        value = self.value() or "active"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "active"
        if value == "left":
            return queryset.filter(left_on__isnull=False)
        if value == "all":
            return queryset
        return queryset.filter(left_on__isnull=True)
