"""Template helpers of the cards, evals and tracking pages."""

from django import template
from django.utils.safestring import SafeString

from mlteam.cards.rendering import render_markdown
from mlteam.web.templatetags.registry_ui import score

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Card Markdown as sanitised HTML (no script, no event handlers, no javascript: links)."""
    return render_markdown(text or "")


# Scores read the same on every page: the registry's filter, under the name these pages use.
register.filter("number", score)


@register.filter
def signed(value) -> str:
    """A difference with its sign: +0.012, -3.5 (a real minus sign, U+2212)."""
    if value is None:
        return ""
    text = f"{abs(float(value)):.4g}"
    if value > 0:
        return f"+{text}"
    return f"\u2212{text}" if value < 0 else "±0"
