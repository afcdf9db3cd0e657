"""``mlteam``: register versions, record eval results, request and sign off promotions, move
model cards and read the roster ratio from a shell or a pipeline.

Configuration: ``MLTEAM_URL`` (default http://127.0.0.1:8000) and ``MLTEAM_TOKEN`` (an API
token from the "API tokens" page or ``manage.py create_token USER``), or ``--url``/``--token``.
Exit codes: 0 success, 1 refused by the server (its message is printed), 2 usage error,
3 server unreachable or failing.
"""

import math
import sys

import click

from mlteam.cli import cards, checks, output, promotions, webhooks
from mlteam.cli.base import Settings, json_option, pass_settings
from mlteam.cli.client import ClientErrors


@click.group(cls=ClientErrors)
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
    rows = [
        m.raw for m in s.api.models(team=team, task=task, stage=stage, search=search, limit=limit)
    ]
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
    model = s.api.model_create(name, team=team, task=task, description=description)
    if s.json:
        return output.emit_json(model.raw)
    click.echo(f"Created model {model.name} ({model.team}).")


@models.command("register")
@click.argument("name")
@click.option("--uri", default="", help="Where the artifact lives, e.g. s3://…/model.safetensors.")
@click.option("--run", type=int, help="Id of the training run that produced it.")
@click.option("--description", default="")
@json_option
@pass_settings
def models_register(s: Settings, name, uri, run, description):
    """Register the next version of NAME (it starts experimental, owned by you)."""
    version = s.api.version_register(name, artifact_uri=uri, run=run, description=description)
    if s.json:
        return output.emit_json(version.raw)
    click.echo(f"Registered {version.model} v{version.version} ({version.status}).")
    if version.card_missing_sections:
        click.echo("Its model card still misses: " + ", ".join(version.card_missing_sections))


@models.command("versions")
@click.argument("name")
@click.option("--status", help="Only versions in this stage.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@json_option
@pass_settings
def models_versions(s: Settings, name, status, limit):
    """NAME's versions, newest first."""
    rows = [v.raw for v in s.api.versions(name, status=status, limit=limit)]
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
    production = s.api.production(name, at=at)
    if s.json:
        return output.emit_json(production.raw)
    version = production.version
    click.echo(
        f"{name} at {production.at}: "
        + (f"v{version.version}" if version else "nothing in production")
    )


# -- evals ----------------------------------------------------------------------------------------
@cli.group()
def evals():
    """Record eval results on the shared benchmarks."""


def _typed_number(text: str) -> float | str:
    """What was typed, as the JSON number the API takes; text that is no number is sent as it
    is, so the server's refusal ("send a number") is what the user reads."""
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):  # JSON has no NaN or infinity to send
        raise click.ClickException(
            f"{text} is not a finite number; NaN and infinity cannot be recorded."
        )
    return number


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
    result = s.api.eval_record(
        name, version, benchmark=benchmark, value=_typed_number(value), run=run, note=note
    )
    if s.json:
        return output.emit_json(result.raw)
    click.echo(f"Recorded {result.benchmark} = {result.value:g} for {name} v{version}.")


# -- promotions -----------------------------------------------------------------------------------
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
    ratio = s.api.roster_ratio(team=team, at=at)
    if s.json:
        return output.emit_json(ratio.raw)
    rows = [*(dict(r.raw) for r in ratio.teams), {**ratio.overall.raw, "team": "(overall)"}]
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
    rows = [m.raw for m in s.api.members(team=team, role=role, limit=limit)]
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


cli.add_command(promotions.promote)
cli.add_command(promotions.promotions)
cli.add_command(cards.card)
cli.add_command(webhooks.webhooks)
cli.add_command(checks.checks)


def main() -> None:  # pragma: no cover - the console script calls ``cli`` directly
    cli(prog_name="mlteam")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
