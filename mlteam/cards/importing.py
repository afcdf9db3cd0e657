"""Turning a README.md model card into changes of our card sections (pure: no database).

Two kinds of file arrive. Our own export (its front matter has an ``mlteam`` key) writes an
invisible marker line, ``<!-- mlteam:section summary -->``, before each section's ``##`` heading;
it replaces the whole card, and the text between two markers is the section verbatim, whatever
headings, code fences or "---" lines it holds, so it reads back exactly. Lines of a section that
could be taken for a marker (they begin with ``<!-- mlteam:``) are written with one more leading
backslash and read back without it. A code fence a section leaves open is closed after it, with a
marker saying so, so that the rest of the file still renders as headed sections; the import takes
that closing fence away again. (Our exports older than the markers are read by their headings.)

A card written elsewhere (Hugging Face's template, Model Card Toolkit…) has its headings mapped
onto our sections through ``ALIASES``; what matches none of ours is kept in "Additional
information" rather than dropped. The template's comments, placeholders, empty labels and
boilerplate sentences are not content, so a section holding only them counts as not written. The
front-matter keys we have no section for (``base_model``, ``datasets``, ``language``,
``library_name``, ``metrics``, ``license_link``, ``pipeline_tag``…) become the card's metadata.

Either kind of file replaces the whole card: sections it lacks are emptied, unless the import
keeps them (``keep_missing``).
"""

import re
from dataclasses import dataclass, field

from mlteam.cards.enums import RiskRating
from mlteam.cards.models import OPTIONAL_SECTIONS, REQUIRED_SECTIONS
from mlteam.cards.readme import (
    ATX_HEADING,
    heading_key,
    split_blocks,
    split_front_matter,
    strip_template_noise,
)
from mlteam.kernel.errors import InvalidInput

MARKER = "mlteam"
EVAL_HEADING = "Evaluation results"
EVAL_KEY = "evaluation_results"  # the marker name of the generated (never imported) results table
SECTIONS = REQUIRED_SECTIONS + OPTIONAL_SECTIONS
SECTION_FIELDS = [name for name, _ in SECTIONS]
HEADING_OF = dict(SECTIONS)
FIELD_OF_HEADING = {heading_key(heading): name for name, heading in SECTIONS}
ONE_LINE = {"license": 120, "contact": 255}
# "**Risk rating:** Medium", "Risk rating: high." … wherever it stands in the text.
RISK_ANY = re.compile(
    r"(?:\*\*|__)?Risk[ \t]+rating(?:[ \t]*:[ \t]*(?:\*\*|__)|(?:\*\*|__)[ \t]*:|[ \t]*:)[ \t]*"
    r"(?:\*\*|__)?(Low|Medium|High|Not[ \t]+rated)(?:\*\*|__)?\b\.?",
    re.IGNORECASE,
)
RISK_PREFIX = "**Risk rating:**"
# Our export's invisible markers, and section lines that only look like one (escaped with "\").
SECTION_MARK = re.compile(r"^<!-- mlteam:section ([a-z_]+) -->$")
FENCE_CLOSED = "<!-- mlteam:fence-closed -->"
LOOKS_LIKE_MARK = re.compile(r"^\\*<!-- mlteam:")
ESCAPED_MARK = re.compile(r"^\\(\\*<!-- mlteam:)")
FENCE_OPENING = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
FENCE_CLOSING = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
# Front-matter keys that feed sections; every other key is card metadata.
KNOWN_KEYS = {"license", "license_name", "tags", "model-index", MARKER}

ALIASES = {
    "summary": ["summary", "model summary", "model details", "model description", "overview"],
    "architecture": ["architecture", "model architecture", "model architecture and objective"],
    "training_data": ["training data", "training dataset", "datasets", "dataset"],
    "intended_uses": [
        "intended uses",
        "intended use",
        "uses",
        "direct use",
        "recommended uses",
        "intended uses & limitations",
        "use cases",
    ],
    "out_of_scope_uses": ["out of scope uses", "out of scope use", "misuse and out of scope use"],
    "failure_modes": ["known failure modes", "failure modes", "known issues"],
    "limitations_and_risks": [
        "limitations and risks",
        "bias risks and limitations",
        "limitations",
        "risks and limitations",
        "risks",
        "bias and limitations",
    ],
    "ethical_considerations": ["ethical considerations", "ethics", "ethical concerns"],
    "license": ["license", "licence", "licensing"],
    "contact": ["contact", "model card contact", "contact information"],
    "additional_information": ["additional information", "more information"],
}
FOREIGN_FIELD_OF = {alias: name for name, aliases in ALIASES.items() for alias in aliases}


@dataclass
class ImportPlan:
    """What an import changes, and what it could not take over (shown to the person)."""

    source: str
    changes: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # sections the file does not have


@dataclass
class _Piece:
    """Consecutive blocks bound for one destination: a section, the introduction or "extra"."""

    target: str
    level: int
    shift: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return strip_template_noise("\n".join(self.lines))


