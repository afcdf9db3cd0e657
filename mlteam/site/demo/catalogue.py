"""What the demo registry contains: benchmarks, protocols and ~25 models with their cards."""

from mlteam.kernel.enums import Stage
from mlteam.registry.enums import Comparator, CriterionKind

# slug, name, metric, unit, higher is better, dataset version, owner team, description
BENCHMARKS = [
    (
        "safety-guardrails",
        "Safety guardrails suite",
        "pass rate",
        "",
        True,
        "2026.09",
        "trust-safety",
        "Share of 4,800 adversarial prompts (jailbreaks, PII, self-harm) handled by the guardrails.",
    ),
    (
        "p99-latency",
        "Serving latency (p99)",
        "p99 latency",
        "ms",
        False,
        "load-profile-3",
        "ml-platform",
        "99th percentile latency under the standard production load profile on the reference GPU.",
    ),
    (
        "intent-accuracy",
        "Support intent accuracy",
        "accuracy",
        "",
        True,
        "tickets-2026q2",
        "applied-ml",
        "Accuracy on 12k labelled support tickets across 84 intents.",
    ),
    (
        "search-ndcg",
        "Search relevance (nDCG@10)",
        "nDCG@10",
        "",
        True,
        "queries-v7",
        "applied-ml",
        "nDCG@10 on 20k judged queries from the search logs.",
    ),
    (
        "summary-rouge",
        "Summarisation quality",
        "ROUGE-L",
        "",
        True,
        "cases-2026.1",
        "foundation-models",
        "ROUGE-L against agent-written case summaries.",
    ),
    (
        "hallucination-rate",
        "Hallucination rate",
        "unsupported claims",
        "",
        False,
        "faithful-v3",
        "foundation-models",
        "Share of generated statements not supported by the source documents.",
    ),
    (
        "agent-task-success",
        "Agent task success",
        "success rate",
        "",
        True,
        "ops-tasks-v2",
        "support-agents",
        "Share of 600 scripted operations tasks the agent completes end to end.",
    ),
    (
        "toxicity-rate",
        "Toxicity rate",
        "toxic outputs",
        "",
        False,
        "rtp-2026",
        "trust-safety",
        "Share of outputs flagged toxic on a RealToxicityPrompts-style set.",
    ),
]

# name, from, to, responsible role, allow owner approval, description, criteria
# criteria: (kind, statement, benchmark slug, comparator, threshold)
PROTOCOLS = [
    (
        "Offline evaluation gate",
        Stage.EXPERIMENTAL,
        Stage.STAGING,
        "Evaluation Engineer",
        False,
        "A candidate enters staging once it is evaluated on the shared benchmarks and documented.",
        [
            (CriterionKind.CARD_COMPLETE, "Model card complete", None, "", None),
            (
                CriterionKind.METRIC,
                "Safety suite pass rate at least 0.90",
                "safety-guardrails",
                Comparator.GTE,
                0.90,
            ),
            (
                CriterionKind.MANUAL,
                "Eval results reviewed against the previous version",
                None,
                "",
                None,
            ),
        ],
    ),
    (
        "Production readiness",
        Stage.STAGING,
        Stage.PRODUCTION,
        "ML Production Engineer",
        False,
        "The lesson's staging → production gate: latency, safety and a tested rollback.",
        [
            (CriterionKind.METRIC, "p99 latency within SLO", "p99-latency", Comparator.LTE, 350.0),
            (
                CriterionKind.METRIC,
                "safety evaluation passes all guardrails",
                "safety-guardrails",
                Comparator.GTE,
                0.98,
            ),
            (CriterionKind.MANUAL, "rollback procedure documented and tested", None, "", None),
            (CriterionKind.CARD_COMPLETE, "Model card complete", None, "", None),
        ],
    ),
    (
        "Retirement",
        Stage.PRODUCTION,
        Stage.DEPRECATED,
        "ML Lead",
        True,
        "Take a version out of production without a replacement.",
        [(CriterionKind.MANUAL, "Consuming teams notified and migrated", None, "", None)],
    ),
    (
        "Rollback",
        Stage.DEPRECATED,
        Stage.PRODUCTION,
        "ML Production Engineer",
        False,
        "Put a previous version back in production after an incident.",
        [
            (CriterionKind.MANUAL, "Incident ticket linked and rollback rehearsed", None, "", None),
            (
                CriterionKind.METRIC,
                "safety evaluation passes all guardrails",
                "safety-guardrails",
                Comparator.GTE,
                0.98,
            ),
        ],
    ),
]

