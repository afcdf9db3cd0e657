"""Template helpers of the registry pages."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def url_if_exists(name: str, *args) -> str:
    """``{% url %}`` for pages other apps add: '' (no link) until that page exists.

    Lets the registry pages link the model card, eval forms, runs and teams as soon as their
    apps define the URL, without breaking while they do not.
    """
    try:
        return reverse(name, args=[a for a in args if a is not None])
    except NoReverseMatch:
        return ""


@register.filter
def lookup(mapping, key):
    """``{{ errors|lookup:item.pk }}``: a dict entry, or '' when absent."""
    return (mapping or {}).get(key, "")


@register.filter
def score(value) -> str:
    """A score as people write it: 0.986, 432.1, 12 (no float noise, no padded zeros)."""
    if value is None or value == "":
        return ""
    try:
        return f"{float(value):.6g}"
    except (TypeError, ValueError):
        return str(value)