def risk_from(text: str) -> tuple[str | None, str]:
    """Take "Risk rating: High" out of a foreign card's limitations, wherever it stands (its
    own line, the end of a paragraph, bold or not).

    Only a rating we know (Low, Medium, High, Not rated) is taken; any other label ("Not
    assessed") leaves the text as it is and the rating unset.
    """
    match = RISK_ANY.search(text)
    if match is None:
        return None, text
    label = " ".join(match[1].lower().split())
    rating = next(value for value, name in RiskRating.choices if label in {name.lower(), value})
    rest = text[: match.start()].rstrip(" \t") + " " + text[match.end() :].lstrip(" \t")
    rest = re.sub(r" *\n *", "\n", rest)
    return rating, re.sub(r"\n{3,}", "\n\n", rest).strip()


def _without_risk_line(text: str, rating: str) -> str:
    """Take away the "**Risk rating:** …" line our export put first, which it does only when the
    card has a rating: without one, a section that begins with such a line keeps it."""
    if not rating:
        return text
    first, _, rest = text.partition("\n")
    return rest.strip() if first.startswith(RISK_PREFIX) else text


def section_marker(name: str) -> str:
    """The invisible line our export writes before a section's ``##`` heading."""
    return f"<!-- mlteam:section {name} -->"


def _open_fence(lines: list[str]) -> str | None:
    """The closing line for a code fence ``lines`` leave open (CommonMark rules), or None."""
    fence = None
    for line in lines:
        if fence is None:
            opening = FENCE_OPENING.match(line)
            if opening and not (opening[2][0] == "`" and "`" in opening[3]):
                fence = opening[1] + opening[2]
        else:
            closing = FENCE_CLOSING.match(line)
            run = fence.lstrip(" ")
            if closing and closing[1][0] == run[0] and len(closing[1]) >= len(run):
                fence = None
    return fence


def encode_section(text: str) -> str:
    """A section's text as our export writes it under its heading (``decode_section`` undoes it)."""
    lines = ["\\" + line if LOOKS_LIKE_MARK.match(line) else line for line in text.split("\n")]
    fence = _open_fence(lines)
    if fence:
        lines += [fence, FENCE_CLOSED]
    return "\n".join(lines)


def decode_section(lines: list[str]) -> str:
    """The lines after a section marker (its heading, then its text) back to the section text."""
    if lines and (heading := ATX_HEADING.match(lines[0])) and len(heading[1]) == 2:
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if len(lines) >= 2 and lines[-1] == FENCE_CLOSED and FENCE_CLOSING.match(lines[-2]):
        lines = lines[:-2]
    return "\n".join(ESCAPED_MARK.sub(r"\1", line) for line in lines).strip()


def _read_front_matter(meta: dict, plan: ImportPlan, *, ours: bool) -> None:
    if not ours and ("license_name" in meta or "license" in meta):
        value = meta.get("license_name") or meta.get("license") or ""
        if not isinstance(value, str):
            raise InvalidInput("invalid_front_matter", "license in the front matter must be text.")
        plan.changes["license"] = value
    if "tags" in meta:
        tags = meta["tags"] or []
        plan.changes["tags"] = [tags] if isinstance(tags, str) else tags
    if not ours and meta.get("model-index"):
        plan.notes.append(
            "Scores in model-index were not imported: the card shows the results recorded on the "
            "shared benchmarks (record them through the eval framework)."
        )


def _marked_sections(body: str) -> dict[str, str]:
    """Our export: the text between one section marker and the next, verbatim."""
    found: dict[str, list[str]] = {}
    current = None
    for line in body.split("\n"):
        mark = SECTION_MARK.match(line)
        if mark and (mark[1] in HEADING_OF or mark[1] == EVAL_KEY):
            current = found[mark[1]] = []
        elif current is not None:
            current.append(line)
    found.pop(EVAL_KEY, None)  # generated from the recorded results; never read back
    return {name: decode_section(lines) for name, lines in found.items()}


def _headed_sections(body: str) -> dict[str, str]:
    """Our exports from before the section markers: one ``##`` heading per section."""
    collected: dict[str, list[str]] = {}
    current = None
    for block in split_blocks(body)[1]:
        key = heading_key(block.title)
        if block.level == 2 and key == heading_key(EVAL_HEADING):
            current = None  # generated from the recorded results; never read back
        elif block.level == 2 and key in FIELD_OF_HEADING:
            current = FIELD_OF_HEADING[key]
            collected[current] = list(block.lines)
        elif current:  # any other heading written inside a section belongs to it, verbatim
            collected[current] += block.raw()
    return {name: "\n".join(lines).strip() for name, lines in collected.items()}


def _plan_ours(meta: dict, body: str) -> ImportPlan:
    texts = _marked_sections(body) or _headed_sections(body)
    changes = {name: texts.get(name, "") for name in SECTION_FIELDS}
    rating = meta[MARKER].get("risk_rating") or ""
    changes["limitations_and_risks"] = _without_risk_line(changes["limitations_and_risks"], rating)
    changes["risk_rating"] = rating
    changes["tags"] = []
    keys = meta[MARKER].get("metadata") or []
    changes["metadata"] = {k: meta[k] for k in keys if isinstance(k, str) and k in meta}
    plan = ImportPlan(source="mlteam", changes=changes)
    _read_front_matter(meta, plan, ours=True)
    return plan


