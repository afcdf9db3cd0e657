"""Template helpers of the registry pages."""

from django import template

register = template.Library()


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
