"""``manage.py bench`` (``make bench``): the registry API under load, on PostgreSQL.

Seeds 2,000 models × 5 versions (bulk rows, each registration with its audit event, one version
per model in production with its transition event), starts the production server (gunicorn, 2
workers, DEBUG off, Redis cache), drives each operation with wrk at concurrency 8 (a new
connection per request, as gunicorn's sync workers close it anyway) and prints req/s, p50/p99,
errors and the queries one request makes. Timings live here, never in tests.
"""

import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mlteam.cards.models import ModelCard
from mlteam.evals.latest import latest_results_rebuild
from mlteam.evals.models import Benchmark, EvalResult
from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry.models import Model, ModelArtifact, StageTransition
from mlteam.roster.enums import Orientation, TeamKind
from mlteam.roster.models import MLTeamMember, Role, Team

ROOT = Path(settings.BASE_DIR)
PREFIX = "bench-model-"
PRODUCTION_VERSION = 3


@dataclass
class Operation:
    name: str
    method: str
    # Lua expression for the path; ``m`` is a random model number, ``v`` a random version.
    path: str
    body: str = ""
    sample_path: str = ""  # the same request for counting queries in-process
    sample_body: str = ""
    lua_body: str = ""  # a Lua expression for a body that varies (MLflow's name the model)


def operations(models: int, versions: int) -> list[Operation]:
    width = len(str(models - 1))
    name = f'string.format("{PREFIX}%0{width}d", m)'
    sample = f"{PREFIX}{1:0{width}d}"
    return [
        Operation(
            "search models by name prefix, 100/page",
            "GET",
            f'"/api/v1/models/?page_size=100&name_prefix=" .. string.format("{PREFIX}%0{width - 2}d", p)',
            sample_path=f"/api/v1/models/?page_size=100&name_prefix={PREFIX}{1:0{width - 2}d}",
        ),
        Operation(
            "get model",
            "GET",
            f'"/api/v1/models/" .. {name} .. "/"',
            sample_path=f"/api/v1/models/{sample}/",
        ),
        Operation(
            "get version",
            "GET",
            f'"/api/v1/models/" .. {name} .. "/versions/" .. v .. "/"',
            sample_path=f"/api/v1/models/{sample}/versions/2/",
        ),
        Operation(
            "versions of a model",
            "GET",
            f'"/api/v1/models/" .. {name} .. "/versions/"',
            sample_path=f"/api/v1/models/{sample}/versions/",
        ),
        Operation(
            "production version",
            "GET",
            f'"/api/v1/models/" .. {name} .. "/production/"',
            sample_path=f"/api/v1/models/{sample}/production/",
        ),
        Operation(
            "record an eval",
            "POST",
            f'"/api/v1/models/" .. {name} .. "/versions/" .. v .. "/evals/"',
            body='{"benchmark": "bench-accuracy", "value": 0.875}',
            sample_path=f"/api/v1/models/{sample}/versions/2/evals/",
            sample_body='{"benchmark": "bench-accuracy", "value": 0.875}',
        ),
        Operation(
            "register a version",
            "POST",
            f'"/api/v1/models/" .. {name} .. "/versions/"',
            body='{"artifact_uri": "s3://bench/next/model.bin"}',
            sample_path=f"/api/v1/models/{sample}/versions/",
            sample_body='{"artifact_uri": "s3://bench/next/model.bin"}',
        ),
    ]


# --- Seeding ----------------------------------------------------------------------------------