def _pieces(body: str) -> list[_Piece]:
    preamble, blocks = split_blocks(body)
    pieces = [_Piece("intro", 1, lines=preamble)]
    for block in blocks:
        name = FOREIGN_FIELD_OF.get(heading_key(block.title)) if block.level <= 3 else None
        current = pieces[-1]
        if name:
            pieces.append(_Piece(name, block.level, lines=list(block.lines)))
        elif current.target != "intro" and block.level > current.level:
            current.lines += block.raw(current.shift)
        elif block.level == 1:  # the title: what follows it introduces the model
            pieces.append(_Piece("intro", 1, lines=list(block.lines)))
        else:
            shift = max(0, 3 - block.level)
            pieces.append(_Piece("extra", block.level, shift, lines=block.raw(shift)))
    return pieces


def _has_content(piece: _Piece) -> bool:
    if piece.target != "extra":
        return bool(piece.text)
    lines = piece.text.split("\n")
    return any(line.strip() and not line.lstrip().startswith("#") for line in lines)


def _plan_foreign(meta: dict, body: str) -> ImportPlan:
    plan = ImportPlan(source="huggingface")
    _read_front_matter(meta, plan, ours=False)
    found: dict[str, list[str]] = {}
    intro: list[str] = []
    extra: list[str] = []
    for piece in filter(_has_content, _pieces(body)):
        if piece.target == "intro":
            intro.append(piece.text)
        elif piece.target == "extra":
            extra.append(piece.text)
        else:
            found.setdefault(piece.target, []).append(piece.text)
    for name, texts in found.items():
        _take_section(plan, name, "\n\n".join(texts), extra)
    if intro:  # the text under the title is the quick summary; a description follows it
        summary = [*intro, plan.changes.get("summary", "")]
        plan.changes["summary"] = "\n\n".join(t for t in summary if t)
    others = {key: value for key, value in meta.items() if key not in KNOWN_KEYS}
    if others:
        plan.changes["metadata"] = others
    if extra:
        plan.changes["additional_information"] = "\n\n".join(extra)
    return plan


def _take_section(plan: ImportPlan, name: str, text: str, extra: list[str]) -> None:
    heading = HEADING_OF[name]
    if name == "additional_information":
        extra.insert(0, text)
        return
    if name in ONE_LINE:
        fits = "\n" not in text and len(text) <= ONE_LINE[name]
        differs = name in plan.changes and plan.changes[name] != text
        if not fits or differs:
            extra.append(f"### {heading}\n\n{text}")
            if not fits:
                plan.notes.append(
                    f"{heading} did not fit on one line; it is kept in Additional information."
                )
            return
    if name == "limitations_and_risks":
        rating, text = risk_from(text)
        plan.changes["risk_rating"] = rating or ""
    plan.changes[name] = text


def card_import_plan(
    text: str, *, keep_missing: bool = False, metadata: dict | None = None
) -> ImportPlan:
    """Parse a README.md card into section changes; InvalidInput when nothing usable is in it.

    The changes cover the whole card (sections the file lacks become empty, its metadata
    replaces the card's) unless ``keep_missing``: then only what the file has changes, and
    its metadata keys are added to ``metadata`` (the card's current metadata).
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("empty_card", "The file is empty; choose a README.md model card.")
    if "\x00" in text:
        raise InvalidInput(
            "invalid_card",
            "The file contains NUL characters (\\x00), so it is not a text README.md; remove "
            "them and import again. Nothing was imported.",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            "invalid_card",
            "The file contains characters that are not valid Unicode (lone surrogates); save it "
            "as UTF-8 and import again. Nothing was imported.",
        ) from None
    meta, body = split_front_matter(text)
    meta = meta or {}
    plan = (
        _plan_ours(meta, body) if isinstance(meta.get(MARKER), dict) else _plan_foreign(meta, body)
    )
    if plan.source != "mlteam" and not plan.changes:
        raise InvalidInput(
            "nothing_to_import",
            "No part of this file matches a model card section (Summary, Training data, Intended "
            "uses…); nothing was imported.",
        )
    found = {name for name, value in plan.changes.items() if value not in ("", [], {})}
    plan.missing = [name for name in SECTION_FIELDS if name not in found]
    if keep_missing:
        rated = "limitations_and_risks" in found or plan.changes.get("risk_rating")
        plan.changes = {
            k: v for k, v in plan.changes.items() if k in found or (k == "risk_rating" and rated)
        }
        if "metadata" in plan.changes:
            plan.changes["metadata"] = {**(metadata or {}), **plan.changes["metadata"]}
        return plan
    for name in SECTION_FIELDS:
        plan.changes.setdefault(name, "")
    plan.changes.setdefault("risk_rating", "")
    plan.changes.setdefault("tags", [])
    plan.changes.setdefault("metadata", {})
    return plan
