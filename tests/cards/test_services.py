"""Card writes: who may edit, what is validated, and the gate that reads completeness."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mlteam.cards.models import REQUIRED_SECTIONS, ModelCard
from mlteam.cards.services import CARRIED_OVER, card_update
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import InvalidInput, NotAllowed
from mlteam.kernel.models import AuditEvent
from mlteam.registry.enums import CriterionKind
from mlteam.registry.gates import criteria_evaluate
from tests.factories import MemberFactory


def test_a_team_member_updates_sections_with_an_audit_event(world):
    card = world.register().card

    card_update(card=card, actor=world.requester, changes={"summary": "  Routes tickets.\r\n"})

    card.refresh_from_db()
    assert card.summary == "Routes tickets."
    assert card.updated_by == world.requester
    event = AuditEvent.objects.get(action=AuditAction.CARD_UPDATED)
    assert event.details == {"sections": ["summary"]}
    assert event.artifact == card.artifact


def test_an_unchanged_value_writes_nothing(world):
    card = world.register().card
    card_update(card=card, actor=world.owner, changes={"summary": "Same"})
    card_update(card=card, actor=world.owner, changes={"summary": "Same"})
    assert AuditEvent.objects.filter(action=AuditAction.CARD_UPDATED).count() == 1


def test_embedded_members_and_ml_leads_edit_too(world):
    card = world.register().card
    embedded = MemberFactory(embedded_in=world.team)
    card_update(card=card, actor=embedded, changes={"summary": "By an embedded member"})
    card_update(card=card, actor=world.lead, changes={"summary": "By an ML lead"})
    card.refresh_from_db()
    assert card.summary == "By an ML lead"


@pytest.mark.parametrize("who", ["outsider", None])
def test_others_cannot_edit_and_nothing_changes(world, who):
    card = world.register().card
    actor = getattr(world, who) if who else None
    with pytest.raises(NotAllowed):
        card_update(card=card, actor=actor, changes={"summary": "Vandalism"})
    card.refresh_from_db()
    assert card.summary == ""
    assert not AuditEvent.objects.filter(action=AuditAction.CARD_UPDATED).exists()


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"eval_scores": "0.99"}, "Unknown card section"),
        ({"license": "x" * 121}, "at most 120"),
        ({"contact": "two\nlines"}, "one line"),
        ({"risk_rating": "extreme"}, "not a risk rating"),
        ({"tags": [1, 2]}, "Tags must be"),
        ({"summary": 42}, "must be text"),
        ({"summary": "fine", "license": "y" * 200}, "at most 120"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(world, changes, says):
    card = world.register().card
    with pytest.raises(InvalidInput, match=says):
        card_update(card=card, actor=world.owner, changes=changes)
    card.refresh_from_db()
    assert card.summary == "" and card.license == ""


def test_tags_are_cleaned(world):
    card = world.register().card
    card_update(card=card, actor=world.owner, changes={"tags": " nlp, ranking ,,nlp"})
    assert card.tags == ["nlp", "ranking"]


def test_a_new_version_starts_with_a_copy_of_the_previous_card(world):
    v1 = world.register()
    card_update(card=v1.card, actor=world.owner, changes={"summary": "v1 text", "tags": ["a"]})
    v2 = world.register()
    assert v2.card.summary == "v1 text"
    assert v2.card.tags == ["a"]


def carried(card) -> dict:
    return {name: getattr(card, name) for name in CARRIED_OVER}


def test_the_card_a_registration_returns_is_the_one_stored(world):
    """The card is copied inside the database (``INSERT … SELECT``); what the registration hands
    back is that row, every carried column included, without reading it again."""
    v1 = world.register()
    assert carried(v1.card) == carried(ModelCard()) == carried(ModelCard.objects.get(pk=v1.card.pk))
    changes = {"summary": "v1", "risk_rating": "low", "tags": ["a"], "metadata": {"x": [1, "é"]}}
    card_update(card=v1.card, actor=world.owner, changes=changes)
    v2 = world.register()

    stored = ModelCard.objects.get(artifact=v2)
    assert v2.card.pk == stored.pk and v2.card.artifact is v2
    assert carried(v2.card) == carried(stored) == carried(ModelCard.objects.get(artifact=v1))
    assert (v2.card.updated_at, v2.card.updated_by) == (stored.updated_at, None)


def test_a_registration_replayed_in_the_past_dates_its_card_from_then(world):
    past = timezone.now() - timedelta(days=30)
    artifact = world.register(at=past)
    assert artifact.card.updated_at == past == ModelCard.objects.get(artifact=artifact).updated_at


def test_the_card_complete_gate_reads_missing_sections(world):
    card = world.register().card
    criterion = world.to_staging.criteria.get(kind=CriterionKind.CARD_COMPLETE)
    (check,) = criteria_evaluate(card.artifact, [criterion])
    assert not check.satisfied
    headings = [heading for _, heading in REQUIRED_SECTIONS]
    risks = headings.index("Limitations and risks") + 1
    assert check.missing_sections == [*headings[:risks], "Risk rating", *headings[risks:]]

    changes = {name: f"{heading} text" for name, heading in REQUIRED_SECTIONS}
    card_update(card=card, actor=world.owner, changes=changes | {"contact": ""})
    card.artifact.refresh_from_db()
    (check,) = criteria_evaluate(card.artifact, [criterion])
    assert check.missing_sections == ["Risk rating", "Contact"]  # limitations need their rating

    card_update(card=card, actor=world.owner, changes={"risk_rating": "low"})
    card.artifact.refresh_from_db()
    (check,) = criteria_evaluate(card.artifact, [criterion])
    assert check.missing_sections == ["Contact"]

    card_update(card=card, actor=world.owner, changes={"contact": "ml@example.com"})
    card.artifact.refresh_from_db()
    (check,) = criteria_evaluate(card.artifact, [criterion])
    assert check.satisfied


def test_saving_one_section_keeps_a_concurrent_edit_of_another(world):
    artifact = world.register()
    first, second = type(artifact.card).objects.get(pk=artifact.card.pk), artifact.card
    card_update(card=first, actor=world.owner, changes={"summary": "Written by one person"})
    card_update(card=second, actor=world.requester, changes={"contact": "Written by another"})
    second.refresh_from_db()
    assert (second.summary, second.contact) == ("Written by one person", "Written by another")
