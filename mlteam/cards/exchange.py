"""Model cards in and out: Hugging Face README.md (YAML front matter + sections) and JSON.

The Markdown export carries only metadata the Hub accepts: Hugging Face's ``model-index`` with
the artifact's latest recorded eval results as ``results[].metrics[]``, ``license`` (a Hub id,
or ``other`` with a slug ``license_name`` and a ``license_link``), ``pipeline_tag`` from the
Hub's task list (``hub.hub_task``; omitted when none fits), ``tags``, the card's metadata (the
front-matter keys an imported card brought: ``base_model``, ``datasets``, ``language``…, as they
came), and an ``mlteam`` key that marks the file as ours and keeps our task. Each non-empty
section's ``##`` heading follows an invisible ``<!-- mlteam:section name -->`` line (see
``importing``); empty sections get no heading. Importing our own export is exact (export →
import → export gives the same text, whatever the sections hold); importing a card written
elsewhere maps its headings onto our sections and keeps the rest in "Additional information".
Scores are never imported: they come from recorded results.
"""

from dataclasses import dataclass, field

import yaml
from django.db import transaction
from django.utils.text import slugify

from mlteam.cards.enums import RiskRating
from mlteam.cards.hub import hub_license, hub_task
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
# Keys the export derives from the card; the card's metadata never overrides them.
DERIVED_KEYS = {"license", "license_name", "license_link", "tags", "pipeline_tag", "model-index"}


# -- export --------------------------------------------------------------------------------------
def _latest_results(card: ModelCard) -> list:
    latest = latest_results_by_benchmark(card.artifact)
    return sorted(latest.values(), key=lambda r: r.benchmark.slug)


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
    extra = dict(card.metadata or {})
    meta = hub_license(card.license, extra.get("license_link"))
    if card.tags:
        meta["tags"] = list(card.tags)
    meta.update((k, v) for k, v in extra.items() if k not in DERIVED_KEYS and k != MARKER)
    pipeline_tag = extra.get("pipeline_tag") or hub_task(artifact.model.task)
    if pipeline_tag:
        meta["pipeline_tag"] = pipeline_tag
    meta["model-index"] = _model_index(card, results)
    # str(): freshly created rows hold enum members, which YAML cannot represent.
    marker = {
        "model": artifact.model.name,
        "version": artifact.version,
        "stage": str(artifact.status),
        "task": str(artifact.model.task),
    }
    if card.risk_rating:
        marker["risk_rating"] = str(card.risk_rating)
    exported = [key for key in extra if key in meta]
    if exported:  # which front-matter keys are card metadata, so our import reads them back
        marker["metadata"] = exported
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
        if not text:  # no empty headings: a section nobody wrote is left out
            continue
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
        "metadata": dict(card.metadata or {}),
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
    taken over (e.g. ``model-index`` scores) or was emptied."""

    card: ModelCard
    changed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def card_import_markdown(
    *, card: ModelCard, text: str, actor: MLTeamMember, keep_missing: bool = False
) -> CardImport:
    """Import a README.md card onto ``card`` (owning team or ML leads only).

    The file replaces the whole card: sections it lacks are emptied (the previous version's
    text must not stand under a new card), unless ``keep_missing``, when they keep their text.
    Everything is parsed and validated before anything is written: bad YAML or a bad value
    raises InvalidInput and the card stays as it was. Returns a ``CardImport``. Side effects:
    AuditEvent ``card.imported`` naming the changed sections.
    """
    card_require_editor(card=card, actor=actor)
    plan = card_import_plan(text, keep_missing=keep_missing, metadata=card.metadata)
    clean = card_clean_changes(plan.changes)
    changed = sorted(name for name, value in clean.items() if getattr(card, name) != value)
    emptied = [HEADING_OF[n] for n in plan.missing if n in changed and not clean.get(n)]
    if emptied:
        plan.notes.append(
            "Emptied because the file has no such section: " + ", ".join(emptied) + " (import "
            "with “keep sections the file lacks” to keep their text)."
        )
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
