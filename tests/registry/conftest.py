"""The registry tests drive the shared world (tests/worlds.py); the engine's messages they pin
name the latency benchmark "p99 latency"."""

import pytest

from tests.worlds import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world(latency_name="p99 latency")
