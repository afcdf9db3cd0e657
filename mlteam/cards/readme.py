"""Reading a README.md model card: YAML front matter and headed sections.

Pure parsing, no database: ``exchange.card_import_markdown`` maps the result onto a card.
"""

import re
from dataclasses import dataclass, field

import yaml

from mlteam.kernel.errors import InvalidInput

MAX_IMPORT_CHARS = 1_000_000
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
PLACEHOLDER = "[More Information Needed]"


@dataclass
class Block:
    """A heading and the lines under it, up to the next heading."""

    level: int
    title: str
    heading_line: str
    lines: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.lines).strip()

    def raw(self, shift: int = 0) -> list[str]:
        """The heading line (moved ``shift`` levels deeper) and the lines under it, verbatim."""
        heading = self.heading_line
        if shift:
            heading = f"{'#' * min(6, self.level + shift)} {self.title}"
        return [heading, *self.lines]


def normalise_text(text: str) -> str:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[dict | None, str]:
    """``(front matter or None, the rest)``; broken YAML is an InvalidInput naming the line."""
    if len(text) > MAX_IMPORT_CHARS:
        raise InvalidInput(
            "card_too_large", f"The card is {len(text):,} characters; at most 1,000,000 import."
        )
    lines = normalise_text(text).split("\n")
    if not lines or lines[0].strip() != "---":
        return None, "\n".join(lines)
    for end in range(1, len(lines)):
        # At the start of the line, as Hugging Face reads it: an indented "---" is a YAML value
        # wrapped onto its own line (a long license name), not the end of the front matter.
        if lines[end].rstrip() in {"---", "..."}:
            break
    else:
        raise InvalidInput(
            "invalid_front_matter",
            "The YAML front matter opened with '---' on the first line is never closed; add a "
            "closing '---' line after it. Nothing was imported.",
        )
    data = _load_yaml("\n".join(lines[1:end]))
    return data, "\n".join(lines[end + 1 :])


def _load_yaml(raw: str) -> dict:
    try:
        data = yaml.safe_load(raw) if raw.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # +2: the YAML starts on the file's second line, and marks count from zero.
        where = f" at line {mark.line + 2}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "it could not be parsed"
        raise InvalidInput(
            "invalid_front_matter",
            f"The YAML front matter is not valid{where}: {problem}. Fix it and import again; "
            "nothing was imported.",
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput(
            "invalid_front_matter",
            "The YAML front matter must be a mapping of keys (license:, tags:, model-index: …), "
            f"not a {type(data).__name__}. Nothing was imported.",
        )
    return data


def split_blocks(body: str) -> tuple[list[str], list[Block]]:
    """``(lines before the first heading, blocks)``; '#' lines inside code fences are text."""
    preamble: list[str] = []
    blocks: list[Block] = []
    fence: str | None = None
    for line in body.split("\n"):
        target = blocks[-1].lines if blocks else preamble
        opening = FENCE.match(line)
        if fence is not None:
            if opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence):
                fence = None
            target.append(line)
            continue
        if opening:
            fence = opening[1]
            target.append(line)
            continue
        heading = ATX_HEADING.match(line)
        if heading:
            blocks.append(Block(len(heading[1]), heading[2].strip(), heading_line=line))
        else:
            target.append(line)
    return preamble, blocks


def heading_key(title: str) -> str:
    """'Bias, Risks, and Limitations [optional]' → 'bias risks and limitations'."""
    title = re.sub(r"\[[^\]]*\]", " ", title.lower())
    title = re.sub(r"[^a-z0-9&]+", " ", title.replace("-", " "))
    return " ".join(title.split())


# "- **Funded by [optional]:**" once its placeholder is gone: a label with nothing after it.
EMPTY_LABEL = re.compile(r"^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)[^*_\n]+:?(?:\*\*|__)[ \t]*:?[ \t]*$")
# Sentences huggingface_hub's model card template writes into every card: advice to the author
# or a generic warning, never something written about this model.
BOILERPLATE = [
    "Users (both direct and downstream) should be made aware of the risks, biases and "
    "limitations of the model. More information needed for further recommendations.",
    "Use the code below to get started with the model.",
    "Carbon emissions can be estimated using the [Machine Learning Impact calculator]"
    "(https://mlco2.github.io/impact#compute) presented in [Lacoste et al. (2019)]"
    "(https://arxiv.org/abs/1910.09700).",
]


def strip_template_noise(text: str) -> str:
    """Hugging Face's card template leaves comments, placeholders, labels with nothing after
    them, boilerplate sentences and headings with nothing under them; none is content."""
    text = HTML_COMMENT.sub("", text).replace(PLACEHOLDER, "")
    for sentence in BOILERPLATE:
        text = text.replace(sentence, "")
    lines = [line for line in text.split("\n") if not EMPTY_LABEL.match(line)]
    text = "\n".join(drop_empty_headings(lines))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def drop_empty_headings(lines: list[str]) -> list[str]:
    """Lines without the headings that have nothing under them (before the next heading of the
    same or a higher level); '#' lines inside code fences are text."""
    headings: list[tuple[int, int]] = []  # (line index, level)
    fence = None
    for index, line in enumerate(lines):
        opening = FENCE.match(line)
        if fence is not None:
            if opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening[1]
        elif heading := ATX_HEADING.match(line):
            headings.append((index, len(heading[1])))
    empty = set()
    # From the last heading up: a heading is empty when only blank lines and empty deeper
    # headings stand between it and the next heading at its level or above.
    for position in range(len(headings) - 1, -1, -1):
        index, level = headings[position]
        end, has_text = len(lines), False
        for later, later_level in headings[position + 1 :]:
            if later_level <= level:
                end = later
                break
        deeper = {i for i, _ in headings[position + 1 :] if i < end}
        for i in range(index + 1, end):
            if i in deeper:
                if i not in empty:
                    has_text = True
                    break
            elif lines[i].strip():
                has_text = True
                break
        if not has_text:
            empty.add(index)
    return [line for i, line in enumerate(lines) if i not in empty]
