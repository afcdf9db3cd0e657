"""Small helpers of the roster templates."""

from django import template
from django.urls import NoReverseMatch

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.375 -> "38%"; None -> "—"."""
    return "—" if value is None else f"{value:.0%}"


@register.filter
def url_or_blank(obj) -> str:
    """``obj.get_absolute_url()``, or "" while the page it points to is not installed (the
    registry pages are built separately; a team page must not break without them)."""
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""
