"""The rows a new version is made of, in as few statements as the database allows.

``artifact_register`` (``registration.py``) owns the workflow and calls ``version_rows_insert``
in its transaction, before its audit event. The rows: the model's version counter bumped
(``UPDATE … RETURNING`` takes the model's row lock, so concurrent registrations get consecutive
numbers without gaps), the version, the first step of its stage history (into experimental),
and its card copied from the previous version's (``cards.start``).

On PostgreSQL that is one statement (data-modifying ``WITH`` steps) — one round trip instead of
four. Every step sees the tables as they were before the statement, which is what each needs:
the previous card is the one of the highest version below the new one either way. SQLite has no
data-modifying ``WITH`` (and no round trips to save): there the same steps are four statements.
"""

from datetime import datetime
from functools import cache

from django.db import connection

from mlteam.cards.start import (
    card_from_returned,
    card_start_params,
    card_start_statement,
    card_updated_at,
)
from mlteam.kernel.enums import Stage
from mlteam.kernel.rows import instance_from_row
from mlteam.registry.models import Model, ModelArtifact, StageTransition
from mlteam.roster.models import MLTeamMember
from mlteam.tracking.models import Run

_BUMP = (
    "UPDATE {model} SET last_version = last_version + 1, updated_at = %(at)s"
    " WHERE id = %(model_id)s RETURNING last_version"
)
_VERSION = (
    "INSERT INTO {artifact} (model_id, version, status, owner_id, artifact_uri, source_run_id,"
    " description, created_at, status_changed_at)"
    " SELECT %(model_id)s, {version}, %(stage)s, %(owner_id)s, %(artifact_uri)s,"
    " %(source_run_id)s, %(description)s, %(at)s, %(at)s{source} RETURNING id, version"
)
_FIRST_STEP = (
    "INSERT INTO {transition} (artifact_id, model_id, from_stage, to_stage, at, request_id,"
    " superseded_by_id) SELECT {artifact_id}, %(model_id)s, '', %(stage)s, %(at)s, NULL, NULL"
    "{source}"
)
_IN_ONE = """WITH bumped AS ({bump}),
registered AS ({version}),
first_step AS ({first_step}),
card AS ({card})
SELECT registered.id, registered.version, card.* FROM registered, card"""


def version_rows_insert(
    *,
    model: Model,
    owner: MLTeamMember,
    artifact_uri: str,
    source_run: Run | None,
    description: str,
    at: datetime,
) -> ModelArtifact:
    """Insert the next version of ``model`` with its first stage step and its card; returns it
    with its model, owner, source run and card attached (reading them needs no query). Updates
    ``model.last_version`` and ``model.updated_at`` to match. Call it inside a transaction."""
    values = {
        "model_id": model.pk,
        "status": Stage.EXPERIMENTAL.value,
        "owner_id": owner.pk,
        "artifact_uri": artifact_uri,
        "source_run_id": source_run.pk if source_run else None,
        "description": description,
        "created_at": at,
        "status_changed_at": at,
    }
    card_at = card_updated_at(at)
    params = values | {
        "stage": values["status"],
        "at": ModelArtifact._meta.get_field("created_at").get_db_prep_save(at, connection),
        **card_start_params(model_id=model.pk, updated_at=card_at),
    }
    insert = _in_one if connection.vendor == "postgresql" else _step_by_step
    artifact_id, version, card_row = insert(params)
    artifact = instance_from_row(
        ModelArtifact, returned={}, known=values | {"id": artifact_id, "version": version}
    )
    artifact.model, artifact.owner, artifact.source_run = model, owner, source_run
    card_from_returned(artifact, card_row, card_at)
    model.last_version, model.updated_at = version, at
    return artifact


def _in_one(params: dict) -> tuple[int, int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(_statements(connection.vendor)[0], params)
        artifact_id, version, *card_row = cursor.fetchone()
    return artifact_id, version, tuple(card_row)


def _step_by_step(params: dict) -> tuple[int, int, tuple]:
    bump, insert_version, first_step, card = _statements(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(bump, params)
        params = params | {"version": cursor.fetchone()[0]}
        cursor.execute(insert_version, params)
        artifact_id, version = cursor.fetchone()
        params |= {"artifact_id": artifact_id}
        cursor.execute(first_step, params)
        cursor.execute(card, params)
        return artifact_id, version, cursor.fetchone()


@cache
def _statements(vendor: str) -> tuple[str, ...]:
    """The statements ``vendor`` runs (the same text every time, which drivers cache): on
    PostgreSQL the one ``WITH`` statement; elsewhere the four steps, each reading the previous
    one's result from its parameters."""
    quote = connection.ops.quote_name
    tables = {
        "model": quote(Model._meta.db_table),
        "artifact": quote(ModelArtifact._meta.db_table),
        "transition": quote(StageTransition._meta.db_table),
    }
    if vendor == "postgresql":
        in_one = _IN_ONE.format(
            bump=_BUMP.format(**tables),
            version=_VERSION.format(version="last_version", source=" FROM bumped", **tables),
            first_step=_FIRST_STEP.format(artifact_id="id", source=" FROM registered", **tables),
            card=card_start_statement(
                artifact_id="registered.id",
                version="(SELECT last_version FROM bumped)",
                source="registered",
            ),
        )
        return (in_one,)
    return (
        _BUMP.format(**tables),
        _VERSION.format(version="%(version)s", source="", **tables),
        _FIRST_STEP.format(artifact_id="%(artifact_id)s", source="", **tables),
        card_start_statement(
            artifact_id="%(artifact_id)s", version="%(version)s", source="(SELECT 1) one"
        ),
    )