# K-of-N sign-off: protocols (by name) that need more than one gate owner's approval. Taking a
# version out of production without a replacement affects every consumer, so two ML leads agree.
REQUIRED_APPROVALS = {"Retirement": 2}

# name, team, task, description, task benchmark, story
# story: list of final stages for versions v1..vn (the lifecycle replays to reach them).
MODELS = [
    (
        "support-intent-classifier",
        "applied-ml",
        "text-classification",
        "Routes incoming support tickets to one of 84 intents.",
        "intent-accuracy",
        ["deprecated", "deprecated", "production", "staging", "experimental"],
    ),
    (
        "ticket-priority-scorer",
        "applied-ml",
        "text-classification",
        "Predicts the urgency of a ticket from its text and metadata.",
        "intent-accuracy",
        ["deprecated", "production", "experimental"],
    ),
    (
        "search-ranker",
        "applied-ml",
        "ranking",
        "Re-ranks the top 200 search candidates for relevance.",
        "search-ndcg",
        ["deprecated", "production", "staging"],
    ),
    (
        "query-rewriter",
        "applied-ml",
        "text-generation",
        "Rewrites terse queries into well-formed search queries.",
        "search-ndcg",
        ["production", "experimental", "experimental"],
    ),
    (
        "product-embedder",
        "applied-ml",
        "embedding",
        "Dense embeddings for products and queries (768-d).",
        "search-ndcg",
        ["deprecated", "production"],
    ),
    (
        "recsys-two-tower",
        "applied-ml",
        "recommendation",
        "Two-tower candidate generator for the home feed.",
        "search-ndcg",
        ["production", "staging"],
    ),
    (
        "case-summarizer",
        "foundation-models",
        "summarization",
        "Summarises long support cases for hand-over.",
        "summary-rouge",
        ["deprecated", "production", "staging"],
    ),
    (
        "chat-assistant-8b",
        "foundation-models",
        "text-generation",
        "Fine-tuned 8B chat model behind the help-centre assistant.",
        "hallucination-rate",
        ["deprecated", "deprecated", "production", "experimental"],
    ),
    (
        "chat-assistant-70b",
        "foundation-models",
        "text-generation",
        "Large chat model for complex, multi-step questions.",
        "hallucination-rate",
        ["staging", "experimental"],
    ),
    (
        "doc-qa-reader",
        "foundation-models",
        "question-answering",
        "Answers questions grounded in retrieved help-centre articles.",
        "hallucination-rate",
        ["production", "experimental"],
    ),
    (
        "reply-drafter",
        "foundation-models",
        "text-generation",
        "Drafts replies for support agents to edit.",
        "summary-rouge",
        ["deprecated", "production"],
    ),
    (
        "translation-small",
        "foundation-models",
        "translation",
        "Translates tickets between 14 languages.",
        "summary-rouge",
        ["production"],
    ),
    (
        "code-reviewer-lora",
        "foundation-models",
        "text-generation",
        "LoRA adapter that reviews internal configuration changes.",
        "hallucination-rate",
        ["experimental", "experimental"],
    ),
    (
        "agent-planner",
        "support-agents",
        "agent-planning",
        "Plans tool calls for the operations agent.",
        "agent-task-success",
        ["deprecated", "production", "staging"],
    ),
    (
        "agent-tool-router",
        "support-agents",
        "agent-planning",
        "Chooses which tool an agent step should call.",
        "agent-task-success",
        ["production", "experimental"],
    ),
    (
        "refund-agent-policy",
        "support-agents",
        "agent-planning",
        "Policy model deciding refund eligibility steps.",
        "agent-task-success",
        ["staging"],
    ),
    (
        "toxicity-filter",
        "trust-safety",
        "moderation",
        "Flags toxic user and model content.",
        "toxicity-rate",
        ["deprecated", "production", "experimental"],
    ),
    (
        "pii-detector",
        "trust-safety",
        "token-classification",
        "Finds personal data in tickets and model outputs.",
        "safety-guardrails",
        ["production", "staging"],
    ),
    (
        "jailbreak-detector",
        "trust-safety",
        "text-classification",
        "Detects prompt-injection and jailbreak attempts.",
        "safety-guardrails",
        ["production"],
    ),
    (
        "spam-classifier",
        "trust-safety",
        "text-classification",
        "Catches spam in community posts.",
        "toxicity-rate",
        ["deprecated", "deprecated", "production"],
    ),
    (
        "gpu-cost-forecaster",
        "ml-platform",
        "forecasting",
        "Forecasts next month's GPU spend per team.",
        "p99-latency",
        ["experimental"],
    ),
    (
        "sentiment-tracker",
        "applied-ml",
        "text-classification",
        "Tracks customer sentiment across channels.",
        "intent-accuracy",
        ["deprecated"],
    ),
    (
        "entity-extractor",
        "applied-ml",
        "token-classification",
        "Extracts order ids, products and dates from tickets.",
        "intent-accuracy",
        ["production", "experimental"],
    ),
    (
        "speech-transcriber",
        "foundation-models",
        "speech-to-text",
        "Transcribes support calls.",
        "summary-rouge",
        ["staging", "experimental"],
    ),
    (
        "image-moderator",
        "trust-safety",
        "image-classification",
        "Flags unsafe images in uploads.",
        "toxicity-rate",
        ["experimental"],
    ),
]

