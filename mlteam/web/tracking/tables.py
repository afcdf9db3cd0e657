"""django-tables2 tables of the tracking pages."""

import django_tables2 as tables
from django.utils.html import format_html

from mlteam.tracking.models import Experiment


class ExperimentTable(tables.Table):
    # render_name writes the one link of the cell (linkify would wrap it in a second, empty one).
    name = tables.Column(verbose_name="Experiment")
    team = tables.Column(accessor="team__name", order_by="team__name", verbose_name="Team")
    owner = tables.Column(accessor="owner", order_by=("owner__user__last_name",))
    run_count = tables.Column(
        verbose_name="Runs", attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    last_run_at = tables.DateTimeColumn(
        verbose_name="Last run", format="Y-m-d", attrs={"td": {"class": "tr-nowrap"}}
    )
    created_at = tables.DateTimeColumn(
        verbose_name="Started", format="Y-m-d", attrs={"td": {"class": "tr-nowrap"}}
    )

    class Meta:
        model = Experiment
        fields = ["name", "team", "owner", "run_count", "last_run_at", "created_at"]
        attrs = {"class": "table"}

    def render_name(self, record, value):
        hypothesis = record.hypothesis[:140] + ("…" if len(record.hypothesis) > 140 else "")
        return format_html(
            '<a href="{}"><strong>{}</strong></a><div class="muted small">{}</div>',
            record.get_absolute_url(),
            value,
            hypothesis,
        )
