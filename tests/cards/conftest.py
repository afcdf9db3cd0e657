"""Fixtures of the cards tests."""

from tests.cards.world import world  # noqa: F401
