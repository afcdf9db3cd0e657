from django.contrib import admin

from .models import Benchmark, EvalResult


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    list_display = [
        "slug",
        "name",
        "metric",
        "unit",
        "higher_is_better",
        "dataset_version",
        "owner_team",
    ]
    list_filter = ["higher_is_better", "owner_team"]
    search_fields = ["slug", "name", "metric"]
    list_select_related = ["owner_team"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(EvalResult)
class EvalResultAdmin(admin.ModelAdmin):
    """Results are recorded through the service (pages, API, CLI); history is not edited here."""

    list_display = ["artifact", "benchmark", "value", "recorded_by", "recorded_at"]
    list_filter = ["benchmark"]
    search_fields = ["artifact__model__name", "benchmark__slug"]
    list_select_related = ["artifact__model", "benchmark", "recorded_by__user"]
    # A million results: no full count and no date drill-down (each scans the whole table).
    show_full_result_count = False
    readonly_fields = [
        "artifact",
        "benchmark",
        "value",
        "recorded_by",
        "recorded_at",
        "run",
        "note",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
