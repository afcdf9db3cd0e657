"""Settings come from the environment; the demo default works with nothing set."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, mlteam.settings as s; print(json.dumps({'engine': s.DATABASES['default']['ENGINE'],"
    " 'name': str(s.DATABASES['default']['NAME']), 'host': s.DATABASES['default'].get('HOST'),"
    " 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'key': s.SECRET_KEY,"
    " 'secure_cookies': getattr(s, 'SESSION_COOKIE_SECURE', False)}))"
)
VARIABLES = [
    "DATABASE_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "MLTEAM_VAR_DIR",
    "REDIS_URL",
    "TRUST_X_FORWARDED_PROTO",
    "DB_CONN_MAX_AGE",
]
DEMO_KEY = "django-insecure-mlteam-demo-key-change-me-in-production"


def read_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_debug_on_gives_a_working_demo_on_sqlite_under_var():
    values = read_settings(DEBUG="true")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(ROOT / "var" / "mlteam.sqlite3")
    assert values["debug"] is True
    assert "127.0.0.1" in values["hosts"]


def settings_failure(**env) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0, out.stdout
    return out.stderr


def test_without_debug_a_missing_or_demo_key_refuses_to_start_and_says_what_to_set():
    for env in ({}, {"SECRET_KEY": "short"}, {"DEBUG": "false", "SECRET_KEY": DEMO_KEY}):
        error = settings_failure(**env)
        assert "ImproperlyConfigured" in error
        assert "SECRET_KEY=$(openssl rand -hex 32)" in error
        assert "DEBUG=true" in error


def test_debug_defaults_to_false():
    values = read_settings(SECRET_KEY="k" * 50)
    assert values["debug"] is False
    assert values["secure_cookies"] is True


def test_environment_selects_postgresql_and_production_settings():
    values = read_settings(
        DATABASE_URL="postgres://ml:secret@db.internal:5432/mlteam",
        DEBUG="false",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="mlteam.example.com, api.example.com",
    )
    assert values["engine"] == "mlteam.kernel.postgresql"  # Django's, with a cheaper health check
    assert (values["name"], values["host"]) == ("mlteam", "db.internal")
    assert values["debug"] is False
    assert values["hosts"] == ["mlteam.example.com", "api.example.com"]
    assert values["key"] == "k" * 50
    assert values["secure_cookies"] is True


def test_a_fresh_clone_without_var_can_open_its_sqlite_database(tmp_path):
    var = tmp_path / "not-yet-created"
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.db import connection; "
            "connection.ensure_connection()",
        ],
        env={
            **clean,
            "DEBUG": "true",
            "MLTEAM_VAR_DIR": str(var),
            "DJANGO_SETTINGS_MODULE": "mlteam.settings",
        },
        cwd=ROOT,
        check=True,
    )
    assert (var / "mlteam.sqlite3").exists()


def test_connections_persist_with_health_checks_and_redis_backs_cache_and_sessions():
    probe = (
        "import json, mlteam.settings as s; d = s.DATABASES['default']; print(json.dumps({"
        "'age': d['CONN_MAX_AGE'], 'checks': d['CONN_HEALTH_CHECKS'],"
        " 'timeout': d['OPTIONS'].get('connect_timeout'),"
        " 'cache': s.CACHES['default']['BACKEND'], 'session': s.SESSION_ENGINE,"
        " 'token_cache': s.API_TOKEN_CACHE_SECONDS,"
        " 'proxy': getattr(s, 'SECURE_PROXY_SSL_HEADER', None)}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    base = {"DEBUG": "false", "SECRET_KEY": "k" * 50, "DATABASE_URL": "postgres://h/db"}

    def read(**env):
        out = subprocess.run(
            [sys.executable, "-c", probe],
            env={**clean, **base, **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout)

    plain = read()
    assert (plain["age"], plain["checks"], plain["timeout"]) == (600, True, 5)
    assert plain["cache"].endswith("LocMemCache")
    assert plain["session"] == "django.contrib.sessions.backends.db"
    assert plain["token_cache"] == 0  # a revoked token must not live on in another process
    assert plain["proxy"] is None  # X-Forwarded-Proto is not trusted unless asked for

    shared = read(REDIS_URL="redis://127.0.0.1:6379/1", TRUST_X_FORWARDED_PROTO="true")
    assert shared["cache"].endswith("RedisCache")
    assert shared["session"] == "django.contrib.sessions.backends.cached_db"
    assert shared["token_cache"] == 300
    assert shared["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
