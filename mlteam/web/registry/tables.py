"""django-tables2 tables of the registry pages. Every column reads what the selector joined in."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.timesince import timesince

from mlteam.registry.models import Model, PromotionRequest


def stage_badge(stage: str, text: str = "") -> str:
    return format_html('<span class="badge stage-{}">{}</span>', stage, text or stage)


def _labelled(label: str, **attrs) -> dict:
    """Cell attributes naming the column, so narrow screens can show rows as labelled cards."""
    return {"td": {"data-label": label, **attrs}}


def _linked(url: str, text) -> str:
    return format_html('<a href="{}">{}</a>', url, text)


class ModelTable(tables.Table):
    name = tables.Column(verbose_name="Model", attrs=_labelled("Model", **{"class": "model-name"}))
    task = tables.Column(attrs=_labelled("Task"))
    team = tables.Column(
        verbose_name="Owning team", order_by=("team__name",), attrs=_labelled("Team")
    )
    production_version = tables.Column(
        verbose_name="In production", attrs=_labelled("In production")
    )
    last_version = tables.Column(verbose_name="Latest version", attrs=_labelled("Latest"))
    updated_at = tables.Column(verbose_name="Last change", attrs=_labelled("Last change"))

    class Meta:
        model = Model
        fields = ["name", "task", "team", "production_version", "last_version", "updated_at"]
        order_by = ("name",)
        empty_text = "No model matches these filters."
        attrs = {"class": "table registry-table stack-on-phone"}

    def render_name(self, record):
        return format_html(
            '<a href="{}">{}</a><div class="muted small">{}</div>',
            record.get_absolute_url(),
            record.name,
            record.description,
        )

    def render_team(self, record):
        return _linked(reverse("roster:team", args=[record.team.slug]), record.team.name)

    def render_production_version(self, record, value):
        url = reverse("registry:version", args=[record.name, value])
        return _linked(url, stage_badge("production", f"v{value} production"))

    def render_last_version(self, record, value):
        url = reverse("registry:version", args=[record.name, value])
        status = record.latest_status or ""
        return format_html(
            "{} {}", _linked(url, f"v{value}"), stage_badge(status) if status else ""
        )

    def render_updated_at(self, value):
        return format_html(
            '<time datetime="{}" title="{}">{} ago</time>',
            value.isoformat(),
            value.strftime("%Y-%m-%d %H:%M"),
            timesince(value).split(",")[0],
        )


class PromotionTable(tables.Table):
    id = tables.Column(verbose_name="Request", attrs=_labelled("Request"))
    artifact = tables.Column(
        verbose_name="Version",
        order_by=("artifact__model__name", "artifact__version"),
        attrs=_labelled("Version"),
    )
    to_stage = tables.Column(verbose_name="Transition", attrs=_labelled("Transition"))
    state = tables.Column(attrs=_labelled("State"))
    requested_by = tables.Column(
        order_by=("requested_by__user__last_name",), attrs=_labelled("Requested by")
    )
    requested_at = tables.Column(verbose_name="Requested", attrs=_labelled("Requested"))
    responsible_role = tables.Column(
        verbose_name="Signed by role",
        order_by=("responsible_role__name",),
        attrs=_labelled("Signs"),
    )

    class Meta:
        model = PromotionRequest
        fields = [
            "id",
            "artifact",
            "to_stage",
            "state",
            "requested_by",
            "requested_at",
            "responsible_role",
        ]
        order_by = ("-requested_at",)
        empty_text = "No promotion request here."
        attrs = {"class": "table promotions-table stack-on-phone"}

    def render_id(self, record):
        return format_html('<a href="{}">#{}</a>', record.get_absolute_url(), record.pk)

    def render_artifact(self, record):
        return format_html(
            '<a href="{}">{}</a>', record.artifact.get_absolute_url(), record.artifact
        )

    def render_to_stage(self, record):
        return format_html(
            '{} <span aria-label="to">→</span> {}',
            stage_badge(record.from_stage),
            stage_badge(record.to_stage),
        )

    def render_state(self, record):
        decided = f" by {record.decided_by}" if record.decided_by_id else ""
        return format_html(
            '<span class="badge state-{}">{}</span><div class="muted small">{}</div>',
            record.state,
            record.get_state_display(),
            decided,
        )

    def render_requested_at(self, value):
        return format_html(
            '<time datetime="{}">{}</time>', value.isoformat(), value.strftime("%Y-%m-%d %H:%M")
        )

    def render_responsible_role(self, value):
        return value.name
