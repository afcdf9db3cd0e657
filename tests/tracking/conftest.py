"""Fixtures of the tracking tests."""

from tests.cards.world import world  # noqa: F401
