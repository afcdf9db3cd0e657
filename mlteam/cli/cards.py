"""``mlteam card export|import``: move a version's model card as a Hugging Face README.md or
JSON."""

from pathlib import Path

import click

from mlteam.cli import output
from mlteam.cli.base import Settings, json_option, pass_settings
from mlteam.cli.client import BadUsage


@click.group()
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
    if fmt == "md":
        text = s.api.card_markdown(name, version)
    else:
        text = output.json_text(s.api.card(name, version).raw) + "\n"
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
@click.option(
    "--keep-missing",
    is_flag=True,
    help="Sections the file lacks keep their text (by default the import replaces the whole card).",
)
@json_option
@pass_settings
def card_import(s: Settings, name, version, file, keep_missing):
    """Import a Hugging Face README.md (FILE, or - for stdin) onto NAME VERSION's card."""
    raw = file.read()
    try:
        text = raw.decode("utf-8-sig")  # a byte order mark is not part of the card
    except UnicodeDecodeError as error:
        raise BadUsage(
            f"{file.name} is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset "
            f"{error.start}); save it as UTF-8 and import it again."
        ) from None
    card = s.api.card_import(name, version, text, keep_missing=keep_missing)
    if s.json:
        return output.emit_json(card.raw)
    changed = ", ".join(card.changed_sections) or "nothing"
    click.echo(f"Imported the card of {name} v{version}; changed: {changed}.")
    for note in card.import_notes:
        click.echo(f"  note: {note}")
    if card.missing_sections:
        click.echo("Still missing: " + ", ".join(card.missing_sections))
    return None


# -- roster ---------------------------------------------------------------------------------------
