import pytest
from django.core.cache import cache

from tests.factories import MemberFactory, RoleFactory


@pytest.fixture
def lead(db):
    """An ML lead (role flag, not a superuser) with admin access."""
    member = MemberFactory(
        user__username="the-lead",
        user__is_staff=True,
        role=RoleFactory(name="ML Lead", is_ml_lead=True),
    )
    return member


@pytest.fixture
def clean_cache():
    """Throttle counters live in the cache, which outlives a test's database transaction."""
    cache.clear()
    yield cache
    cache.clear()
