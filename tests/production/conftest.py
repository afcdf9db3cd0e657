"""Production servers for the tests: gunicorn started the way `make serve` starts it (DEBUG off,
a real key), on free ports of this worktree's range, stopped after each test."""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
PORTS = range(int(os.environ.get("MLTEAM_TEST_PORT_BASE", "8150")), 8200)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_hex(32),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on the loopback; a proxy terminates TLS
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        WEB_CONCURRENCY="1",
        LOG_LEVEL="WARNING",
    )
    # What tests/settings.py set for the test run itself must not leak into the servers.
    for name in ("REDIS_URL", "DB_CONN_MAX_AGE", "DATABASE_URL"):
        env.pop(name, None)
    env.update(extra)
    return env


class Server:
    def __init__(self, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115 — closed in stop()
        self.process = subprocess.Popen(
            [str(GUNICORN), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env={**env, "HOST": "127.0.0.1", "PORT": str(self.port)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/health/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer /health/ within 60 s")

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="session")
def collected_var(tmp_path_factory) -> Path:
    """A var/ with collected static files, as `make serve` prepares it (once per test run)."""
    var = tmp_path_factory.mktemp("var")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=production_env(MLTEAM_VAR_DIR=str(var)),
        check=True,
    )
    return var


@pytest.fixture
def start_server(collected_var):
    servers = []

    def start(**env) -> Server:
        server = Server(production_env(MLTEAM_VAR_DIR=str(collected_var), **env))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def database_url_of(connection) -> str:
    d = connection.settings_dict
    user = d.get("USER") or "postgres"
    password = f":{d['PASSWORD']}" if d.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{d.get('HOST') or '127.0.0.1'}:{d.get('PORT') or 5432}/{d['NAME']}"


@pytest.fixture(scope="module")
def start_module_server(collected_var):
    """Like start_server, for servers shared by a module's tests (starting one takes seconds)."""
    servers = []

    def start(**env) -> Server:
        server = Server(production_env(MLTEAM_VAR_DIR=str(collected_var), **env))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
