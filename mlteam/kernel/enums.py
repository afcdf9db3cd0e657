"""Vocabulary every layer shares: the lifecycle stages and the audit actions."""

from django.db import models


class Stage(models.TextChoices):
    """The lifecycle of a ModelArtifact. A new artifact always starts experimental."""

    EXPERIMENTAL = "experimental", "Experimental"
    STAGING = "staging", "Staging"
    PRODUCTION = "production", "Production"
    DEPRECATED = "deprecated", "Deprecated"


class AuditAction(models.TextChoices):
    """What an AuditEvent records. Codes are stable: the API and exports use them."""

    MODEL_CREATED = "model.created", "Model created"
    MODEL_UPDATED = "model.updated", "Model details changed"
    ARTIFACT_REGISTERED = "artifact.registered", "Version registered"
    ARTIFACT_TRANSITIONED = "artifact.transitioned", "Stage changed"
    ARTIFACT_UPDATED = "artifact.updated", "Version description changed"
    PROMOTION_REQUESTED = "promotion.requested", "Promotion requested"
    PROMOTION_ITEM_TICKED = "promotion.item_ticked", "Gate item signed"
    PROMOTION_ITEM_UNTICKED = "promotion.item_unticked", "Gate item sign-off removed"
    PROMOTION_APPROVAL_ADDED = "promotion.approval_added", "Approval added (gate not yet complete)"
    PROMOTION_APPROVED = "promotion.approved", "Promotion approved"
    PROMOTION_REJECTED = "promotion.rejected", "Promotion rejected"
    PROMOTION_WITHDRAWN = "promotion.withdrawn", "Promotion withdrawn"
    PROTOCOL_CHANGED = "protocol.changed", "Handoff protocol changed"
    BENCHMARK_CHANGED = "benchmark.changed", "Benchmark changed"
    CONFIG_CHANGED = "config.changed", "Roles or team relations changed"
    WEBHOOK_CHANGED = "webhook.changed", "Webhook subscription changed"
    WEBHOOK_REDELIVERED = "webhook.redelivered", "Webhook delivery sent again"
    ACCOUNT_CHANGED = "account.changed", "Sign-in account or group changed"
    CARD_UPDATED = "card.updated", "Model card updated"
    CARD_IMPORTED = "card.imported", "Model card imported"
    EVAL_RECORDED = "eval.recorded", "Eval result recorded"
    MEMBER_JOINED = "roster.joined", "Member joined"
    MEMBER_LEFT = "roster.left", "Member left"
    MEMBER_ROLE_CHANGED = "roster.role_changed", "Role changed"
    MEMBER_ORIENTATION_CHANGED = "roster.orientation_changed", "Orientation changed"
    MEMBER_MOVED = "roster.moved", "Moved team"
    MEMBER_EMBEDDED = "roster.embedded", "Embedding changed"
    TARGET_SET = "roster.target_set", "Orientation target set"
    TEAM_CHANGED = "roster.team_changed", "Team changed"
    PLAN_CHANGED = "roster.plan", "Rebalancing plan saved, applied or discarded"
    HIRE_PLANNED = "roster.hire_planned", "Hire planned"
    TOKEN_CREATED = "token.created", "API token created"
    TOKEN_REVOKED = "token.revoked", "API token revoked"
    ACCESS_UNLOCKED = "access.unlocked", "Sign-in lockout lifted"
    ACCESS_ENDED = "access.ended", "Sign-in disabled and sessions ended"
    ACCESS_RESTORED = "access.restored", "Sign-in enabled again"
