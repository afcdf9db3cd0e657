"""``mlteam webhooks …``: ML leads subscribe receivers to the event catalogue and read the
delivery log (deliveries are signed per Standard Webhooks)."""

import click

from mlteam.cli import output
from mlteam.cli.base import Settings, json_option, pass_settings

EVENTS_HINT = (
    "promotion.requested, promotion.approved, promotion.rejected, promotion.withdrawn, "
    "version.registered, version.stage_changed, eval.recorded, card.updated"
)


@click.group()
def webhooks():
    """Signed event deliveries to other systems (ML leads)."""


@webhooks.command("list")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
@json_option
@pass_settings
def webhooks_list(s: Settings, limit):
    """Every subscription."""
    rows = [w.raw for w in s.api.webhooks(limit=limit)]
    if s.json:
        return output.emit_json(rows)
    for row in rows:
        row["events"] = ", ".join(row["events"]) or "(every event)"
    output.table(
        rows,
        [
            ("id", "id"),
            ("active", "active"),
            ("url", "url"),
            ("events", "events"),
            ("failures", "consecutive_failures"),
        ],
        empty="(no webhook subscriptions)",
    )
    return None


@webhooks.command("create")
@click.argument("url")
@click.option(
    "--event", "events", multiple=True, help=f"Repeatable; default every event: {EVENTS_HINT}."
)
@click.option("--description", default="")
@json_option
@pass_settings
def webhooks_create(s: Settings, url, events, description):
    """Subscribe URL; prints the signing secret, which is shown only this once."""
    body = s.api.webhook_create(url, events=events, description=description).raw
    if s.json:
        return output.emit_json(body)
    click.echo(
        f"Subscribed #{body['id']} {body['url']} to {', '.join(body['events']) or 'every event'}."
    )
    click.echo(f"Signing secret (shown only now): {body['secret']}")
    return None


@webhooks.command("disable")
@click.argument("webhook_id", type=int)
@json_option
@pass_settings
def webhooks_disable(s: Settings, webhook_id):
    """Stop deliveries to a subscription (keep it and its log)."""
    _set_active(s, webhook_id, False)


@webhooks.command("enable")
@click.argument("webhook_id", type=int)
@json_option
@pass_settings
def webhooks_enable(s: Settings, webhook_id):
    """Resume deliveries (resets the failure count)."""
    _set_active(s, webhook_id, True)


def _set_active(s: Settings, webhook_id: int, active: bool) -> None:
    body = s.api.webhook_update(webhook_id, active=active).raw
    if s.json:
        output.emit_json(body)
        return
    click.echo(f"Webhook #{body['id']} is {'active' if body['active'] else 'inactive'}.")


@webhooks.command("delete")
@click.argument("webhook_id", type=int)
@pass_settings
def webhooks_delete(s: Settings, webhook_id):
    """Remove a subscription and its delivery log."""
    s.api.webhook_delete(webhook_id)
    click.echo(f"Deleted webhook #{webhook_id}.")


@webhooks.command("deliveries")
@click.argument("webhook_id", type=int)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@json_option
@pass_settings
def webhooks_deliveries(s: Settings, webhook_id, limit):
    """The delivery log of a subscription, newest first."""
    rows = [d.raw for d in s.api.webhook_deliveries(webhook_id, limit=limit)]
    if s.json:
        return output.emit_json(rows)
    for row in rows:
        last = row["log"][-1] if row["log"] else {}
        row["last"] = last.get("status_code") or last.get("error") or ""
    output.table(
        rows,
        [
            ("id", "id"),
            ("event", "event_type"),
            ("state", "state"),
            ("attempts", "attempts"),
            ("last", "last"),
            ("created", "created_at"),
        ],
        empty="(no deliveries yet)",
    )
    return None
