"""A real MLflow tracking server for the import tests, started from MLflow's own virtualenv.

``make mlflow`` (which ``.ci/run`` calls) creates ``.venv-mlflow`` so that MLflow's many
dependencies stay out of the app's. Without it the tests skip with a reason, except under
``CI=true``, where a missing MLflow fails them.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
MLFLOW = Path(os.environ.get("MLFLOW_BIN", ROOT / ".venv-mlflow" / "bin" / "mlflow"))
PORTS = range(8550, 8600)
STARTUP_SECONDS = 300  # a cold MLflow server on a busy two-core machine takes a while


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1} for the MLflow server")


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    """The base URL of a fresh MLflow server (sqlite backend in a temporary directory)."""
    if not MLFLOW.exists():
        message = f"MLflow is not installed at {MLFLOW}; run `make mlflow`."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [
            str(MLFLOW),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{home / 'mlflow.db'}",
            "--default-artifact-root",
            str(home / "artifacts"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=home,
        # Its own process group, so that stopping it stops its workers too; no job runner
        # (MLflow's background jobs are not needed to serve the registry and tracking API).
        start_new_session=True,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(
                    "the MLflow server did not start:\n" + (home / "server.log").read_text()[-3000:]
                )
            time.sleep(1)
        yield url
    finally:
        _stop(server)
        log.close()


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM to the server's whole process group, SIGKILL to whatever is left after 30 s."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=30)


class MlflowWriter:
    """Populates the server through MLflow's REST API, as a team's training jobs would have."""

    def __init__(self, url: str):
        self.http = httpx.Client(base_url=url + "/api/2.0/mlflow/", timeout=60)

    def post(self, path: str, **body) -> dict:
        response = self.http.post(path, json=body)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    def experiment(self, name: str) -> str:
        return self.post("experiments/create", name=name)["experiment_id"]

    def run(self, experiment_id: str, name: str, *, params: dict, metrics: dict, status="FINISHED"):
        start = 1_764_000_000_000
        run = self.post(
            "runs/create", experiment_id=experiment_id, run_name=name, start_time=start
        )["run"]["info"]["run_id"]
        self.post(
            "runs/log-batch",
            run_id=run,
            params=[{"key": k, "value": str(v)} for k, v in params.items()],
            metrics=[
                {"key": key, "value": value, "step": step, "timestamp": start + step * 1000}
                for key, values in metrics.items()
                for step, value in enumerate(values)
            ],
            tags=[
                {"key": "team", "value": "fraud"},
                {"key": "mlflow.source.git.commit", "value": "abc123"},
            ],
        )
        self.post("runs/update", run_id=run, status=status, end_time=start + 60_000)
        return run

    def model(self, name: str, *, description: str = "", tags: dict | None = None) -> None:
        self.post(
            "registered-models/create",
            name=name,
            description=description,
            tags=[{"key": k, "value": v} for k, v in (tags or {}).items()],
        )

    def version(self, name: str, *, run_id: str, source: str, stage: str | None = None) -> str:
        version = self.post(
            "model-versions/create",
            name=name,
            source=source,
            run_id=run_id,
            description=f"{name} build",
        )["model_version"]["version"]
        if stage:
            self.post(
                "model-versions/transition-stage",
                name=name,
                version=version,
                stage=stage,
                archive_existing_versions=False,
            )
        return version

    def alias(self, name: str, alias: str, version: str) -> None:
        self.post("registered-models/alias", name=name, alias=alias, version=version)
