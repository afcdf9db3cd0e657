"""The API's hottest reads, compiled once per connection (``kernel.prepared``) and returned as
rows that ``api.representations`` turns into JSON.

Each query is the ORM's: the same selectors the pages use, narrowed to the columns the answer
shows. What is not found here (no such model, no such version) goes on to the ordinary lookups,
which raise the 404 in words.
"""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, Subquery

from mlteam.api import representations as rep
from mlteam.evals.models import LatestResult
from mlteam.kernel.enums import Stage
from mlteam.kernel.prepared import PreparedRead
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import (
    HandoffProtocol,
    Model,
    ModelArtifact,
    PromotionRequest,
    StageTransition,
)
from mlteam.registry.selectors import models_for_registry

NEXT_STAGE = {stage: f"next_{stage}" for stage in Stage.values}


def _model(name):
    return models_for_registry().filter(name=name).order_by().values(*rep.MODEL_COLUMNS)[:1]


def _model_id(name):
    return Model.objects.filter(name=name).order_by().values("id")[:1]


def _version(name, version):
    pending = PromotionRequest.objects.filter(artifact=OuterRef("pk"), state=PromotionState.PENDING)
    leads_to = {
        column: Exists(
            HandoffProtocol.objects.filter(
                from_stage=OuterRef("status"), to_stage=stage, active=True
            )
        )
        for stage, column in NEXT_STAGE.items()
    }
    return (
        ModelArtifact.objects.filter(model__name=name, version=version)
        .order_by()
        .annotate(pending_promotion=Subquery(pending.values("pk")[:1]), **leads_to)
        .values(*rep.VERSION_COLUMNS, "pending_promotion", *NEXT_STAGE.values())[:1]
    )


def _scores(artifact_id):
    return LatestResult.objects.filter(artifact_id=artifact_id).values(*rep.SCORE_COLUMNS)


def _production(name, at):
    # model_production_at's question (the last move into or out of production at or before
    # ``at`` decides), with the version's columns in the same row.
    artifact_columns = [f"artifact__{column}" for column in rep.VERSION_COLUMNS]
    return (
        StageTransition.objects.filter(model__name=name, at__lte=at)
        .filter(Q(to_stage=Stage.PRODUCTION) | Q(from_stage=Stage.PRODUCTION))
        .order_by("-at", "-id")
        .values("to_stage", *artifact_columns)[:1]
    )


def _models_page(order: tuple, limit: int):
    def build(prefix):
        models = models_for_registry().filter(name__startswith=prefix).order_by(*order)
        return models.values(*rep.MODEL_COLUMNS)[:limit]

    # Bound on the client: LIKE 'prefix%' takes the name's pattern index only when PostgreSQL
    # plans with the value (kernel.prepared).
    return PreparedRead(build, bind_on_server=False, prefix="prefix")


def _versions_page(order: tuple, limit: int):
    def build(name):
        versions = ModelArtifact.objects.filter(model__name=name).order_by(*order)
        return versions.values(*rep.VERSION_COLUMNS)[:limit]

    return PreparedRead(build, name="text")


MODEL = PreparedRead(_model, name="text")
MODEL_ID = PreparedRead(_model_id, name="text")
VERSION = PreparedRead(_version, name="text", version="int")
SCORES = PreparedRead(_scores, artifact_id="int")
PRODUCTION = PreparedRead(_production, name="text", at="datetime")


def _first(rows: list[dict]) -> dict | None:
    return rows[0] if rows else None


def model(name: str) -> dict | None:
    """A model's row of ``MODEL_COLUMNS``, or None."""
    return _first(MODEL.rows(name=name))


def model_id(name: str) -> int | None:
    row = _first(MODEL_ID.rows(name=name))
    return row["id"] if row else None


# One compiled read per (list, ordering, LIMIT): at most 500 page sizes for each list.
_PAGES: dict[tuple, PreparedRead] = {}


def _page_read(make, order: tuple, limit: int) -> PreparedRead:
    read = _PAGES.get((make, order, limit))
    if read is None:
        read = _PAGES.setdefault((make, order, limit), make(order, limit))
    return read


def versions_first_page(name: str, order: tuple, limit: int) -> list[dict]:
    """The first ``limit`` versions of a model in ``order``, rows of ``VERSION_COLUMNS`` (empty
    for no such model, too)."""
    return _page_read(_versions_page, order, limit).rows(name=name)


def models_first_page(prefix: str, order: tuple, limit: int) -> list[dict]:
    """The first ``limit`` models whose name starts with ``prefix`` (every model for ""), in
    ``order``: rows of ``MODEL_COLUMNS``, as the models list's ``name_prefix`` filter reads them."""
    return _page_read(_models_page, order, limit).rows(prefix=prefix)


def version_detail(name: str, version: int) -> dict | None:
    """What the version endpoint shows: the version, its pending request, the stages an active
    protocol leads to from its stage, and its latest score per benchmark (two queries)."""
    row = _first(VERSION.rows(name=name, version=version))
    if row is None:
        return None
    shown = rep.version(row)
    scores = sorted(SCORES.rows(artifact_id=row["id"]), key=lambda s: s["benchmark__slug"])
    shown["eval_scores"] = [rep.score(s) for s in scores]
    shown["pending_promotion"] = row["pending_promotion"]
    shown["next_stages"] = sorted(stage for stage, column in NEXT_STAGE.items() if row[column])
    return shown


def production_at(name: str, at: datetime) -> tuple[bool, dict | None]:
    """``(found, version)``: whether the question found the model's history, and the version's
    JSON in production at ``at`` (None: nothing was). ``found`` False means no transition at
    all — the caller tells a model with no production history from no model."""
    row = _first(PRODUCTION.rows(name=name, at=at))
    if row is None:
        return False, None
    if row["to_stage"] != Stage.PRODUCTION:
        return True, None
    prefix = len("artifact__")
    return True, rep.version(
        {key[prefix:]: value for key, value in row.items() if key != "to_stage"}
    )
