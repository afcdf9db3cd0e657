"""How long each kind of text may be: one table, enforced by the services (so the API, the CLI,
the pages and the admin refuse the same input with the same message).

A limit is a promise to the people who read the text (a 1 MB "reason" is not a reason) and a
guard for the database and the pages. Where a column is shorter than its kind's limit, the
column's length is the field's limit, and README's "Limits and input rules" says so.
"""

import re

from django.utils.text import slugify

from mlteam.kernel.errors import InvalidInput

# -- kinds of text ------------------------------------------------------------------------------
NAME = 100  # model, team, benchmark, experiment, run, plan and role names
LINE = 255  # one-line texts in short columns: eval notes, criterion statements, contacts
NOTE = 5_000  # promotion notes, tick evidence, reject and withdraw reasons, run notes
DESCRIPTION = 10_000  # model, version, benchmark, experiment, protocol and team descriptions
CARD_SECTION = 50_000  # each section of a model card
URI = 2_048  # artifact URIs, webhook URLs

# -- fields bound to a shorter column (the column's length is the limit) -------------------------
TASK = 80
METRIC = 80
UNIT = 30
DATASET_VERSION = 80
LICENSE = 120
GIT_COMMIT = 40
METRIC_KEY = 80
TAG = 60  # each of a run's tags
TRACKING_URI = 300
WEBHOOK_DESCRIPTION = 300

# The table README documents (field kind → limit); tests/kernel/test_limits.py checks that each
# column a limit guards is at least that long.
KINDS = {
    "name": NAME,
    "line": LINE,
    "note": NOTE,
    "description": DESCRIPTION,
    "card section": CARD_SECTION,
    "uri": URI,
}


def too_long_message(field: str, length: int, limit: int) -> str:
    return (
        f"{field} is too long: it has {length:,} characters and at most {limit:,} are allowed; "
        "shorten it (or link to a longer document)."
    )


def require_max_length(field: str, value: str | None, limit: int) -> str | None:
    """``value`` unchanged, or ``InvalidInput('too_long')`` naming ``field`` and ``limit``."""
    if value is not None and len(value) > limit:
        raise InvalidInput(
            "too_long", too_long_message(field, len(value), limit), field=field, limit=limit
        )
    return value


def require_max_lengths(values: dict, limits: dict[str, int]) -> None:
    """Each of ``values`` that has a limit in ``limits`` is at most that long (the first too
    long one, in ``limits`` order, is refused)."""
    for field, limit in limits.items():
        value = values.get(field)
        if isinstance(value, str):
            require_max_length(field, value, limit)


# -- names that become part of URLs (model names, benchmark and team slugs) -----------------------
# What the ``<slug:…>`` URLs accept, minus upper case and underscores: one rule, refused whatever
# the fault (upper case, a space, an underscore, too long) and never silently rewritten.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


def slug_refusal(value, *, what: str, code: str, limit: int) -> InvalidInput | None:
    """The refusal of ``value`` as ``what`` (e.g. "a model name"), or None when it is a slug."""
    value = value if isinstance(value, str) else ""
    example = slugify(value)[:limit].strip("-_").replace("_", "-") or "fraud-detector"
    if not value:
        return InvalidInput(
            code, f"Give {what}: lowercase letters, digits and hyphens, e.g. '{example}'."
        )
    if SLUG.fullmatch(value) and len(value) <= limit:
        return None
    shown = value if len(value) <= 60 else f"{value[:57]}…"
    return InvalidInput(
        code,
        f"'{shown}' cannot be {what}: it becomes part of URLs, so use only lowercase letters, "
        f"digits and hyphens, start with a letter or digit and keep it to {limit} characters, "
        f"e.g. '{example}'.",
    )
