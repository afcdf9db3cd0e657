"""The /teams/ table. Counts come annotated from ``selectors.team_list``; ratios from
``selectors.ratio_by_team`` (passed in), so rendering a page costs no extra queries."""

import django_tables2 as tables
from django.utils.html import format_html

from mlteam.roster.charts import status_text
from mlteam.roster.models import Team
from mlteam.roster.selectors import RatioRow


class TeamTable(tables.Table):
    name = tables.Column(verbose_name="Team")
    kind = tables.Column()
    lead = tables.Column(order_by=("lead__user__last_name",))
    member_count = tables.Column(verbose_name="Members", attrs={"td": {"class": "num"}})
    ratio = tables.Column(verbose_name="Research share", empty_values=(), orderable=False)
    models_owned = tables.Column(verbose_name="Models owned", attrs={"td": {"class": "num"}})
    models_consumed = tables.Column(verbose_name="Models used", attrs={"td": {"class": "num"}})

    class Meta:
        model = Team
        fields = [
            "name",
            "kind",
            "lead",
            "member_count",
            "ratio",
            "models_owned",
            "models_consumed",
        ]
        order_by = ("name",)
        empty_text = "No team matches these filters."
        attrs = {"class": "table roster-table"}

    def __init__(self, *args, ratios: dict[int, RatioRow], **kwargs):
        self.ratios = ratios
        super().__init__(*args, **kwargs)

    def render_name(self, record):
        return format_html(
            '<a href="{}">{}</a><div class="muted small">{}</div>',
            record.get_absolute_url(),
            record.name,
            record.mission,
        )

    def render_kind(self, record):
        return format_html(
            '<span class="badge kind-{}">{}</span>', record.kind, record.get_kind_display()
        )

    def render_lead(self, record):
        return record.lead.display_name if record.lead else "—"

    def render_member_count(self, record):
        if record.embedded_count:
            return format_html(
                '{} <span class="muted">+{} embedded</span>',
                record.member_count,
                record.embedded_count,
            )
        return record.member_count

    def render_ratio(self, record):
        row = self.ratios.get(record.pk)
        if row is None or not row.total:
            return format_html('<span class="muted">no members</span>')
        return format_html(
            '<span class="share">{}</span> <span class="muted">{} R / {} P</span>'
            '<div class="ratio-status status-{}">{}</div>',
            f"{row.research_share:.0%}",
            row.research,
            row.production,
            row.status.replace(" ", "-"),
            status_text(row),
        )
