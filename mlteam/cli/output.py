"""Human-readable tables by default, JSON for scripts."""

import json
from collections.abc import Iterable, Sequence

import click


def json_text(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def emit_json(data) -> None:
    click.echo(json_text(data))


def cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def table(
    rows: Iterable[dict], columns: Sequence[tuple[str, str]], empty: str = "Nothing found."
) -> None:
    """``columns``: (heading, key) pairs; a key may be a dotted path."""
    rows = [[cell(_dig(row, key)) for _, key in columns] for row in rows]
    if not rows:
        click.echo(empty)
        return
    headings = [heading for heading, _ in columns]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headings)]
    click.echo(
        "  ".join(h.upper().ljust(w) for h, w in zip(headings, widths, strict=True)).rstrip()
    )
    for row in rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _dig(row: dict, key: str):
    value = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def share(value) -> str:
    return "-" if value is None else f"{value:.0%}"
