"""What a write starts from — the model or version it works on, with the team the
team-membership guard asks about — read with one plain statement.

The API's writes call these instead of the read lookups: a write needs none of the annotations
a read shows, and building and compiling an ORM query with its joins cost more CPU than the
rest of the lookup. ``None`` when there is no such model or version (the caller says why).
"""

from functools import cache

from django.db import connection

from mlteam.kernel.rows import instances_from_row, select_list
from mlteam.registry.models import Model, ModelArtifact
from mlteam.roster.models import Team

_MODEL = (
    "SELECT {model}, {team} FROM {models} m JOIN {teams} t ON t.id = m.team_id WHERE m.name = %s"
)
_VERSION = (
    "SELECT {artifact}, {model}, {team} FROM {artifacts} a"
    " JOIN {models} m ON m.id = a.model_id JOIN {teams} t ON t.id = m.team_id"
    " WHERE m.name = %s AND a.version = %s"
)


def model_with_team(name: str) -> Model | None:
    """The model named ``name`` with its team attached."""
    row = _one(_statements(connection.vendor)[0], [name])
    if row is None:
        return None
    model, team = instances_from_row(row, Model, Team)
    model.team = team
    return model


def version_with_team(name: str, version: int) -> ModelArtifact | None:
    """Version ``version`` of the model named ``name``, with its model and team attached."""
    row = _one(_statements(connection.vendor)[1], [name, version])
    if row is None:
        return None
    artifact, model, team = instances_from_row(row, ModelArtifact, Model, Team)
    model.team, artifact.model = team, model
    return artifact


def _one(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@cache
def _statements(vendor: str) -> tuple[str, str]:
    quote = connection.ops.quote_name
    parts = {
        "artifact": select_list(ModelArtifact, "a"),
        "model": select_list(Model, "m"),
        "team": select_list(Team, "t"),
        "artifacts": quote(ModelArtifact._meta.db_table),
        "models": quote(Model._meta.db_table),
        "teams": quote(Team._meta.db_table),
    }
    return _MODEL.format(**parts), _VERSION.format(**parts)
