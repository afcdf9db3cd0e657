"""Reading a running MLflow tracking server over its REST API (``/api/2.0/mlflow/…``).

Read-only and dependency-free (httpx): registered models, their versions, the runs behind
them with full metric histories, and experiments. Every answer is plain JSON; ``MlflowError``
says which call failed and why, so one bad item can be reported without aborting an import.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

PAGE = 500  # the page size asked for on every paginated call (MLflow allows up to 1,000 here)


class MlflowError(Exception):
    """A call to the MLflow server failed (unreachable, an error answer, or not MLflow's JSON)."""


def from_millis(value) -> datetime | None:
    """MLflow's timestamps are milliseconds since the epoch (as numbers or strings)."""
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC) if value else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def as_dict(pairs) -> dict[str, str]:
    """``[{"key": k, "value": v}, …]`` → ``{k: v}`` (MLflow's shape for tags and params)."""
    return {p["key"]: p.get("value", "") for p in pairs or [] if isinstance(p, dict) and "key" in p}


@dataclass
class MlflowVersion:
    name: str
    version: int
    stage: str  # the legacy stage: None, Staging, Production or Archived
    source: str
    run_id: str
    description: str
    tags: dict[str, str]
    user_id: str
    created: datetime | None
    aliases: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.name}/{self.version}"


@dataclass
class MlflowModel:
    name: str
    description: str
    tags: dict[str, str]
    aliases: dict[str, int]  # alias → version
    created: datetime | None


class MlflowReader:
    def __init__(self, tracking_uri: str, *, timeout: float = 30.0, transport=None):
        import httpx  # here: only an import loads it, not every server process

        uri = tracking_uri.strip().rstrip("/")
        try:
            parsed = httpx.URL(uri)
        except (httpx.InvalidURL, TypeError, ValueError) as error:
            raise MlflowError(f"{tracking_uri!r} is not a URL ({error}).") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise MlflowError(
                f"{tracking_uri!r} is not an http(s) tracking server address, e.g. "
                "http://127.0.0.1:5000 (file and database URIs cannot be read over REST)."
            )
        self.tracking_uri = uri
        self.http = httpx.Client(
            base_url=uri + "/api/2.0/mlflow/", timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, **params) -> dict:
        import httpx

        try:
            response = self.http.get(path, params={k: v for k, v in params.items() if v})
        except httpx.HTTPError as error:
            raise MlflowError(f"cannot reach MLflow at {self.tracking_uri}: {error}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or not isinstance(body, dict):
            message = body.get("message") if isinstance(body, dict) else None
            raise MlflowError(
                f"MLflow answered HTTP {response.status_code} to {path}"
                + (f": {message}" if message else " (not MLflow's JSON: is this the tracking URI?)")
            )
        return body

    def _paged(self, path: str, key: str, **params) -> Iterator[dict]:
        token = None
        while True:
            body = self.get(path, max_results=PAGE, page_token=token, **params)
            yield from body.get(key, [])
            token = body.get("next_page_token")
            if not token:
                return

    # -- the registry -----------------------------------------------------------------------------
    def models(self, names: list[str] | None = None) -> list[MlflowModel]:
        """Registered models by name (``names``: only those; a missing one is an MlflowError)."""
        if names:
            found = [self.get("registered-models/get", name=n)["registered_model"] for n in names]
        else:
            found = list(self._paged("registered-models/search", "registered_models"))
        return sorted((self._model(m) for m in found), key=lambda m: m.name)

    @staticmethod
    def _model(raw: dict) -> MlflowModel:
        aliases = {}
        for alias in raw.get("aliases") or []:
            try:
                aliases[alias["alias"]] = int(alias["version"])
            except (KeyError, TypeError, ValueError):
                continue
        return MlflowModel(
            name=raw["name"],
            description=raw.get("description") or "",
            tags=as_dict(raw.get("tags")),
            aliases=aliases,
            created=from_millis(raw.get("creation_timestamp")),
        )

    def versions(self, model: MlflowModel) -> list[MlflowVersion]:
        """Every version of ``model``, oldest first, with the aliases pointing at it."""
        quoted = model.name.replace("'", "\\'")
        raw = self._paged("model-versions/search", "model_versions", filter=f"name='{quoted}'")
        versions = []
        for item in raw:
            number = int(item["version"])
            versions.append(
                MlflowVersion(
                    name=model.name,
                    version=number,
                    stage=item.get("current_stage") or "None",
                    source=item.get("source") or "",
                    run_id=item.get("run_id") or "",
                    description=item.get("description") or "",
                    tags=as_dict(item.get("tags")),
                    user_id=item.get("user_id") or "",
                    created=from_millis(item.get("creation_timestamp")),
                    aliases=sorted(a for a, v in model.aliases.items() if v == number),
                )
            )
        return sorted(versions, key=lambda v: v.version)

    # -- tracking ---------------------------------------------------------------------------------
    def run(self, run_id: str) -> dict:
        return self.get("runs/get", run_id=run_id)["run"]

    def metric_history(self, run_id: str, key: str) -> list[dict]:
        return list(self._paged("metrics/get-history", "metrics", run_id=run_id, metric_key=key))

    def experiment(self, experiment_id: str) -> dict:
        return self.get("experiments/get", experiment_id=experiment_id)["experiment"]
