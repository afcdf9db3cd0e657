"""Roster tests build history through the services at explicit dates."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from mlteam.kernel.actors import SYSTEM
from mlteam.roster import services
from mlteam.roster.enums import Orientation
from tests.factories import MemberFactory, RoleFactory, TeamFactory, UserFactory

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.get_fixed_timezone(0))


def day(n: int) -> datetime:
    """T0 plus n days: a fixed calendar so tests can name exact moments."""
    return T0 + timedelta(days=n)


@pytest.fixture
def lead(db):
    """An ML lead (role flag), the person who edits the roster."""
    return MemberFactory(
        user__username="the-lead", role=RoleFactory(name="ML Lead", is_ml_lead=True)
    )


@pytest.fixture
def join(db):
    """join(team, orientation, at=..., role=..., embedded_in=...) -> member, through the service."""

    def make(team, orientation=Orientation.RESEARCH, *, at=None, role=None, embedded_in=None):
        return services.member_join(
            user=UserFactory(),
            role=role or RoleFactory(name="Research Scientist"),
            orientation=orientation,
            team=team,
            embedded_in=embedded_in,
            actor=SYSTEM,
            at=at or day(0),
        )

    return make


@pytest.fixture
def team(db):
    return TeamFactory(name="Applied ML", slug="applied-ml")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Trust & Safety", slug="trust-safety", kind="hybrid")