def seed(models: int, versions: int, log) -> MLTeamMember:
    """The bench organisation and registry; re-running tops it up to ``models``."""
    team, _ = Team.objects.get_or_create(
        slug="bench", defaults={"name": "Bench ML", "kind": TeamKind.ML, "mission": "Load tests."}
    )
    role, _ = Role.objects.get_or_create(name="Bench Research Scientist")
    member = MLTeamMember.objects.filter(user__username="bench").first()
    if member is None:
        from django.contrib.auth import get_user_model

        from mlteam.roster.services import member_join

        user, _ = get_user_model().objects.get_or_create(username="bench", first_name="Bench")
        member = member_join(
            user=user, role=role, orientation=Orientation.RESEARCH, team=team, actor=SYSTEM
        )
    Benchmark.objects.get_or_create(
        slug="bench-accuracy",
        defaults={"name": "Bench accuracy", "metric": "accuracy", "owner_team": team},
    )
    have = Model.objects.filter(name__startswith=PREFIX).count()
    if have >= models:
        log(f"seed: {have} bench models already there")
        return member
    started = time.perf_counter()
    width = len(str(models - 1))
    now = timezone.now()
    rng = random.Random(11)
    with transaction.atomic():
        created = Model.objects.bulk_create(
            Model(
                name=f"{PREFIX}{i:0{width}d}",
                team=team,
                task="text-classification",
                description="Bulk model for the API benchmark.",
                last_version=versions,
            )
            for i in range(have, models)
        )
        artifacts = ModelArtifact.objects.bulk_create(
            ModelArtifact(
                model=model,
                version=v,
                status=Stage.PRODUCTION if v == PRODUCTION_VERSION else Stage.EXPERIMENTAL,
                owner=member,
                created_at=now - timedelta(days=30 - v),
                status_changed_at=now - timedelta(days=30 - v),
                artifact_uri=f"s3://bench/{model.name}/v{v}/",
            )
            for model in created
            for v in range(1, versions + 1)
        )
        ModelCard.objects.bulk_create(ModelCard(artifact=a, summary="Bench.") for a in artifacts)
        events = [
            AuditEvent(
                at=a.created_at,
                actor_id=member.user_id,
                action=AuditAction.ARTIFACT_REGISTERED,
                summary=f"bench registered {a.model.name} v{a.version} (bulk)",
                to_state=Stage.EXPERIMENTAL,
                model=a.model,
                artifact=a,
            )
            for a in artifacts
        ]
        # The production version's history, so "which version is in production" has an answer.
        events += [
            AuditEvent(
                at=a.created_at + timedelta(hours=1),
                actor_id=member.user_id,
                action=AuditAction.ARTIFACT_TRANSITIONED,
                summary=f"{a.model.name} v{a.version} staging → production (bulk)",
                from_state=Stage.STAGING,
                to_state=Stage.PRODUCTION,
                model=a.model,
                artifact=a,
            )
            for a in artifacts
            if a.status == Stage.PRODUCTION
        ]
        AuditEvent.objects.bulk_create(events, batch_size=5000)
        StageTransition.objects.bulk_create(stage_history(artifacts), batch_size=5000)
        benchmark = Benchmark.objects.get(slug="bench-accuracy")
        EvalResult.objects.bulk_create(
            (
                EvalResult(
                    artifact=a,
                    benchmark=benchmark,
                    value=round(rng.random(), 4),
                    recorded_by=member,
                    recorded_at=a.created_at + timedelta(hours=2),
                )
                for a in artifacts
            ),
            batch_size=5000,
        )
        latest_results_rebuild([a.pk for a in artifacts])  # bulk rows skip eval_record
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(
        f"seed: {len(created)} models × {versions} versions in {time.perf_counter() - started:.1f} s"
    )
    return member


def stage_history(artifacts):
    """Each version's registration into experimental and, for the production version, its
    way there: the stage history "which version is in production" reads."""
    for a in artifacts:
        steps = [("", Stage.EXPERIMENTAL, a.created_at)]
        if a.status == Stage.PRODUCTION:
            moved = a.created_at + timedelta(hours=1)
            steps += [(Stage.EXPERIMENTAL, Stage.STAGING, moved), (Stage.STAGING, a.status, moved)]
        for from_stage, to_stage, at in steps:
            yield StageTransition(
                artifact=a, model=a.model, from_stage=from_stage, to_stage=to_stage, at=at
            )


# --- Queries per request (in-process, the same requests) -------------------------------------


def queries_per_request(ops: list[Operation], raw_token: str) -> dict[str, int]:
    counts = {}
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
    # As the server runs: a token cache (this process's memory stands in for Redis here).
    with override_settings(API_TOKEN_CACHE_SECONDS=300, DEBUG=False):
        for op in ops:
            for _attempt in range(2):  # the second, warm request is the one that counts
                with CaptureQueriesContext(connection) as queries:
                    if op.method == "GET":
                        response = client.get(op.sample_path)
                    else:
                        response = client.post(
                            op.sample_path, op.sample_body, content_type="application/json"
                        )
                if response.status_code >= 400:
                    raise RuntimeError(f"{op.name}: {response.status_code} {response.content!r}")
            counts[op.name] = len(queries)
    return counts


# --- The server and the load generator --------------------------------------------------------


def database_url() -> str:
    d = connection.settings_dict
    password = f":{d['PASSWORD']}" if d.get("PASSWORD") else ""
    host = d.get("HOST") or "127.0.0.1"
    return f"postgres://{d.get('USER') or 'postgres'}{password}@{host}:{d.get('PORT') or 5432}/{d['NAME']}"


