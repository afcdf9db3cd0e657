"""``mlteam promote`` and ``mlteam promotions …``: request a promotion, then tick, approve,
reject or withdraw it, exactly as a gate owner would on the promotion page."""

import click

from mlteam.cli import output
from mlteam.cli.base import STAGES_HINT, Settings, json_option, pass_settings
from mlteam.client import Promotion


def show_promotion(s: Settings, promotion: Promotion, headline: str) -> None:
    if s.json:
        return output.emit_json(promotion.raw)
    click.echo(headline)
    if promotion.required_approvals > 1 or len(promotion.approvals) > 1:
        click.echo(approvals_line(promotion))
    output.table(
        [item.raw for item in promotion.checklist],
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


def approvals_line(p: Promotion) -> str:
    """ "1 of 2 approvals: alice (2026-05-01 10:00)"."""
    who = ", ".join(f"{a.approver} ({(a.at or '')[:16].replace('T', ' ')})" for a in p.approvals)
    return f"{p.approvals_label}: {who}" if who else f"{p.approvals_label} so far"


def describe(p: Promotion) -> str:
    return (
        f"#{p.id} {p.model} v{p.version} {p.from_stage} → "
        f"{p.to_stage}: {p.state} (signed by a holder of {p.responsible_role})"
    )


@click.command()
@click.argument("name")
@click.argument("version", type=int)
@click.option("--to", "to_stage", required=True, help=f"Target stage: {STAGES_HINT}.")
@click.option("--note", default="")
@json_option
@pass_settings
def promote(s: Settings, name, version, to_stage, note):
    """Request a promotion of NAME VERSION through the matching handoff gate."""
    body = s.api.promotion_request(name, version, to_stage=to_stage, note=note)
    show_promotion(s, body, "Requested " + describe(body))


@click.group()
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
    found = s.api.promotions(mine=mine, waiting=waiting, state=state, model=model, limit=limit)
    if s.json:
        return output.emit_json([p.raw for p in found])
    rows = [{**p.raw, "transition": f"{p.from_stage} → {p.to_stage}"} for p in found]
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
    body = s.api.promotion(promotion_id)
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
    body = s.api.promotion_check(promotion_id, item, evidence=evidence, ticked=not untick)
    show_promotion(
        s, body, f"{'Unsigned' if untick else 'Signed'} item {item} of " + describe(body)
    )


@promotions.command("approve")
@click.argument("promotion_id", type=int)
@click.option("--note", default="")
@json_option
@pass_settings
def promotions_approve(s: Settings, promotion_id, note):
    """Approve a request (gate owners): adds your approval; the last one the gate needs moves
    the version at once."""
    body = s.api.promotion_approve(promotion_id, note=note)
    if body.state == "pending":
        headline = f"Added your approval ({body.approvals_label}) to " + describe(body)
    else:
        headline = "Approved " + describe(body)
    show_promotion(s, body, headline)


@promotions.command("reject")
@click.argument("promotion_id", type=int)
@click.option("--reason", required=True, help="Why (required).")
@json_option
@pass_settings
def promotions_reject(s: Settings, promotion_id, reason):
    """Reject a request with a reason (gate owners)."""
    body = s.api.promotion_reject(promotion_id, reason=reason)
    show_promotion(s, body, "Rejected " + describe(body))


@promotions.command("withdraw")
@click.argument("promotion_id", type=int)
@click.option("--note", default="")
@json_option
@pass_settings
def promotions_withdraw(s: Settings, promotion_id, note):
    """Take back a request you made."""
    body = s.api.promotion_withdraw(promotion_id, note=note)
    show_promotion(s, body, "Withdrew " + describe(body))


# -- cards ----------------------------------------------------------------------------------------
