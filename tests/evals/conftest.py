"""Fixtures of the evals tests."""

from tests.cards.world import world  # noqa: F401