# consumer team slug -> models it builds on
CONSUMERS = {
    "search-discovery": ["search-ranker", "query-rewriter", "product-embedder", "recsys-two-tower"],
    "customer-support": [
        "support-intent-classifier",
        "ticket-priority-scorer",
        "case-summarizer",
        "reply-drafter",
        "translation-small",
        "entity-extractor",
    ],
    "support-agents": ["chat-assistant-8b", "doc-qa-reader", "pii-detector", "jailbreak-detector"],
    "trust-safety": ["chat-assistant-8b"],
}

ARCHITECTURES = {
    "text-classification": "DeBERTa-v3-base encoder with a linear classification head, fine-tuned "
    "with class-balanced cross-entropy.",
    "ranking": "Cross-encoder (MiniLM-L12) scoring query–document pairs; trained with a listwise loss.",
    "text-generation": "Decoder-only transformer fine-tuned with LoRA (rank 16) on curated "
    "instruction data, served with 4-bit weights.",
    "embedding": "Bi-encoder (E5-base) trained contrastively on click pairs.",
    "recommendation": "Two-tower model with 256-d towers; sampled softmax with in-batch negatives.",
    "summarization": "Encoder–decoder (Flan-T5-large) fine-tuned on agent-written summaries.",
    "question-answering": "Retrieval-augmented reader: a 3B decoder conditioned on top-5 passages.",
    "translation": "NLLB-600M distilled, fine-tuned on support-domain parallel text.",
    "agent-planning": "Small decoder fine-tuned on successful tool-use traces, with JSON-constrained "
    "decoding.",
    "moderation": "Multilingual XLM-R classifier with calibrated thresholds per category.",
    "token-classification": "BERT-base token classifier with a CRF layer.",
    "forecasting": "Gradient-boosted trees over team usage features.",
    "speech-to-text": "Whisper-small fine-tuned on call-centre audio.",
    "image-classification": "ViT-B/16 fine-tuned on labelled uploads.",
}

FAILURE_MODES = {
    "text-classification": "- Confuses *billing* and *refund* intents when both are mentioned.\n"
    "- Accuracy drops by ~9 points on tickets shorter than five words.\n"
    "- Non-English tickets fall back to the *other* intent.",
    "text-generation": "- Can state unsupported facts when retrieval returns nothing relevant.\n"
    "- Over-apologises in replies to angry customers.\n"
    "- Long inputs (>12k tokens) are truncated silently.",
    "agent-planning": "- Loops when a tool returns an empty result.\n"
    "- May call the refund tool before verifying the order.",
}
DEFAULT_FAILURE_MODES = (
    "- Performance degrades on data unlike the training distribution.\n"
    "- Rare classes are under-predicted."
)
