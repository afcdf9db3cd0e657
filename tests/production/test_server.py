"""The production server (gunicorn, DEBUG off) under faults: it refuses to start without a real
key, answers 503 JSON while the database is unreachable, and recovers by itself when its database
connection is killed (as by a PostgreSQL restart)."""

import subprocess

import pytest
from django.db import connection

from mlteam.api.services import token_create
from tests.factories import MemberFactory

from .conftest import GUNICORN, ROOT, database_url_of, production_env

CLOSED_PORT_DB = "postgres://postgres@127.0.0.1:1/nothing"


def test_without_a_real_secret_key_the_server_refuses_to_start_and_says_what_to_set():
    for key in ("", "django-insecure-mlteam-demo-key-change-me-in-production"):
        env = production_env(SECRET_KEY=key, PORT="8199")
        result = subprocess.run(
            [str(GUNICORN), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode != 0
        assert "SECRET_KEY=$(openssl rand -hex 32)" in result.stdout + result.stderr


def test_with_the_database_unreachable_the_api_answers_503_json_and_health_stays_up(
    start_server,
):
    server = start_server(DATABASE_URL=CLOSED_PORT_DB, DB_CONNECT_TIMEOUT="2")
    with server.client() as http:
        assert http.get("/health/").json() == {"status": "ok"}

        ready = http.get("/ready/")
        assert ready.status_code == 503
        assert ready.json()["error"] == "service_unavailable"
        assert ready.json()["checks"]["database"].startswith("failed")

        api = http.get("/api/v1/models/", headers={"Authorization": "Bearer mlt_abcd_secret"})
        assert api.status_code == 503
        assert api.headers["content-type"].startswith("application/json")
        assert api.headers["retry-after"] == "5"
        assert api.json()["error"] == "service_unavailable"
        assert "127.0.0.1" not in api.text and "nothing" not in api.text

        # A signed-in visitor's session lives in the database: the page is our 503 page.
        page = http.get("/models/", cookies={"sessionid": "x" * 32})
        assert page.status_code == 503
        assert "Temporarily unavailable" in page.text
        assert "Traceback" not in page.text and "OperationalError" not in page.text


@pytest.mark.postgres
def test_after_its_database_connection_is_killed_the_server_recovers_without_a_restart(
    transactional_db, start_server
):
    member = MemberFactory()
    _, raw = token_create(user=member.user)
    server = start_server(DATABASE_URL=database_url_of(connection))
    headers = {"Authorization": f"Bearer {raw}"}
    with server.client(headers=headers) as http:
        assert http.get("/api/v1/models/").status_code == 200
        with connection.cursor() as cursor:  # what a PostgreSQL restart does to it
            cursor.execute(
                # 5 s: wait until each backend is gone (its goodbye sent), as after a restart
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (killed,) = cursor.fetchone()
        assert killed >= 1  # the worker's persistent connection
        assert http.get("/api/v1/models/").status_code == 200
        assert http.get("/ready/").status_code == 200


def test_x_forwarded_proto_is_trusted_only_when_the_setting_says_so(start_server):
    plain = start_server(DATABASE_URL=CLOSED_PORT_DB, SECURE_SSL_REDIRECT="true")
    with plain.client() as http:
        claimed = http.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
        assert claimed.status_code == 301  # still plain HTTP: redirected to https
        assert claimed.headers["location"].startswith("https://")
    proxied = start_server(
        DATABASE_URL=CLOSED_PORT_DB, SECURE_SSL_REDIRECT="true", TRUST_X_FORWARDED_PROTO="true"
    )
    with proxied.client() as http:
        page = http.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
        assert page.status_code == 200
        assert "strict-transport-security" in page.headers
