"""The mlteam Python client: the REST API for pipelines, over HTTP only.

    from mlteam.client import Client, ApiError

    with Client(url="http://127.0.0.1:8000", token="mlt_…") as mlteam:
        version = mlteam.version_register("intent", artifact_uri="s3://models/intent/v7")
        mlteam.eval_record("intent", version.version, benchmark="accuracy", value=0.91)

It imports no other mlteam package, so it can be vendored into a training image on its own
(it needs ``httpx``).
"""

from .client import Client, segment
from .errors import (
    ApiError,
    BadRequest,
    ConfigurationError,
    Conflict,
    Forbidden,
    MLteamError,
    NotFound,
    ServerError,
    Unauthorized,
)
from .types import (
    Approval,
    Benchmark,
    Card,
    CardResult,
    ChecklistItem,
    EvalResult,
    Experiment,
    Member,
    MetricPoint,
    Model,
    Production,
    Promotion,
    Ratio,
    RatioRow,
    Run,
    Score,
    Team,
    Version,
)

__all__ = [
    "ApiError",
    "Approval",
    "BadRequest",
    "Benchmark",
    "Card",
    "CardResult",
    "ChecklistItem",
    "Client",
    "ConfigurationError",
    "Conflict",
    "EvalResult",
    "Experiment",
    "Forbidden",
    "MLteamError",
    "Member",
    "MetricPoint",
    "Model",
    "NotFound",
    "Production",
    "Promotion",
    "Ratio",
    "RatioRow",
    "Run",
    "Score",
    "ServerError",
    "Team",
    "Unauthorized",
    "Version",
    "segment",
]
