from django import forms
from django.contrib import admin

from mlteam.backoffice.mixins import DomainErrorsAsMessagesMixin, MLLeadEditsMixin
from mlteam.evals.models import Benchmark, EvalResult
from mlteam.evals.services import (
    BENCHMARK_FIELDS,
    BENCHMARK_TEXT_LIMITS,
    benchmark_create,
    benchmark_slug_refusal,
    benchmark_update,
)
from mlteam.kernel.forms import ServiceRulesFormMixin
from mlteam.roster.permissions import member_of


class BenchmarkAdminForm(ServiceRulesFormMixin, forms.ModelForm):
    field_rules = {"slug": benchmark_slug_refusal}
    text_limits = BENCHMARK_TEXT_LIMITS

    class Meta:
        model = Benchmark
        fields = ["slug", *BENCHMARK_FIELDS]


@admin.register(Benchmark)
class BenchmarkAdmin(MLLeadEditsMixin, DomainErrorsAsMessagesMixin, admin.ModelAdmin):
    """ML leads manage the shared benchmarks through the same services as /benchmarks/; they are
    never deleted (results and gate criteria refer to them) and the slug never changes."""

    form = BenchmarkAdminForm
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
    fields = ["slug", *BENCHMARK_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return ["slug"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        actor = member_of(request.user)
        values = {name: form.cleaned_data[name] for name in BENCHMARK_FIELDS}
        if change:
            benchmark_update(
                benchmark=Benchmark.objects.get(pk=obj.pk), actor=actor, changes=values
            )
        else:
            obj.pk = benchmark_create(actor=actor, slug=form.cleaned_data["slug"], **values).pk


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

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