class Server:
    def __init__(self, *, port: int, workers: int, redis_url: str, var: Path, log_path: Path):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(
            DEBUG="false",
            SECRET_KEY=secrets.token_hex(32),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="false",
            DATABASE_URL=database_url(),
            REDIS_URL=redis_url,
            CACHE_KEY_PREFIX=f"bench-{secrets.token_hex(3)}",
            WEB_CONCURRENCY=str(workers),
            HOST="127.0.0.1",
            PORT=str(port),
            MLTEAM_VAR_DIR=str(var),
            REQUEST_LOG="true",  # production logs a line per request: so does the bench
            LOG_FORMAT="json",
            # Counted as in production (in Redis, a batch at a time), with a budget the load
            # cannot exhaust: the bench measures the server, not the rate.
            API_THROTTLE_RATE="100000000/minute",
            # No worker recycling halfway through an operation: the CPU columns are read off
            # the workers' own counters, which a recycled worker takes away with it.
            GUNICORN_MAX_REQUESTS="0",
        )
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(log_path, "w")  # noqa: SIM115 — closed in stop()
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(
            [str(gunicorn), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until_ready(self, f"{self.url}/ready/", "gunicorn", log_path)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def cpu_seconds(self) -> tuple[dict, dict]:
        """CPU time used so far by each worker and each of their PostgreSQL backends: per
        request, it does not depend on what else the machine is running (wall-clock req/s
        does)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            backends = [row[0] for row in cursor.fetchall()]
        return process_cpu(self.worker_pids()), process_cpu(backends)

    def memory_mib(self) -> tuple[float, float]:
        """Resident memory of the master and its workers: RSS summed (pages shared after the
        preloading fork counted in every process) and PSS (shared pages divided among them)."""
        rss = pss = 0
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            rss += int(re.search(r"^Rss:\s+(\d+) kB", rollup, re.M).group(1))
            pss += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.M).group(1))
        return rss / 1024, pss / 1024

    def stop(self) -> None:
        stop_server(self)


class CeilingServer(Server):
    """The bare Django view of ``bench_ceiling`` under gunicorn, with the API server's workers."""

    def __init__(self, *, port: int, workers: int, var: Path):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env["DATABASE_URL"] = database_url()
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(var / "ceiling.log", "w")  # noqa: SIM115 — closed in stop()
        gunicorn = Path(sys.executable).parent / "gunicorn"
        command = [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
        command += ["--log-level", "warning", "mlteam.site.bench_ceiling:application"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        ready = f"{self.url}/models/{PREFIX}{0:04d}/"
        wait_until_ready(self, ready, "the ceiling server", var / "ceiling.log")


def ceiling_operation(models: int) -> Operation:
    width = len(str(models - 1))
    name = f'string.format("{PREFIX}%0{width}d", m)'
    return Operation("bare Django: one indexed lookup", "GET", f'"/models/" .. {name} .. "/"')


def wait_until_ready(server, url: str, what: str, log_path, seconds: int = 120) -> None:
    """Until ``url`` answers 200; stops ``server`` (``.process``, ``.log``) and raises if it
    exits or does not get there in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{what} exited; see {log_path}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise RuntimeError(f"{what} did not get ready; see {log_path}")


def stop_server(server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
    server.log.close()


TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pids) -> dict[int, float]:
    """CPU seconds (user + system) each of the processes ``pids`` has used so far."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return used


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two ``process_cpu`` readings: a process new since the first
    counts from zero; one gone by the second adds nothing (what it used after the first reading
    is lost — a connection pool's backends come and go — but never counts negative)."""
    return sum(after.get(pid, used) - used for pid, used in before.items()) + sum(
        used for pid, used in after.items() if pid not in before
    )


LUA = """
math.randomseed(os.time())
local token = "{token}"
request = function()
  local m = math.random(0, {models} - 1)
  local p = math.random(0, {prefixes} - 1)
  local v = math.random(1, {versions})
  local headers = {{}}
  headers["Authorization"] = "Bearer " .. token
  headers["Connection"] = "close"
  {content_type}
  return wrk.format("{method}", {path}, headers, {body})
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"' if text else "nil"


def run_wrk(op, *, url, token, models, versions, seconds, connections, threads) -> dict:
    script = LUA.format(
        token=token,
        models=models,
        prefixes=max(1, models // 100),
        versions=versions,
        method=op.method,
        path=op.path,
        body=op.lua_body or lua_string(op.body),
        content_type=(
            'headers["Content-Type"] = "application/json"' if op.body or op.lua_body else ""
        ),
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "30s",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    return parse_wrk(out)


def to_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in socket.groups()) if socket else 0
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors, "requests": total}


def run_python(op, *, url, token, models, versions, seconds, connections, threads) -> dict:
    """Fallback without wrk: ``connections`` threads, each a new connection per request."""
    width = len(str(models - 1))
    latencies, errors, stop = [], [0], time.monotonic() + seconds
    lock = threading.Lock()

    def path_for(rng) -> str:
        m, v = rng.randrange(models), rng.randint(1, versions)
        p = rng.randrange(max(1, models // 100))
        name = f"{PREFIX}{m:0{width}d}"
        lua = op.path
        if "name_prefix" in lua:
            return f"/api/v1/models/?page_size=100&name_prefix={PREFIX}{p:0{width - 2}d}"
        path = "/api/v1/models/" + name + "/"
        if '/versions/" .. v .. "/evals/' in lua:
            return f"{path}versions/{v}/evals/"
        if '/versions/" .. v' in lua:
            return f"{path}versions/{v}/"
        if "/versions/" in lua:
            return f"{path}versions/"
        if "/production/" in lua:
            return f"{path}production/"
        return path

    def worker(seed: int):
        rng = random.Random(seed)
        headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
        if op.body:
            headers["Content-Type"] = "application/json"
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                response = httpx.request(
                    op.method, url + path_for(rng), headers=headers, content=op.body or None
                )
                ok = response.status_code < 400
            except httpx.HTTPError:
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += 0 if ok else 1

    began = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0  # noqa: E731
    return {
        "rps": len(latencies) / elapsed,
        "p50": pick(0.50),
        "p99": pick(0.99),
        "errors": errors[0],
        "requests": len(latencies),
    }


def load_generator():
    return ("wrk", run_wrk) if shutil.which("wrk") else ("python threads", run_python)
