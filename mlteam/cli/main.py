"""``mlteam``: register versions, record eval results, request and sign off promotions, move
model cards and read the roster ratio from a shell or a pipeline.

Configuration: ``MLTEAM_URL`` (default http://127.0.0.1:8000) and ``MLTEAM_TOKEN`` (an API
token from the "API tokens" page or ``manage.py create_token USER``), or ``--url``/``--token``.
Exit codes: 0 success, 1 refused by the server (its message is printed), 2 usage error,
3 server unreachable or failing.
"""

import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import click

from . import output
from .client import Api, BadUsage

STAGES_HINT = "experimental, staging, production or deprecated"


@dataclass
class Settings:
    url: str = "http://127.0.0.1:8000"
    token: str | None = None
    json: bool = False
    _api: Api | None = None

    @property
    def api(self) -> Api:
        if not self.token:
            raise click.UsageError(
                "No API token: set MLTEAM_TOKEN or pass --token (create one on the API tokens page "
                "or with `manage.py create_token USER`)."
            )
        if self._api is None:
            self._api = Api(self.url, self.token)
            click.get_current_context().call_on_close(self._api.close)
        return self._api


pass_settings = click.make_pass_decorator(Settings, ensure=True)


def segment(name: str) -> str:
    """NAME as one path segment: a "/", "?" or "#" in it must not change the URL's shape."""
    return quote(name, safe="")


def json_option(command):
    def turn_on(ctx, param, value):
        if value:
            ctx.ensure_object(Settings).json = True

    return click.option(
        "--json", is_flag=True, expose_value=False, callback=turn_on, help="Print JSON for scripts."
    )(command)


