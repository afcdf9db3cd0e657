"""``manage.py bench --mlflow``: the same operations against MLflow's model registry, on this
machine, in the same run — each of our operations is followed at once by MLflow's, so both see
the same machine (its speed varies from one minute to the next).

MLflow comes from its own virtualenv (``make mlflow``: MLflow 3 with psycopg), serves with 2
uvicorn workers on the same PostgreSQL (database ``mlteam_bench_mlflow``) and is seeded through
its REST API with the same registry: 2,000 models × 5 versions, v3 under the alias
``production``. The MLflow equivalents are the issue's: search by name prefix, get a registered
model, get a version, search a model's versions, get by alias, set a version tag (for recording
an eval), create a version.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg

from mlteam.site.bench import (
    PREFIX,
    PRODUCTION_VERSION,
    ROOT,
    Operation,
    process_cpu,
    stop_server,
    wait_until_ready,
)

MLFLOW = ROOT / ".venv-mlflow" / "bin" / "mlflow"
API = "/api/2.0/mlflow/"
DATABASE = "mlteam_bench_mlflow"


def available() -> str | None:
    """Why the comparison cannot run here, or None."""
    if not MLFLOW.exists():
        return "MLflow is not installed: run `make mlflow` first."
    if not shutil.which("wrk"):
        return "the MLflow comparison drives both servers with wrk: apt-get install wrk."
    return None


def operations(models: int) -> dict[str, Operation]:
    """MLflow's request for each of our operations (by our operation's name)."""
    width = len(str(models - 1))
    name = f'string.format("{PREFIX}%0{width}d", m)'
    prefix = f'string.format("{PREFIX}%0{width - 2}d", p)'
    version_body = '"{\\"name\\": \\"" .. ' + name + ' .. "\\", \\"version\\": \\"" .. v .. "\\"'
    return {
        "search models by name prefix, 100/page": Operation(
            "search",
            "GET",
            f'"{API}registered-models/search?max_results=100&filter=name%20LIKE%20%27" .. '
            f'{prefix} .. "%25%27"',
        ),
        "get model": Operation("get", "GET", f'"{API}registered-models/get?name=" .. {name}'),
        "get version": Operation(
            "get version",
            "GET",
            f'"{API}model-versions/get?name=" .. {name} .. "&version=" .. v',
        ),
        "versions of a model": Operation(
            "versions",
            "GET",
            f'"{API}model-versions/search?filter=name%3D%27" .. {name} .. "%27"',
        ),
        "production version": Operation(
            "alias",
            "GET",
            f'"{API}registered-models/alias?name=" .. {name} .. "&alias=production"',
        ),
        "record an eval": Operation(
            "set tag",
            "POST",
            f'"{API}model-versions/set-tag"',
            lua_body=version_body + ' .. ", \\"key\\": \\"accuracy\\", \\"value\\": \\"0.875\\"}"',
        ),
        "register a version": Operation(
            "create version",
            "POST",
            f'"{API}model-versions/create"',
            lua_body='"{\\"name\\": \\"" .. '
            + name
            + ' .. "\\", \\"source\\": \\"s3://bench/next/model.bin\\"}"',
        ),
    }


class MlflowServer:
    """``mlflow server`` with ``workers`` uvicorn workers on the bench's PostgreSQL."""

    def __init__(self, *, port: int, workers: int, pg_base: str, var: Path):
        _create_database(pg_base)
        self.database_url = f"{pg_base}/{DATABASE}"
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(var / "mlflow.log", "w")  # noqa: SIM115 — closed in stop()
        self.process = subprocess.Popen(
            [
                str(MLFLOW),
                "server",
                "--backend-store-uri",
                self.database_url.replace("postgres://", "postgresql://"),
                "--default-artifact-root",
                str(var / "mlflow-artifacts"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            cwd=var,
            env={**os.environ, "MLFLOW_LOGGING_LEVEL": "WARNING"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until_ready(self, f"{self.url}/health", "mlflow server", var / "mlflow.log")

    def settle(self, seconds: int = 90) -> None:
        """Until MLflow's processes are idle: its job runners keep importing for a while after
        the server answers, which would load the machine under the first operations."""
        deadline = time.monotonic() + seconds
        last = sum(process_cpu(self.pids()).values())
        while time.monotonic() < deadline:
            time.sleep(1)
            now = sum(process_cpu(self.pids()).values())
            if now - last < 0.05:  # under 5 % of a core for a second
                return
            last = now

    def pause(self) -> None:
        """Stop MLflow's processes (SIGSTOP) while the other server is measured: its job
        runners poll and would take CPU from it."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, which) -> None:
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, which)

    def pids(self) -> list[int]:
        """The server's processes: the CLI, uvicorn, its workers and MLflow's job runners."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            # Every thread's children: MLflow's job runner starts its workers from a thread.
            for children in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    todo += [int(p) for p in children.read_text().split()]
        return found

    def cpu_seconds(self) -> tuple[float, float]:
        with psycopg.connect(self.database_url) as db:
            backends = [
                row[0]
                for row in db.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [DATABASE],
                )
            ]
        return process_cpu(self.pids()), process_cpu(backends)

    def seed(self, models: int, versions: int, log) -> None:
        """The bench registry through MLflow's REST API (skipped when already there)."""
        width = len(str(models - 1))
        names = [f"{PREFIX}{i:0{width}d}" for i in range(models)]
        with httpx.Client(base_url=self.url + API, timeout=30) as http:
            last = http.get("registered-models/get", params={"name": names[-1]})
            if last.status_code == 200:
                log(f"mlflow seed: {models} bench models already there")
                return
            started = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda n: _seed_model(http, n, versions), names))
        log(
            f"mlflow seed: {models} models × {versions} versions in "
            f"{time.perf_counter() - started:.1f} s"
        )

    def stop(self) -> None:
        self.resume()  # a stopped process would not see the terminate
        stop_server(self)


def _seed_model(http: httpx.Client, name: str, versions: int) -> None:
    if http.post("registered-models/create", json={"name": name}).status_code == 400:
        return  # already there (an interrupted seed): keep what it has
    for v in range(1, versions + 1):
        http.post(
            "model-versions/create", json={"name": name, "source": f"s3://bench/{name}/v{v}/"}
        ).raise_for_status()
    http.post(
        "registered-models/alias",
        json={"name": name, "alias": "production", "version": str(PRODUCTION_VERSION)},
    ).raise_for_status()


def _create_database(pg_base: str) -> None:
    with psycopg.connect(f"{pg_base}/postgres", autocommit=True) as db:
        if db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            return
        db.execute(f'CREATE DATABASE "{DATABASE}"')
