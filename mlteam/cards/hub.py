"""Hugging Face Hub vocabulary: which ``pipeline_tag`` and ``license`` values the Hub accepts,
and how our free-form tasks map onto its task list.

The lists follow the Hub's documented task and license identifiers. A task of ours with no Hub
equivalent exports no ``pipeline_tag`` (the task stays under the ``mlteam:`` key); a license
that is not a Hub id exports as ``license: other`` with a slug ``license_name`` and a
``license_link``.
"""

import re
import unicodedata

HUB_TASKS = frozenset(
    [
        "any-to-any",
        "audio-classification",
        "audio-text-to-text",
        "audio-to-audio",
        "automatic-speech-recognition",
        "depth-estimation",
        "document-question-answering",
        "feature-extraction",
        "fill-mask",
        "graph-ml",
        "image-classification",
        "image-feature-extraction",
        "image-segmentation",
        "image-text-to-text",
        "image-to-3d",
        "image-to-image",
        "image-to-text",
        "image-to-video",
        "keypoint-detection",
        "mask-generation",
        "multiple-choice",
        "object-detection",
        "other",
        "question-answering",
        "reinforcement-learning",
        "robotics",
        "sentence-similarity",
        "summarization",
        "table-question-answering",
        "table-to-text",
        "tabular-classification",
        "tabular-regression",
        "tabular-to-text",
        "text-classification",
        "text-generation",
        "text-ranking",
        "text-retrieval",
        "text-to-3d",
        "text-to-audio",
        "text-to-image",
        "text-to-speech",
        "text-to-video",
        "text2text-generation",
        "time-series-forecasting",
        "token-classification",
        "translation",
        "unconditional-image-generation",
        "video-classification",
        "video-text-to-text",
        "video-to-video",
        "visual-document-retrieval",
        "visual-question-answering",
        "voice-activity-detection",
        "zero-shot-classification",
        "zero-shot-image-classification",
        "zero-shot-object-detection",
    ]
)

# Our tasks (as teams name them) → the Hub task that describes the same job. Tasks not here and
# not Hub tasks themselves (agent-planning, recommendation…) export no pipeline_tag.
TASK_TO_HUB = {
    "forecasting": "time-series-forecasting",
    "time-series": "time-series-forecasting",
    "embedding": "feature-extraction",
    "embeddings": "feature-extraction",
    "ranking": "text-ranking",
    "reranking": "text-ranking",
    "retrieval": "text-retrieval",
    "speech-to-text": "automatic-speech-recognition",
    "asr": "automatic-speech-recognition",
    "moderation": "text-classification",
    "classification": "text-classification",
    "ner": "token-classification",
    "tts": "text-to-speech",
    "text-to-sql": "text2text-generation",
}

HUB_LICENSES = frozenset(
    [
        "apache-2.0",
        "mit",
        "openrail",
        "bigscience-openrail-m",
        "creativeml-openrail-m",
        "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m",
        "afl-3.0",
        "artistic-2.0",
        "bsl-1.0",
        "bsd",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "c-uda",
        "cc",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cdla-sharing-1.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "wtfpl",
        "ecl-2.0",
        "epl-1.0",
        "epl-2.0",
        "etalab-2.0",
        "eupl-1.1",
        "eupl-1.2",
        "agpl-3.0",
        "gfdl",
        "gpl",
        "gpl-2.0",
        "gpl-3.0",
        "lgpl",
        "lgpl-2.1",
        "lgpl-3.0",
        "isc",
        "h-research",
        "intel-research",
        "lppl-1.3c",
        "ms-pl",
        "apple-ascl",
        "apple-amlr",
        "mpl-2.0",
        "odc-by",
        "odbl",
        "openrail++",
        "osl-3.0",
        "postgresql",
        "ofl-1.1",
        "ncsa",
        "unlicense",
        "zlib",
        "pddl",
        "lgpl-lr",
        "deepfloyd-if-license",
        "fair-noncommercial-research-license",
        "llama2",
        "llama3",
        "llama3.1",
        "llama3.2",
        "llama3.3",
        "llama4",
        "gemma",
        "unknown",
        "other",
    ]
)
URL = re.compile(r"https?://[^\s)>\]]+")
DEFAULT_LICENSE_LINK = "LICENSE"


def license_slug(text: str) -> str:
    """'Proprietary — internal use' → 'proprietary-internal-use'; 'acme-internal-1.0' stays."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"\.{2,}", ".", re.sub(r"[^a-z0-9.]+", "-", plain))
    return slug.strip("-.")[:64].strip("-.") or "custom"


def hub_task(task: str) -> str | None:
    """The ``pipeline_tag`` for one of our tasks, or None when no Hub task fits."""
    task = (task or "").strip().lower()
    if task in HUB_TASKS:
        return task
    return TASK_TO_HUB.get(task)


def hub_license(text: str, link: str | None = None) -> dict:
    """Front-matter keys for a card's license: a Hub id as is, anything else as ``other`` with a
    slug name and a link (the stored one, a URL in the text, or the repository's LICENSE file)."""
    text = (text or "").strip()
    if not text:
        return {}
    if text.lower() in HUB_LICENSES and text.lower() != "other":
        return {"license": text.lower()}
    found = URL.search(text)
    name = license_slug(URL.sub(" ", text))
    return {
        "license": "other",
        "license_name": name,
        "license_link": link or (found[0] if found else DEFAULT_LICENSE_LINK),
    }
