"""Starting a new version's card: a copy of the previous version's card, or an empty one.

One ``INSERT … SELECT`` copies the previous card inside the database, without reading it first.
The registration (``registry.registering``) runs it in its transaction once the version number
is handed out: on PostgreSQL as one step of its single statement, on SQLite on its own.
"""

from datetime import datetime, timedelta
from functools import cache

from django.db import connection
from django.utils import timezone

from mlteam.cards.models import ModelCard
from mlteam.cards.services import CARRIED_OVER
from mlteam.kernel.rows import instance_from_row

# A registration this far in the past was replayed at that moment (the demo seed): the card
# dates from then, not from the replay.
REPLAYED_AFTER = timedelta(minutes=1)

_COLUMNS = ", ".join(CARRIED_OVER)
_COPIED = ", ".join(f"COALESCE(previous.{name}, %(card_default_{name})s)" for name in CARRIED_OVER)
# The previous card is the one of the highest version below the new one; with none, every
# column takes its field's default, as ModelCard.objects.create would.
_START = """
INSERT INTO {card} (artifact_id, {columns}, updated_at, updated_by_id)
SELECT {artifact_id}, {copied}, %(card_updated_at)s, NULL
FROM {source} LEFT JOIN (
    SELECT {previous_columns} FROM {card} c JOIN {artifact} a ON a.id = c.artifact_id
    WHERE a.model_id = %(card_model)s AND a.version < {version}
    ORDER BY a.version DESC LIMIT 1
) previous ON 1 = 1
RETURNING id, {columns}
"""


def card_start_statement(*, artifact_id: str, version: str, source: str) -> str:
    """The statement that starts a card. ``artifact_id`` and ``version`` are SQL expressions
    for the new version's id and number, ``source`` the FROM item they are read from; its named
    parameters come from ``card_start_params``. It returns the card's id and carried columns."""
    quote = connection.ops.quote_name
    return _START.format(
        card=quote(ModelCard._meta.db_table),
        artifact=quote(ModelCard._meta.get_field("artifact").related_model._meta.db_table),
        columns=_COLUMNS,
        copied=_COPIED,
        previous_columns=", ".join(f"c.{name}" for name in CARRIED_OVER),
        artifact_id=artifact_id,
        version=version,
        source=source,
    )


def card_start_params(*, model_id: int, updated_at: datetime) -> dict:
    at = ModelCard._meta.get_field("updated_at").get_db_prep_save(updated_at, connection)
    return {"card_model": model_id, "card_updated_at": at, **_defaults(connection.vendor)}


@cache
def _defaults(vendor: str) -> dict:
    """The columns' defaults as ``vendor`` stores them (the same for every card)."""
    fields = [ModelCard._meta.get_field(name) for name in CARRIED_OVER]
    return {
        f"card_default_{field.name}": field.get_db_prep_save(field.get_default(), connection)
        for field in fields
    }


def card_updated_at(registered: datetime) -> datetime:
    """When a new card was last changed: now, or the registration's moment if it was replayed."""
    now = timezone.now()
    return registered if now - registered > REPLAYED_AFTER else now


def card_from_returned(artifact, row, updated_at: datetime) -> ModelCard:
    """The card ``card_start_statement`` inserted, from the row it returned, attached to
    ``artifact`` (so ``artifact.card`` needs no query)."""
    card = instance_from_row(
        ModelCard,
        returned=dict(zip(["id", *CARRIED_OVER], row, strict=True)),
        known={"artifact_id": artifact.pk, "updated_at": updated_at, "updated_by_id": None},
    )
    card.artifact = artifact
    return card
