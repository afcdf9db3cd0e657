"""Template helpers of the cards, evals and tracking pages."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

from mlteam.cards.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Card Markdown as sanitised HTML (no script, no event handlers, no javascript: links)."""
    return render_markdown(text or "")


@register.simple_tag
def link_if_exists(name: str, *args) -> str:
    """The URL of another app's page, or '' while that page does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def number(value) -> str:
    """A score as people write it: 0.986, 432.1, 12 (no float noise)."""
    if value is None or value == "":
        return ""
    try:
        return f"{float(value):.6g}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def signed(value) -> str:
    """A difference with its sign: +0.012, -3.5 (a real minus sign, U+2212)."""
    if value is None:
        return ""
    text = f"{abs(float(value)):.4g}"
    if value > 0:
        return f"+{text}"
    return f"\u2212{text}" if value < 0 else "±0"
