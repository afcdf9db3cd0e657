"""The limits table (kernel.limits) against the database: every column a limit guards holds text
of that length, so a value the service accepts is never cut or refused by the database."""

import pytest

from mlteam.cards.models import ModelCard
from mlteam.evals.models import Benchmark, EvalResult
from mlteam.kernel import limits
from mlteam.kernel.errors import InvalidInput
from mlteam.notifications.models import WebhookSubscription
from mlteam.registry.models import (
    ChecklistItem,
    GateCriterion,
    HandoffProtocol,
    Model,
    ModelArtifact,
    PromotionRequest,
)
from mlteam.roster.models import Role, RosterPlan, Team
from mlteam.tracking.models import Experiment, Run, RunMetric

GUARDED = [
    (Model, "name", limits.NAME),
    (Model, "task", limits.TASK),
    (Model, "description", limits.DESCRIPTION),
    (ModelArtifact, "artifact_uri", limits.URI),
    (ModelArtifact, "description", limits.DESCRIPTION),
    (PromotionRequest, "note", limits.NOTE),
    (PromotionRequest, "decision_note", limits.NOTE),
    (ChecklistItem, "evidence", limits.NOTE),
    (HandoffProtocol, "name", limits.NAME),
    (HandoffProtocol, "description", limits.DESCRIPTION),
    (GateCriterion, "statement", limits.LINE),
    (ModelCard, "summary", limits.CARD_SECTION),
    (ModelCard, "license", limits.LICENSE),
    (ModelCard, "contact", limits.LINE),
    (Benchmark, "name", limits.NAME),
    (Benchmark, "metric", limits.METRIC),
    (Benchmark, "unit", limits.UNIT),
    (Benchmark, "dataset_version", limits.DATASET_VERSION),
    (Benchmark, "description", limits.DESCRIPTION),
    (EvalResult, "note", limits.LINE),
    (Experiment, "name", limits.NAME),
    (Experiment, "description", limits.DESCRIPTION),
    (Run, "name", limits.NAME),
    (Run, "notes", limits.NOTE),
    (Run, "git_commit", limits.GIT_COMMIT),
    (RunMetric, "key", limits.METRIC_KEY),
    (Team, "name", limits.NAME),
    (Team, "slug", limits.NAME),
    (Team, "mission", limits.DESCRIPTION),
    (Role, "name", limits.NAME),
    (RosterPlan, "name", limits.NAME),
    (WebhookSubscription, "url", limits.URI),
    (WebhookSubscription, "description", limits.WEBHOOK_DESCRIPTION),
]


@pytest.mark.parametrize(("model", "field", "limit"), GUARDED)
def test_each_guarded_column_holds_its_limit(model, field, limit):
    max_length = model._meta.get_field(field).max_length
    assert max_length is None or max_length >= limit, f"{model.__name__}.{field}"


def test_the_limit_is_the_longest_text_allowed():
    assert limits.require_max_length("note", "n" * limits.NOTE, limits.NOTE) == "n" * limits.NOTE
    with pytest.raises(InvalidInput) as error:
        limits.require_max_length("note", "n" * (limits.NOTE + 1), limits.NOTE)
    assert error.value.code == "too_long"
    assert error.value.message.startswith("note is too long: it has 5,001 characters")
    assert "at most 5,000" in error.value.message


@pytest.mark.parametrize("slug", ["ACC-UPPER", "Bad Name", "a_b", "-a", "a" * 101, ""])
def test_one_slug_rule_refuses_whatever_the_fault(slug):
    refusal = limits.slug_refusal(slug, what="a model name", code="invalid_name", limit=100)
    assert refusal is not None and refusal.code == "invalid_name"
    assert "lowercase letters, digits and hyphens" in refusal.message
