"""Forms of the evaluation pages."""

from django import forms

from mlteam.evals.models import Benchmark
from mlteam.evals.services import BENCHMARK_TEXT_LIMITS, benchmark_slug_refusal, parse_score
from mlteam.kernel.enums import Stage
from mlteam.kernel.errors import InvalidInput
from mlteam.kernel.forms import ServiceRulesFormMixin
from mlteam.roster.models import Team
from mlteam.tracking.models import Run

RECENT_RUNS = 50


class RecordResultForm(forms.Form):
    """One result for one version. The value is parsed by the service's own rule (finite)."""

    benchmark = forms.ModelChoiceField(
        queryset=Benchmark.objects.order_by("name"),
        to_field_name="slug",
        empty_label="Choose a benchmark…",
        error_messages={"invalid_choice": "Choose one of the shared benchmarks."},
    )
    value = forms.CharField(
        max_length=40,
        help_text="A finite number, e.g. 0.913 or 212.5 (in the benchmark's unit).",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    run = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Run that produced it (optional)",
    )
    note = forms.CharField(required=False)  # its limit is the service's (kernel.limits.LINE)

    def __init__(self, *args, artifact, **kwargs):
        super().__init__(*args, **kwargs)
        runs = list(
            Run.objects.filter(experiment__team_id=artifact.model.team_id)
            .select_related("experiment")
            .order_by("-started_at", "-id")[:RECENT_RUNS]
        )
        source = artifact.source_run
        if source is not None and source.pk not in {r.pk for r in runs}:
            runs.insert(0, source)
        self.fields["run"].choices = [("", "No run")] + [
            (r.pk, f"{r.experiment.name} / {r.name}") for r in runs
        ]
        self.runs = {r.pk: r for r in runs}
        if source is not None:
            self.initial.setdefault("run", source.pk)

    def clean_value(self):
        try:
            return parse_score(self.cleaned_data["value"].strip())
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from None

    def clean_run(self):
        run_id = self.cleaned_data.get("run")
        return self.runs.get(run_id) if run_id else None


class BenchmarkForm(ServiceRulesFormMixin, forms.ModelForm):
    """The benchmark services' slug rule and limits, so the page shows the API's messages."""

    field_rules = {"slug": benchmark_slug_refusal}
    text_limits = BENCHMARK_TEXT_LIMITS

    class Meta:
        model = Benchmark
        fields = [
            "slug",
            "name",
            "metric",
            "unit",
            "higher_is_better",
            "dataset_version",
            "owner_team",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        labels = {"higher_is_better": "Higher is better"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_team"].queryset = Team.objects.order_by("name")
        if self.instance.pk:
            # The slug is how pipelines, the API and the CLI name it; it never changes.
            del self.fields["slug"]

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("slug", None)
        return data


class LeaderboardFilterForm(forms.Form):
    stage = forms.ChoiceField(choices=[("", "All stages"), *Stage.choices], required=False)
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="All teams",
    )
