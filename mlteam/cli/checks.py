"""``mlteam checks``: the organisation checks, for a person or a pipeline gate (``--fail-on``)."""

import click

from mlteam.cli import output
from mlteam.cli.base import Settings, json_option, pass_settings

LEVELS = ["high", "medium", "low"]
EXIT_FINDINGS = 1


@click.command("checks")
@click.option("--severity", type=click.Choice(LEVELS), help="Only this level and above.")
@click.option("--code", help="Only one check, e.g. gate_owner_gap.")
@click.option("--team", help="Only findings about this team (slug).")
@click.option(
    "--fail-on",
    type=click.Choice(LEVELS),
    help="Exit 1 when a finding at or above this level exists (a pipeline gate).",
)
@json_option
@pass_settings
def checks(s: Settings, severity, code, team, fail_on):
    """Where the organisation breaks the lesson's practices, most severe first.

    Exit codes: 0 (no finding at or above --fail-on, or no --fail-on), 1 (such a finding
    exists, or the server refused), 2 usage, 3 server unreachable.
    """
    body = s.api.get("checks/", severity=severity, code=code, team=team)
    findings = body["findings"]
    if s.json:
        output.emit_json(findings)
    elif findings:
        output.table(
            findings,
            [
                ("severity", "severity"),
                ("code", "code"),
                ("subject", "subject"),
                ("team", "team"),
                ("message", "message"),
            ],
        )
    else:
        click.echo("No findings.")
    if fail_on:
        worst = LEVELS.index(fail_on)
        failing = [f for f in findings if LEVELS.index(f["severity"]) <= worst]
        if failing:
            if not s.json:
                click.echo(f"mlteam: {len(failing)} finding(s) at or above {fail_on}.", err=True)
            raise SystemExit(EXIT_FINDINGS)
