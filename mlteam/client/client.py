"""``Client``: the mlteam REST API as Python calls with typed results.

Every method is one request (lists follow the cursor until ``limit``); a refusal raises an
``ApiError`` subclass with the server's ``code`` and ``detail``; nothing is retried.
"""

from collections.abc import Iterable, Mapping
from urllib.parse import quote

from . import types as t
from .http import JSON, MARKDOWN, Transport


def segment(name: str) -> str:
    """NAME as one path segment: a "/", "?" or "#" in it must not change the URL's shape."""
    return quote(str(name), safe="")


def _version_path(name: str, version: int) -> str:
    return f"models/{segment(name)}/versions/{int(version)}/"


class Client(Transport):
    """``Client(url="https://mlteam.example.com", token="mlt_…")``; use it as a context manager
    or call ``close()``."""

    # -- models and versions ----------------------------------------------------------------------
    def models(
        self,
        *,
        team: str | None = None,
        task: str | None = None,
        stage: str | None = None,
        search: str | None = None,
        limit: int = 50,
    ) -> list[t.Model]:
        """Registered models in name order (``stage``: only models with a version in it)."""
        rows = self.pages("models/", limit, team=team, task=task, stage=stage, q=search)
        return [t.Model.from_api(row) for row in rows]

    def model(self, name: str) -> t.Model:
        return t.Model.from_api(self.get(f"models/{segment(name)}/"))

    def model_create(self, name: str, *, team: str, task: str, description: str = "") -> t.Model:
        """Register a new model owned by ``team`` (a team you work in)."""
        body = {"name": name, "team": team, "task": task, "description": description}
        return t.Model.from_api(self.post("models/", body))

    def versions(self, name: str, *, status: str | None = None, limit: int = 50) -> list[t.Version]:
        """``name``'s versions, newest first."""
        rows = self.pages(f"models/{segment(name)}/versions/", limit, status=status)
        return [t.Version.from_api(row) for row in rows]

    def version(self, name: str, version: int) -> t.Version:
        """One version with its latest score per benchmark, pending request and next stages."""
        return t.Version.from_api(self.get(_version_path(name, version)))

    def version_register(
        self, name: str, *, artifact_uri: str = "", run: int | None = None, description: str = ""
    ) -> t.Version:
        """Register the next version of ``name``; it starts experimental, owned by you."""
        body: dict = {"artifact_uri": artifact_uri, "description": description}
        if run is not None:
            body["run"] = run
        return t.Version.from_api(self.post(f"models/{segment(name)}/versions/", body))

    def production(self, name: str, *, at: str | None = None) -> t.Production:
        """Which version of ``name`` was in production at ``at`` (ISO 8601; default now)."""
        return t.Production.from_api(self.get(f"models/{segment(name)}/production/", at=at))

    # -- evals ------------------------------------------------------------------------------------
    def evals(self, name: str, version: int, *, limit: int = 100) -> list[t.EvalResult]:
        rows = self.pages(_version_path(name, version) + "evals/", limit)
        return [t.EvalResult.from_api(row) for row in rows]

    def eval_record(
        self,
        name: str,
        version: int,
        *,
        benchmark: str,
        value: float | str,
        run: int | None = None,
        note: str = "",
    ) -> t.EvalResult:
        """Record ``value`` on a shared benchmark (the server checks it is a finite number)."""
        body: dict = {"benchmark": benchmark, "value": value, "note": note}
        if run is not None:
            body["run"] = run
        return t.EvalResult.from_api(self.post(_version_path(name, version) + "evals/", body))

    def benchmarks(self, *, limit: int = 500) -> list[t.Benchmark]:
        return [t.Benchmark.from_api(row) for row in self.pages("benchmarks/", limit)]

    # -- promotions -------------------------------------------------------------------------------
    def promotion_request(
        self, name: str, version: int, *, to_stage: str, note: str = ""
    ) -> t.Promotion:
        """Ask for ``name`` ``version`` to move to ``to_stage`` through the matching gate."""
        body = {"to_stage": to_stage, "note": note}
        return t.Promotion.from_api(self.post(_version_path(name, version) + "promotions/", body))

    def promotions(
        self,
        *,
        mine: bool = False,
        waiting: bool = False,
        state: str | None = None,
        model: str | None = None,
        limit: int = 50,
    ) -> list[t.Promotion]:
        """Requests newest first; ``waiting``: the ones waiting for your sign-off."""
        rows = self.pages(
            "promotions/",
            limit,
            mine=mine and "true",
            waiting=waiting and "true",
            state=state,
            model=model,
        )
        return [t.Promotion.from_api(row) for row in rows]

    def promotion(self, promotion_id: int) -> t.Promotion:
        """One request with its checklist evaluated."""
        return t.Promotion.from_api(self.get(f"promotions/{int(promotion_id)}/"))

    def promotion_check(
        self, promotion_id: int, item: int, *, evidence: str = "", ticked: bool = True
    ) -> t.Promotion:
        """Sign (``ticked=False``: un-sign) manual checklist ``item`` with evidence."""
        body = {"evidence": evidence, "ticked": ticked}
        path = f"promotions/{int(promotion_id)}/checks/{int(item)}/"
        return t.Promotion.from_api(self.post(path, body))

    def promotion_approve(self, promotion_id: int, *, note: str = "") -> t.Promotion:
        """Add your approval; the last one the gate needs (``required_approvals``) approves the
        request and moves the version at once. Answers the request as it now stands."""
        path = f"promotions/{int(promotion_id)}/approve/"
        return t.Promotion.from_api(self.post(path, {"note": note}))

    def promotion_reject(self, promotion_id: int, *, reason: str) -> t.Promotion:
        path = f"promotions/{int(promotion_id)}/reject/"
        return t.Promotion.from_api(self.post(path, {"reason": reason}))

    def promotion_withdraw(self, promotion_id: int, *, note: str = "") -> t.Promotion:
        path = f"promotions/{int(promotion_id)}/withdraw/"
        return t.Promotion.from_api(self.post(path, {"note": note}))

    # -- cards ------------------------------------------------------------------------------------
    def card(self, name: str, version: int) -> t.Card:
        """The card as structured data (sections, metadata, latest eval results)."""
        response = self.request(
            "GET", _version_path(name, version) + "card/", params={"format": "json"}, expect=JSON
        )
        return t.Card.from_api(self.json(response))

    def card_markdown(self, name: str, version: int) -> str:
        """The card as a Hugging Face README.md."""
        response = self.request(
            "GET", _version_path(name, version) + "card/", params={"format": "md"}, expect=MARKDOWN
        )
        return response.text

    def card_import(
        self, name: str, version: int, markdown: str, *, keep_missing: bool = False
    ) -> t.Card:
        """Import a README.md onto the card; ``keep_missing``: sections the file lacks keep their
        text (by default a full import empties them)."""
        response = self.request(
            "PUT",
            _version_path(name, version) + "card/",
            params={"keep_missing": "true"} if keep_missing else None,
            content=markdown.encode("utf-8"),
            headers={"Content-Type": "text/markdown; charset=utf-8"},
        )
        return t.Card.from_api(self.json(response))

    def card_update(self, name: str, version: int, **sections: str | list[str]) -> t.Card:
        """Change some sections, e.g. ``card_update("intent", 3, summary="…")``."""
        response = self.request("PATCH", _version_path(name, version) + "card/", json=sections)
        return t.Card.from_api(self.json(response))

    # -- roster -----------------------------------------------------------------------------------
    def roster_ratio(self, *, team: str | None = None, at: str | None = None) -> t.Ratio:
        """Research/production counts and share, per team and overall, against targets."""
        return t.Ratio.from_api(self.get("roster/ratio/", team=team, at=at))

    def members(
        self,
        *,
        team: str | None = None,
        role: str | None = None,
        active: bool = True,
        limit: int = 100,
    ) -> list[t.Member]:
        rows = self.pages("members/", limit, team=team, role=role, active=active and "true")
        return [t.Member.from_api(row) for row in rows]

    def teams(self, *, limit: int = 500) -> list[t.Team]:
        return [t.Team.from_api(row) for row in self.pages("teams/", limit)]

    # -- experiment tracking ----------------------------------------------------------------------
    def experiment_create(
        self, name: str, *, team: str, hypothesis: str = "", description: str = ""
    ) -> t.Experiment:
        body = {"name": name, "team": team, "hypothesis": hypothesis, "description": description}
        return t.Experiment.from_api(self.post("experiments/", body))

    def experiments(self, *, limit: int = 100, **filters: str) -> list[t.Experiment]:
        return [t.Experiment.from_api(row) for row in self.pages("experiments/", limit, **filters)]

    def run_start(
        self,
        experiment_id: int,
        name: str,
        *,
        params: Mapping | None = None,
        tags: Iterable[str] = (),
        git_commit: str = "",
        notes: str = "",
    ) -> t.Run:
        """Start a run (status running) in an experiment."""
        body = {
            "name": name,
            "params": dict(params or {}),
            "tags": list(tags),
            "git_commit": git_commit,
            "notes": notes,
        }
        return t.Run.from_api(self.post(f"experiments/{int(experiment_id)}/runs/", body))

    def run_log(
        self, run_id: int, key: str, points: Iterable[tuple[int, float]]
    ) -> list[t.MetricPoint]:
        """Log ``(step, value)`` points of metric ``key``."""
        body = {"key": key, "points": [{"step": s, "value": v} for s, v in points]}
        answer = self.post(f"runs/{int(run_id)}/metrics/", body)
        return [t.MetricPoint.from_api(p) for p in answer.get("logged", [])]

    def run_finish(self, run_id: int, *, status: str = "finished") -> t.Run:
        """Mark a running run finished, failed or killed."""
        return t.Run.from_api(self.post(f"runs/{int(run_id)}/finish/", {"status": status}))

    def run(self, run_id: int) -> t.Run:
        return t.Run.from_api(self.get(f"runs/{int(run_id)}/"))

    # -- webhooks (ML leads) ----------------------------------------------------------------------
    def webhooks(self, *, limit: int = 100) -> list[t.Webhook]:
        return [t.Webhook.from_api(row) for row in self.pages("webhooks/", limit)]

    def webhook_create(
        self, url: str, *, events: Iterable[str] = (), description: str = ""
    ) -> t.Webhook:
        """Subscribe ``url``; the result's ``secret`` (for verifying signatures) is shown once."""
        body = {"url": url, "events": list(events), "description": description}
        return t.Webhook.from_api(self.post("webhooks/", body))

    def webhook_update(self, webhook_id: int, **changes) -> t.Webhook:
        """Change ``active``, ``events``, ``url`` or ``description``."""
        response = self.request("PATCH", f"webhooks/{int(webhook_id)}/", json=changes)
        return t.Webhook.from_api(self.json(response))

    def webhook_delete(self, webhook_id: int) -> None:
        self.request("DELETE", f"webhooks/{int(webhook_id)}/", expect="")

    def webhook_deliveries(self, webhook_id: int, *, limit: int = 50) -> list[t.WebhookDelivery]:
        rows = self.pages(f"webhooks/{int(webhook_id)}/deliveries/", limit)
        return [t.WebhookDelivery.from_api(row) for row in rows]
