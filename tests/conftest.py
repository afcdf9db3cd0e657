import os

import pytest
from django.db import connection
from django.db.backends.signals import connection_created

from tests.factories import PASSWORD, MemberFactory
from tests.worlds import World, build_world

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_URL = os.environ.get("MLTEAM_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (row locks, triggers) need PostgreSQL.

    On a developer's SQLite run they skip with a reason. Under CI=true nothing is skipped: the
    SQLite pass leaves them out (deselected, they run in the PostgreSQL pass that `.ci/run` makes
    right after).
    """
    if connection.vendor == "postgresql":
        return
    needs_postgres = [item for item in items if "postgres" in item.keywords]
    if IN_CI:
        config.hook.pytest_deselected(items=needs_postgres)
        items[:] = [item for item in items if "postgres" not in item.keywords]
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: run with DATABASE_URL=postgres://… to include it"
    )
    for item in needs_postgres:
        item.add_marker(skip)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a user; tests make hundreds of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def world(db) -> World:
    """The shared organisation with the demo's default protocols (tests/worlds.py)."""
    return build_world()


@pytest.fixture
def logged_in_client(client, member):
    client.force_login(member.user)
    return client


def _allow_audit_truncate(sender, connection, **kwargs):
    """The append-only trigger refuses TRUNCATE unless a session opts in; transactional tests
    empty their throw-away database with TRUNCATE between tests, so test connections opt in."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET mlteam.allow_audit_truncate = 'on'")


connection_created.connect(_allow_audit_truncate)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local Redis (tests use database 1); skipped with a reason on a machine without one,
    never under CI=true."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is unreachable under CI=true: {error}")
        pytest.skip(f"needs Redis at {REDIS_URL} (redis-server --daemonize yes): {error}")
    return REDIS_URL