@click.group()
@click.option(
    "--url",
    envvar="MLTEAM_URL",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Server URL (env MLTEAM_URL).",
)
@click.option("--token", envvar="MLTEAM_TOKEN", help="API token (env MLTEAM_TOKEN).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.version_option(package_name="mlteam")
@click.pass_context
def cli(ctx, url, token, as_json):
    """The ML team's registry, gates and cards from the command line."""
    ctx.obj = Settings(url=url, token=token, json=as_json)


# -- models ---------------------------------------------------------------------------------------
@cli.group()
def models():
    """List, create and register versions of models."""


@models.command("list")
@click.option("--team", help="Owning team's slug.")
@click.option("--task", help="e.g. text-classification.")
@click.option("--stage", help="Only models with a version in this stage.")
@click.option("--search", help="Words in the name or description.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@json_option
@pass_settings
def models_list(s: Settings, team, task, stage, search, limit):
    """Registered models (name order)."""
    rows = list(s.api.pages("models/", limit, team=team, task=task, stage=stage, q=search))
    if s.json:
        return output.emit_json(rows)
    output.table(
        rows,
        [
            ("name", "name"),
            ("team", "team"),
            ("task", "task"),
            ("latest", "latest_version"),
            ("production", "production_version"),
        ],
    )


@models.command("create")
@click.argument("name")
@click.option("--team", required=True, help="Owning team's slug.")
@click.option("--task", required=True, help="e.g. text-classification.")
@click.option("--description", default="")
@json_option
@pass_settings
def models_create(s: Settings, name, team, task, description):
    """Register a new model for a team you work in."""
    body = s.api.post(
        "models/", {"name": name, "team": team, "task": task, "description": description}
    )
    if s.json:
        return output.emit_json(body)
    click.echo(f"Created model {body['name']} ({body['team']}).")


@models.command("register")
@click.argument("name")
@click.option("--uri", default="", help="Where the artifact lives, e.g. s3://…/model.safetensors.")
@click.option("--run", type=int, help="Id of the training run that produced it.")
@click.option("--description", default="")
@json_option
@pass_settings
def models_register(s: Settings, name, uri, run, description):
    """Register the next version of NAME (it starts experimental, owned by you)."""
    body = {"artifact_uri": uri, "description": description}
    if run is not None:
        body["run"] = run
    version = s.api.post(f"models/{segment(name)}/versions/", body)
    if s.json:
        return output.emit_json(version)
    click.echo(f"Registered {version['model']} v{version['version']} ({version['status']}).")
    if version["card_missing_sections"]:
        click.echo("Its model card still misses: " + ", ".join(version["card_missing_sections"]))


@models.command("versions")
@click.argument("name")
@click.option("--status", help="Only versions in this stage.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@json_option
@pass_settings
def models_versions(s: Settings, name, status, limit):
    """NAME's versions, newest first."""
    rows = list(s.api.pages(f"models/{segment(name)}/versions/", limit, status=status))
    if s.json:
        return output.emit_json(rows)
    output.table(
        rows,
        [
            ("version", "version"),
            ("status", "status"),
            ("owner", "owner"),
            ("created", "created_at"),
            ("uri", "artifact_uri"),
        ],
    )


@models.command("production")
@click.argument("name")
@click.option("--at", help="ISO 8601 time (default: now).")
@json_option
@pass_settings
def models_production(s: Settings, name, at):
    """Which version of NAME was in production at a moment (from the audit history)."""
    body = s.api.get(f"models/{segment(name)}/production/", at=at)
    if s.json:
        return output.emit_json(body)
    version = body["version"]
    click.echo(
        f"{name} at {body['at']}: "
        + (f"v{version['version']}" if version else "nothing in production")
    )


# -- evals ----------------------------------------------------------------------------------------
@cli.group()
def evals():
    """Record eval results on the shared benchmarks."""


# ``ignore_unknown_options``: a negative VALUE (-0.5) is an argument, not an unknown option "-0".
@evals.command("record", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("version", type=int)
@click.argument("benchmark")
@click.argument("value")
@click.option("--run", type=int, help="Id of the run that measured it.")
@click.option("--note", default="")
@json_option
@pass_settings
def evals_record(s: Settings, name, version, benchmark, value, run, note):
    """Record VALUE of BENCHMARK for NAME VERSION (a finite number, may be negative; the server
    checks it)."""
    body = {"benchmark": benchmark, "value": value, "note": note}
    if run is not None:
        body["run"] = run
    result = s.api.post(f"models/{segment(name)}/versions/{version}/evals/", body)
    if s.json:
        return output.emit_json(result)
    click.echo(f"Recorded {result['benchmark']} = {result['value']:g} for {name} v{version}.")


# -- promotions -----------------------------------------------------------------------------------
def show_promotion(s: Settings, body: dict, headline: str) -> None:
    if s.json:
        return output.emit_json(body)
    click.echo(headline)
    output.table(
        body["checklist"],
        [
            ("item", "item"),
            ("kind", "kind"),
            ("ok", "satisfied"),
            ("statement", "statement"),
            ("evaluation", "explanation"),
        ],
        empty="(no checklist items)",
    )
    return None


def describe(body: dict) -> str:
    return (
        f"#{body['id']} {body['model']} v{body['version']} {body['from_stage']} → "
        f"{body['to_stage']}: {body['state']} (signed by a holder of {body['responsible_role']})"
    )


@cli.command()
@click.argument("name")
@click.argument("version", type=int)
@click.option("--to", "to_stage", required=True, help=f"Target stage: {STAGES_HINT}.")
@click.option("--note", default="")
@json_option
@pass_settings
def promote(s: Settings, name, version, to_stage, note):
    """Request a promotion of NAME VERSION through the matching handoff gate."""
    body = s.api.post(
        f"models/{segment(name)}/versions/{version}/promotions/",
        {"to_stage": to_stage, "note": note},
    )
    show_promotion(s, body, "Requested " + describe(body))


@cli.group()
def promotions():
    """Your inbox, checklists and sign-offs."""


@promotions.command("list")
@click.option("--mine", is_flag=True, help="Requests you made.")
@click.option("--waiting", is_flag=True, help="Pending requests waiting for your sign-off.")
@click.option("--state", help="pending, approved, rejected or withdrawn.")
@click.option("--model", help="Only this model.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@json_option
@pass_settings
def promotions_list(s: Settings, mine, waiting, state, model, limit):
    """Promotion requests, newest first."""
    if mine and waiting:
        raise click.UsageError("Use either --mine or --waiting, not both.")
    rows = list(
        s.api.pages(
            "promotions/",
            limit,
            mine=mine and "true",
            waiting=waiting and "true",
            state=state,
            model=model,
        )
    )
    if s.json:
        return output.emit_json(rows)
    for row in rows:
        row["transition"] = f"{row['from_stage']} → {row['to_stage']}"
    output.table(
        rows,
        [
            ("id", "id"),
            ("model", "model"),
            ("version", "version"),
            ("transition", "transition"),
            ("state", "state"),
            ("signed by", "responsible_role"),
            ("requested by", "requested_by"),
        ],
    )


@promotions.command("show")
@click.argument("promotion_id", type=int)
@json_option
@pass_settings
def promotions_show(s: Settings, promotion_id):
    """A request with its checklist evaluated."""
    body = s.api.get(f"promotions/{promotion_id}/")
    show_promotion(s, body, describe(body))


@promotions.command("check")
@click.argument("promotion_id", type=int)
@click.argument("item", type=int)
@click.option("--evidence", default="", help="A sentence or a link (required to tick).")
@click.option("--untick", is_flag=True, help="Remove your sign-off instead.")
@json_option
@pass_settings
def promotions_check(s: Settings, promotion_id, item, evidence, untick):
    """Sign manual checklist ITEM of a request, with evidence (gate owners)."""
    body = s.api.post(
        f"promotions/{promotion_id}/checks/{item}/", {"evidence": evidence, "ticked": not untick}
    )
    show_promotion(
        s, body, f"{'Unsigned' if untick else 'Signed'} item {item} of " + describe(body)
    )


@promotions.command("approve")
@click.argument("promotion_id", type=int)
@click.option("--note", default="")
@json_option
@pass_settings
def promotions_approve(s: Settings, promotion_id, note):
    """Approve a request: the version moves stage at once (gate owners)."""
    body = s.api.post(f"promotions/{promotion_id}/approve/", {"note": note})
    show_promotion(s, body, "Approved " + describe(body))


@promotions.command("reject")
@click.argument("promotion_id", type=int)
@click.option("--reason", required=True, help="Why (required).")
@json_option
@pass_settings
def promotions_reject(s: Settings, promotion_id, reason):
    """Reject a request with a reason (gate owners)."""
    body = s.api.post(f"promotions/{promotion_id}/reject/", {"reason": reason})
    show_promotion(s, body, "Rejected " + describe(body))


@promotions.command("withdraw")
@click.argument("promotion_id", type=int)
@click.option("--note", default="")
@json_option
@pass_settings
def promotions_withdraw(s: Settings, promotion_id, note):
    """Take back a request you made."""
    body = s.api.post(f"promotions/{promotion_id}/withdraw/", {"note": note})
    show_promotion(s, body, "Withdrew " + describe(body))


# -- cards ----------------------------------------------------------------------------------------
@cli.group()
def card():
    """Export and import model cards (Hugging Face README.md or JSON)."""


@card.command("export")
@click.argument("name")
@click.argument("version", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"]),
    help="md (Hugging Face README.md; the default) or json (the default with --json).",
)
@click.option(
    "--output",
    "-o",
    "target",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file (default: stdout).",
)
@json_option
@pass_settings
def card_export(s: Settings, name, version, fmt, target):
    """Write NAME VERSION's card as Markdown (with YAML front matter) or JSON."""
    if s.json and fmt == "md":
        raise click.UsageError("--json exports the card as JSON; drop --json or --format md.")
    fmt = fmt or ("json" if s.json else "md")
    response = s.api.request(
        "GET",
        f"models/{segment(name)}/versions/{version}/card/",
        params={"format": fmt},
        expect="text/markdown" if fmt == "md" else "application/json",
    )
    text = response.text if fmt == "md" else output.json_text(s.api.json(response)) + "\n"
    if target:
        try:
            Path(target).write_text(text, encoding="utf-8")
        except OSError as error:
            raise BadUsage(f"cannot write {target}: {error.strerror or error}.") from None
        click.echo(f"Wrote {target}.", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


@card.command("import")
@click.argument("name")
@click.argument("version", type=int)
@click.argument("file", type=click.File("rb"))
@json_option
@pass_settings
def card_import(s: Settings, name, version, file):
    """Import a Hugging Face README.md (FILE, or - for stdin) onto NAME VERSION's card."""
    raw = file.read()
    try:
        text = raw.decode("utf-8-sig")  # a byte order mark is not part of the card
    except UnicodeDecodeError as error:
        raise BadUsage(
            f"{file.name} is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset "
            f"{error.start}); save it as UTF-8 and import it again."
        ) from None
    response = s.api.request(
        "PUT",
        f"models/{segment(name)}/versions/{version}/card/",
        content=text.encode("utf-8"),
        headers={"Content-Type": "text/markdown; charset=utf-8"},
    )
    body = s.api.json(response)
    if s.json:
        return output.emit_json(body)
    changed = ", ".join(body["changed_sections"]) or "nothing"
    click.echo(f"Imported the card of {name} v{version}; changed: {changed}.")
    for note in body["import_notes"]:
        click.echo(f"  note: {note}")
    if body["missing_sections"]:
        click.echo("Still missing: " + ", ".join(body["missing_sections"]))
    return None


# -- roster ---------------------------------------------------------------------------------------
@cli.group()
def roster():
    """The research/production staffing ratio."""


@roster.command("ratio")
@click.option("--team", help="Only this team (slug).")
@click.option("--at", help="ISO 8601 time (default: now).")
@json_option
@pass_settings
def roster_ratio(s: Settings, team, at):
    """Research/production counts and share, per team and overall, against targets."""
    body = s.api.get("roster/ratio/", team=team, at=at)
    if s.json:
        return output.emit_json(body)
    rows = [*body["teams"], {**body["overall"], "team": "(overall)"}]
    for row in rows:
        row["share"] = output.share(row["research_share"])
        low, high = row["target_low"], row["target_high"]
        row["target"] = "-" if low is None else f"{output.share(low)} to {output.share(high)}"
    output.table(
        rows,
        [
            ("team", "team"),
            ("research", "research"),
            ("production", "production"),
            ("research share", "share"),
            ("target", "target"),
            ("status", "status"),
        ],
    )
    return None


@cli.group()
def members():
    """Who is on the roster."""


@members.command("list")
@click.option("--team", help="Team slug (primary or embedded).")
@click.option("--role", help="Role name, e.g. 'Evaluation Engineer'.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
@json_option
@pass_settings
def members_list(s: Settings, team, role, limit):
    """Active members with their role, team and orientation."""
    rows = list(s.api.pages("members/", limit, team=team, role=role, active="true"))
    if s.json:
        return output.emit_json(rows)
    output.table(
        rows,
        [
            ("username", "username"),
            ("name", "name"),
            ("role", "role"),
            ("team", "team"),
            ("orientation", "orientation"),
        ],
    )
    return None


def main() -> None:  # pragma: no cover - the console script calls ``cli`` directly
    cli(prog_name="mlteam")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
