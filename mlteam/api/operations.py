"""The one-line summary and the tag of every API operation, as the OpenAPI schema shows them.

Kept in one table so the docs read as a whole (same verbs, same words) and a test can check that
no operation lacks one. The longer description comes from the view's docstring; operations whose
view has none take the description written here.
"""

# operationId → (summary, description used when the view's docstring says nothing)
OPERATIONS: dict[str, tuple[str, str]] = {
    "models_list": ("List models", ""),
    "models_create": ("Create a model", ""),
    "models_retrieve": (
        "Get a model",
        "One model with its owning team, task, latest version and the version in production.",
    ),
    "models_production_retrieve": ("Get the production version at a moment", ""),
    "models_versions_list": ("List a model's versions", ""),
    "models_versions_create": ("Register a version", ""),
    "models_versions_retrieve": (
        "Get a version",
        "One version with its latest score per benchmark, its pending promotion request (if "
        "any) and the stages an active handoff protocol can move it to.",
    ),
    "models_versions_update": (
        "Change a version's description (PUT)",
        "As PATCH: only the description changes; a registered version is otherwise immutable "
        "and its status changes only through promotions.",
    ),
    "models_versions_partial_update": ("Change a version's description", ""),
    "models_versions_card_retrieve": ("Get a model card (JSON or README.md)", ""),
    "models_versions_card_update": ("Import a README.md model card", ""),
    "models_versions_card_create": ("Import a README.md model card (POST)", ""),
    "models_versions_card_partial_update": ("Edit model card sections", ""),
    "models_versions_evals_list": ("List a version's eval results", ""),
    "models_versions_evals_create": ("Record an eval result", ""),
    "models_versions_promotions_list": ("List a version's promotion requests", ""),
    "models_versions_promotions_create": ("Request a promotion", ""),
    "promotions_list": ("List promotion requests", ""),
    "promotions_retrieve": ("Get a promotion request with its checklist", ""),
    "promotions_checks_create": ("Sign a checklist item", ""),
    "promotions_approve_create": ("Approve a promotion request (adds your approval)", ""),
    "promotions_reject_create": ("Reject a promotion request", ""),
    "promotions_withdraw_create": ("Withdraw a promotion request", ""),
    "protocols_list": ("List handoff protocols", ""),
    "protocols_retrieve": (
        "Get a handoff protocol",
        "One protocol (from stage → to stage, the role that signs it) with its ordered gate "
        "criteria.",
    ),
    "benchmarks_list": ("List benchmarks", ""),
    "benchmarks_retrieve": (
        "Get a benchmark",
        "One shared benchmark: its metric, unit, direction and dataset version.",
    ),
    "benchmarks_leaderboard_retrieve": ("Get a benchmark's leaderboard", ""),
    "teams_list": ("List teams", ""),
    "teams_retrieve": (
        "Get a team",
        "One team with its kind, mission, lead, member count and research-share target.",
    ),
    "members_list": ("List roster members", ""),
    "members_retrieve": (
        "Get a roster member",
        "One member by username: role, team, embedding, orientation and dates.",
    ),
    "roster_ratio_retrieve": ("Get the research/production ratio", ""),
    "experiments_list": (
        "List experiments",
        "Experiments newest first, with their team, owner and number of runs.",
    ),
    "experiments_create": ("Create an experiment", ""),
    "experiments_retrieve": (
        "Get an experiment",
        "One experiment with its hypothesis, team, owner and number of runs.",
    ),
    "experiments_runs_list": ("List an experiment's runs", ""),
    "experiments_runs_create": ("Start a run", ""),
    "runs_retrieve": (
        "Get a run",
        "One run: its parameters, tags, status, git commit, notes and start and end times.",
    ),
    "runs_metrics_list": ("List a run's metric values", ""),
    "runs_metrics_create": ("Log metric values", ""),
    "runs_finish_create": ("Finish a run", ""),
    "events_list": ("List audit events", ""),
    "checks_list": ("List organisation findings", ""),
    "roster_plans_list": ("List rebalancing plans", ""),
    "roster_plans_retrieve": ("Get a rebalancing plan with its preview", ""),
    "roster_plans_apply_create": ("Apply a rebalancing plan", ""),
    "webhooks_list": ("List webhook subscriptions", ""),
    "webhooks_create": ("Subscribe a webhook receiver", ""),
    "webhooks_retrieve": (
        "Get a webhook subscription",
        "One subscription: its receiver URL, events, description and whether it is active.",
    ),
    "webhooks_partial_update": ("Change a webhook subscription", ""),
    "webhooks_destroy": (
        "Delete a webhook subscription",
        "Remove a subscription (ML leads only); its receiver gets no more deliveries.",
    ),
    "webhooks_deliveries_list": ("List a webhook's deliveries", ""),
    "webhooks_deliveries_redeliver_create": ("Redeliver a webhook delivery", ""),
}

# First matching path fragment → tag (most specific first): one tag per resource.
TAGS: list[tuple[str, str]] = [
    ("/card/", "cards"),
    ("/evals/", "evals"),
    ("/leaderboard/", "benchmarks"),
    ("/promotions/", "promotions"),
    ("/runs/", "runs"),
    ("/versions/", "versions"),
    ("/models/", "models"),
    ("/benchmarks/", "benchmarks"),
    ("/protocols/", "protocols"),
    ("/teams/", "teams"),
    ("/members/", "members"),
    ("/roster/", "roster"),
    ("/experiments/", "experiments"),
    ("/events/", "events"),
    ("/webhooks/", "webhooks"),
    ("/checks/", "checks"),
]

TAG_DESCRIPTIONS = {
    "models": "Registered models: the catalogue product teams browse.",
    "versions": "Versions of a model (ModelArtifact): registered by pipelines, immutable but "
    "for their description, moved between stages only by approved promotions.",
    "cards": "Model cards: JSON, Hugging Face README.md export and import.",
    "evals": "Eval results on the shared benchmarks.",
    "promotions": "Promotion requests through handoff gates: checklists, sign-offs, decisions.",
    "protocols": "Handoff protocols (the stage machine) and their gate criteria.",
    "benchmarks": "Shared benchmarks and their leaderboards.",
    "teams": "Teams of every topology.",
    "members": "The roster: members, roles, orientation.",
    "roster": "The research/production staffing ratio.",
    "experiments": "Experiments (experiment tracking).",
    "runs": "Runs of experiments: parameters, step metrics, status.",
    "events": "The append-only audit log.",
    "webhooks": "Signed webhook subscriptions and their delivery logs (ML leads).",
    "checks": "Organisation checks: where the team breaks the lesson's practices.",
}


def tag_for(path: str) -> str:
    return next((tag for fragment, tag in TAGS if fragment in path), "api")
