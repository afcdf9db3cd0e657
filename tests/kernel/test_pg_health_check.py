"""The PostgreSQL backend's health check: no round trip for a healthy idle connection, and a
connection the server closed is dropped before the request's first query fails on it."""

import pytest
from django.db import connection, connections

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def persistent():
    """A second connection to the test database, checked as Django checks one per request."""
    other = connections.create_connection("default")
    other.health_check_enabled = True
    other.ensure_connection()
    yield other
    other.close()


def backend_pid(conn) -> int:
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_healthy_idle_connection_is_kept_without_sending_a_query(persistent, monkeypatch):
    pid = backend_pid(persistent)
    sent = []
    monkeypatch.setattr(persistent, "is_usable", lambda: sent.append(1) or True)
    persistent.health_check_done = False
    persistent.close_if_health_check_failed()
    assert sent == []  # nothing waited on the socket: no SELECT 1
    assert persistent.health_check_done is True
    assert backend_pid(persistent) == pid  # the same connection, still working


def test_a_connection_the_server_closed_is_dropped_and_the_next_query_reconnects(persistent):
    pid = backend_pid(persistent)
    with connection.cursor() as cursor:  # what a PostgreSQL restart does to the connection
        # 5 s: returns once the backend is gone and its goodbye sent
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    persistent.health_check_done = False
    persistent.close_if_health_check_failed()
    assert persistent.connection is None  # dropped by the check, not by a failed query
    assert backend_pid(persistent) != pid


def test_with_health_checks_off_the_connection_is_left_alone(persistent, monkeypatch):
    sent = []
    monkeypatch.setattr(persistent, "is_usable", lambda: sent.append(1) or False)
    monkeypatch.setattr(persistent, "_server_has_spoken", lambda: True)
    persistent.health_check_enabled = False
    persistent.health_check_done = False
    persistent.close_if_health_check_failed()
    assert sent == [] and persistent.connection is not None
