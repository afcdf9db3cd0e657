"""factory-boy factories for every model. Rows with a lifecycle are built through the services."""

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from mlteam.cards.models import ModelCard
from mlteam.evals.latest import latest_result_note
from mlteam.evals.models import Benchmark, EvalResult
from mlteam.registry.enums import CriterionKind
from mlteam.registry.models import GateCriterion, HandoffProtocol, Model
from mlteam.roster.enums import Orientation, TeamKind
from mlteam.roster.models import MLTeamMember, Role, RosterPeriod, Team
from mlteam.tracking.models import Experiment, Run

PASSWORD = "test-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    kind = TeamKind.ML
    mission = "Own the model lifecycle."


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ["name"]

    name = "Research Scientist"


class MemberFactory(factory.django.DjangoModelFactory):
    """A roster entry with its open RosterPeriod (as the roster services would write it)."""

    class Meta:
        model = MLTeamMember
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = factory.SubFactory(RoleFactory)
    orientation = Orientation.RESEARCH
    team = factory.SubFactory(TeamFactory)
    embedded_in = None
    joined_on = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def period(self, create, extracted, **kwargs):
        if create:
            RosterPeriod.objects.create(
                member=self,
                role=self.role,
                orientation=self.orientation,
                team=self.team,
                embedded_in=self.embedded_in,
                valid_from=extracted or timezone.now(),
            )


class ModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Model

    name = factory.Sequence(lambda n: f"model-{n}")
    team = factory.SubFactory(TeamFactory)
    task = "text-classification"
    description = "A model for tests."


class BenchmarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Benchmark
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"bench-{n}")
    name = factory.LazyAttribute(lambda b: b.slug.replace("-", " ").title())
    metric = "accuracy"
    unit = ""
    higher_is_better = True
    dataset_version = "v1"
    owner_team = factory.SubFactory(TeamFactory)


class ProtocolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandoffProtocol

    name = factory.LazyAttribute(lambda p: f"{p.from_stage} to {p.to_stage}")
    from_stage = "experimental"
    to_stage = "staging"
    responsible_role = factory.SubFactory(RoleFactory, name="Evaluation Engineer")
    active = True


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GateCriterion

    protocol = factory.SubFactory(ProtocolFactory)
    position = factory.Sequence(int)
    kind = CriterionKind.MANUAL
    statement = factory.Sequence(lambda n: f"Criterion {n} holds")


class ExperimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Experiment

    name = factory.Sequence(lambda n: f"experiment-{n}")
    team = factory.SubFactory(TeamFactory)
    owner = factory.SubFactory(MemberFactory)
    hypothesis = "Fine-tuning on support tickets beats the base model."
    created_at = factory.LazyFunction(timezone.now)


class RunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Run

    experiment = factory.SubFactory(ExperimentFactory)
    name = factory.Sequence(lambda n: f"run-{n}")
    params = factory.LazyFunction(lambda: {"lr": 0.001, "epochs": 3})
    git_commit = "0123abc"
    started_at = factory.LazyFunction(timezone.now)


def card_fill(card: ModelCard) -> ModelCard:
    """Fill every required section of a card (test helper)."""
    from mlteam.cards.models import REQUIRED_SECTIONS

    for field, heading in REQUIRED_SECTIONS:
        setattr(card, field, f"{heading} text.")
    card.risk_rating = card.risk_rating or "medium"
    card.save()
    return card


def result_create(**fields) -> EvalResult:
    """An EvalResult row without the service's checks or audit event, kept as its pair's
    latest the way ``eval_record`` keeps it (for fixtures that need a result and nothing else)."""
    result = EvalResult.objects.create(**fields)
    latest_result_note(result)
    return result
