"""django-tables2 tables of the evaluation pages."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from mlteam.web.templatetags.registry_ui import score as number


class GateColumn(tables.Column):
    """One gate threshold: its label is the column's heading, each row says meets or misses."""

    def __init__(self, threshold, **kwargs):
        self.threshold = threshold
        super().__init__(
            accessor="pk",
            verbose_name=f"{threshold.to_stage} {threshold.symbol} {threshold.value:g}",
            empty_values=(),
            orderable=False,
            attrs={"td": {"class": "tr-nowrap"}},
            **kwargs,
        )

    def render(self, record):
        if self.threshold.holds(record.value):
            return format_html('<span class="pass">{}</span>', "meets")
        return format_html('<span class="fail">{}</span>', "misses")


class LeaderboardTable(tables.Table):
    """Ranked rows of ``selectors.leaderboard``; the rank order is the benchmark's direction."""

    rank = tables.Column(verbose_name="#", attrs={"td": {"class": "num lb-rank"}})
    model = tables.Column(accessor="artifact__model__name", verbose_name="Model version")
    stage = tables.Column(accessor="artifact__status", verbose_name="Stage")
    team = tables.Column(accessor="artifact__model__team__name", verbose_name="Team")
    value = tables.Column(
        verbose_name="Result", attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    recorded_at = tables.Column(verbose_name="Recorded")

    class Meta:
        orderable = False
        attrs = {"class": "table leaderboard"}

    def __init__(self, *args, benchmark, thresholds, **kwargs):
        # One column per gate threshold, headed by it, instead of its text on every row.
        gates = [(f"gate_{i}", GateColumn(t)) for i, t in enumerate(thresholds)]
        super().__init__(*args, extra_columns=gates, **kwargs)
        self.benchmark = benchmark
        self.thresholds = thresholds

    def render_model(self, record):
        artifact = record.artifact
        url = reverse("cards:card", args=[artifact.model.name, artifact.version])
        return format_html(
            '<a href="{}">{} <span class="muted">v{}</span></a>',
            url,
            artifact.model.name,
            artifact.version,
        )

    def render_stage(self, record):
        artifact = record.artifact
        return format_html(
            '<span class="badge stage-{}">{}</span>', artifact.status, artifact.get_status_display()
        )

    def render_value(self, record):
        unit = f" {self.benchmark.unit}" if self.benchmark.unit else ""
        return format_html("<strong>{}</strong>{}", number(record.value), unit)

    def render_recorded_at(self, record):
        run = ""
        if record.run_id:
            url = reverse("tracking:run", args=[record.run_id])
            run = format_html(' · <a href="{}">run</a>', url)
        return format_html('{}<span class="muted">{}</span>', record.recorded_at.date(), run)
