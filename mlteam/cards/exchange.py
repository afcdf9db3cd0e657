"""Model cards in and out: Hugging Face README.md (YAML front matter + sections) and JSON.

The Markdown export carries Hugging Face's ``model-index`` with the artifact's latest recorded
eval results as ``results[].metrics[]``, plus ``license`` and ``tags``, and an ``mlteam`` key
that marks the file as ours; each section's ``##`` heading follows an invisible
``<!-- mlteam:section name -->`` line (see ``importing``). Importing our own export is exact
(export → import → export gives the same text, whatever the sections hold); importing a card
written elsewhere maps its headings onto our sections and keeps the rest in "Additional
information". Scores are never imported: they come from recorded results.
"""

import re
from dataclasses import dataclass, field

import yaml
from django.db import transaction
from django.utils.text import slugify

from mlteam.cards.enums import RiskRating
from mlteam.cards.importing import (
    EVAL_HEADING,
    EVAL_KEY,
    MARKER,
    card_import_plan,
    encode_section,
    section_marker,
)
from mlteam.cards.models import OPTIONAL_SECTIONS, REQUIRED_SECTIONS, ModelCard
from mlteam.cards.services import SECTION_FIELDS, card_clean_changes, card_require_editor
from mlteam.evals.selectors import latest_results_by_benchmark
from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction
from mlteam.roster.models import MLTeamMember

SECTIONS = REQUIRED_SECTIONS + OPTIONAL_SECTIONS
HEADING_OF = dict(SECTIONS)
LICENSE_ID = re.compile(r"[a-z0-9][a-z0-9.+-]*")


# -- export --------------------------------------------------------------------------------------
def _latest_results(card: ModelCard) -> list:
    latest = latest_results_by_benchmark(card.artifact)
    return sorted(latest.values(), key=lambda r: r.benchmark.slug)


def _license_fields(text: str) -> dict:
    if not text:
        return {}
    if LICENSE_ID.fullmatch(text):
        return {"license": text}
    return {"license": "other", "license_name": text}


def _model_index(card: ModelCard, results: list) -> list[dict]:
    model = card.artifact.model
    entries = []
    for result in results:
        bench = result.benchmark
        dataset = {"type": bench.slug, "name": bench.name}
        if bench.dataset_version:
            dataset["revision"] = bench.dataset_version
        name = f"{bench.metric} ({bench.unit})" if bench.unit else bench.metric
        metric = {"type": slugify(bench.metric) or bench.slug, "name": name, "value": result.value}
        entries.append({"task": {"type": model.task}, "dataset": dataset, "metrics": [metric]})
    return [{"name": model.name, "results": entries}]


def _front_matter(card: ModelCard, results: list) -> dict:
    artifact = card.artifact
    meta = _license_fields(card.license)
    if card.tags:
        meta["tags"] = list(card.tags)
    meta["pipeline_tag"] = str(artifact.model.task)
    meta["model-index"] = _model_index(card, results)
    # str(): freshly created rows hold enum members, which YAML cannot represent.
    marker = {
        "model": artifact.model.name,
        "version": artifact.version,
        "stage": str(artifact.status),
    }
    if card.risk_rating:
        marker["risk_rating"] = str(card.risk_rating)
    meta[MARKER] = marker
    return meta


def _eval_table(results: list) -> str:
    if not results:
        return "_No results recorded yet._"
    rows = ["| Benchmark | Metric | Value | Better | Recorded |", "|---|---|---:|---|---|"]
    for result in results:
        bench = result.benchmark
        unit = f" {bench.unit}" if bench.unit else ""
        better = "higher" if bench.higher_is_better else "lower"
        rows.append(
            f"| {bench.name} (`{bench.slug}`) | {bench.metric} | {result.value:g}{unit} | {better} "
            f"| {result.recorded_at:%Y-%m-%d} |"
        )
    rows.append("")
    rows.append("_Scores are the latest results recorded on mlteam's shared benchmarks._")
    return "\n".join(rows)


def card_to_markdown(card: ModelCard) -> str:
    """A Hugging Face-compatible README.md: YAML front matter, then one heading per section,
    each preceded by an invisible ``<!-- mlteam:section … -->`` line that our import reads."""
    results = _latest_results(card)
    artifact = card.artifact
    front = yaml.safe_dump(
        _front_matter(card, results), sort_keys=False, allow_unicode=True, width=100
    )
    parts = [f"---\n{front}---", f"# {artifact.model.name} v{artifact.version}"]
    for name, heading in SECTIONS:
        if name == "additional_information":
            parts.append(f"{section_marker(EVAL_KEY)}\n## {EVAL_HEADING}\n\n{_eval_table(results)}")
        text = getattr(card, name).strip()
        if name == "limitations_and_risks" and card.risk_rating:
            rating = RiskRating(card.risk_rating).label
            text = f"**Risk rating:** {rating}\n\n{text}".strip()
        # The invisible marker line is what our import splits on: whatever the text holds
        # (headings named like ours, code fences, "---" lines) stays in its section.
        parts.append(f"{section_marker(name)}\n## {heading}\n\n{encode_section(text)}".rstrip())
    return "\n\n".join(parts) + "\n"


def card_to_dict(card: ModelCard) -> dict:
    """The card as JSON: every section, its metadata and the latest recorded eval results."""
    artifact = card.artifact
    return {
        "model": artifact.model.name,
        "version": artifact.version,
        "stage": str(artifact.status),
        "sections": {name: getattr(card, name) for name in SECTION_FIELDS},
        "headings": HEADING_OF,
        "risk_rating": card.risk_rating,
        "tags": list(card.tags),
        "complete": card.is_complete,
        "missing_sections": card.missing_sections,
        "eval_results": [
            {
                "benchmark": r.benchmark.slug,
                "benchmark_name": r.benchmark.name,
                "metric": r.benchmark.metric,
                "unit": r.benchmark.unit,
                "higher_is_better": r.benchmark.higher_is_better,
                "dataset_version": r.benchmark.dataset_version,
                "value": r.value,
                "recorded_at": r.recorded_at.isoformat(),
                "run": r.run_id,
            }
            for r in _latest_results(card)
        ],
        "updated_at": card.updated_at.isoformat() if card.updated_at else None,
    }


# -- import --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CardImport:
    """What an import did: the saved card, the sections it changed, and notes on what was not
    taken over (e.g. ``model-index`` scores)."""

    card: ModelCard
    changed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def card_import_markdown(*, card: ModelCard, text: str, actor: MLTeamMember) -> CardImport:
    """Import a README.md card onto ``card`` (owning team or ML leads only).

    Everything is parsed and validated before anything is written: bad YAML or a bad value
    raises InvalidInput and the card stays as it was. Returns a ``CardImport``. Side effects:
    AuditEvent ``card.imported`` naming the changed sections.
    """
    card_require_editor(card=card, actor=actor)
    plan = card_import_plan(text)
    clean = card_clean_changes(plan.changes)
    changed = sorted(name for name, value in clean.items() if getattr(card, name) != value)
    with transaction.atomic():
        for name in changed:
            setattr(card, name, clean[name])
        card.updated_by = actor
        card.save(update_fields=[*changed, "updated_by", "updated_at"])
        audit_record(
            action=AuditAction.CARD_IMPORTED,
            summary=f"{actor} imported the card of {card.artifact} ({len(changed)} changed)",
            actor=actor.user,
            artifact=card.artifact,
            details={"sections": changed, "source": plan.source, "notes": plan.notes},
        )
    return CardImport(card=card, changed=changed, notes=list(plan.notes))
