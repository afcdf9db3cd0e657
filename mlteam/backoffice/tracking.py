"""Experiments, runs and their metrics are written by the tracking services (pages, API, CLI):
a version's source run is its provenance, so the admin only shows them."""

from django.contrib import admin

from mlteam.tracking.models import Experiment, Run, RunMetric


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RunInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Run
    extra = 0
    fields = ["name", "status", "git_commit", "started_at", "ended_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Experiment)
class ExperimentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "team", "owner", "created_at"]
    list_filter = ["team"]
    search_fields = ["name", "hypothesis", "description"]
    list_select_related = ["team", "owner__user"]
    inlines = [RunInline]


@admin.register(Run)
class RunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "experiment", "status", "git_commit", "started_at"]
    list_filter = ["status", "experiment__team"]
    search_fields = ["name", "experiment__name", "git_commit", "notes"]
    list_select_related = ["experiment"]


@admin.register(RunMetric)
class RunMetricAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["run", "key", "step", "value"]
    search_fields = ["key", "run__name"]
    list_select_related = ["run__experiment"]
