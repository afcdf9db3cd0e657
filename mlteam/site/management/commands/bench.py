"""``manage.py bench``: the registry API under load on PostgreSQL (see mlteam/site/bench.py);
``--mlflow`` measures MLflow's registry beside it (mlteam/site/bench_mlflow.py)."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from mlteam.api.models import ApiToken
from mlteam.api.services import token_create, token_revoke
from mlteam.kernel.actors import SYSTEM
from mlteam.site import bench, bench_mlflow


class Command(BaseCommand):
    help = (
        "Seed 2,000 models × 5 versions, start gunicorn (2 workers) and print req/s, p50/p99, "
        "errors and queries per request for the main API operations (--mlflow: and MLflow's)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8099)
        parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
        parser.add_argument("--models", type=int, default=2000)
        parser.add_argument("--versions", type=int, default=5)
        parser.add_argument("--workers", type=int, default=2, help="server workers (2)")
        parser.add_argument("--connections", type=int, default=8, help="concurrency (8)")
        parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
        parser.add_argument("--seconds", type=int, default=10, help="per operation (10)")
        parser.add_argument("--only", default="", help="run operations whose name has this")
        parser.add_argument(
            "--mlflow",
            action="store_true",
            help="also MLflow's registry (make mlflow), each operation right after ours",
        )
        parser.add_argument("--mlflow-port", type=int, default=8097)
        parser.add_argument(
            "--ceiling",
            action="store_true",
            help="also a bare Django view doing one indexed lookup (the ceiling), last",
        )
        parser.add_argument("--ceiling-port", type=int, default=8096)

    def handle(self, *args, **o):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://… "
                "(make bench uses BENCH_DATABASE_URL, by default …/mlteam_bench)."
            )
        if o["mlflow"] and (why := bench_mlflow.available()):
            raise CommandError(why)
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        member = bench.seed(o["models"], o["versions"], self.stdout.write)
        # One live token per run (earlier runs' are revoked: a person holds at most 20).
        for old in ApiToken.objects.filter(user=member.user, revoked_at=None):
            token_revoke(token=old, actor=member.user)
        _, token = token_create(user=member.user, name="bench", days=1, actor=SYSTEM)
        ops = [op for op in bench.operations(o["models"], o["versions"]) if o["only"] in op.name]
        queries = bench.queries_per_request(ops, token)
        generator, run = bench.load_generator()
        var = Path(tempfile.mkdtemp(prefix="mlteam-bench-"))
        servers = [self._start_ours(o, var)]
        try:
            if o["mlflow"]:
                servers.append(self._start_mlflow(o, var))
            self.stdout.write(
                f"server: gunicorn, {o['workers']} workers on :{o['port']}; load: {generator}, "
                f"concurrency {o['connections']}, {o['seconds']} s per operation, a new "
                "connection per request"
            )
            mlflow_ops = bench_mlflow.operations(o["models"])
            rows = []
            mlflow = servers[1] if o["mlflow"] else None
            for op in ops:
                if mlflow:
                    mlflow.pause()  # each server is measured alone
                ours = self._measure(servers[0], op, run, token, o)
                theirs = None
                if mlflow:
                    mlflow.resume()
                    theirs = self._measure(mlflow, mlflow_ops[op.name], run, token, o)
                rows.append((op.name, ours, queries[op.name], theirs))
                also = f" (MLflow {theirs['rps']:.0f})" if theirs else ""
                self.stdout.write(f"  {op.name}: {ours['rps']:.0f} req/s{also}")
            rss, pss = servers[0].memory_mib()
            if mlflow:
                mlflow.pause()
            ceiling = self._ceiling(o, var, run, token) if o["ceiling"] else None
        finally:
            for server in servers:
                server.stop()
        self._table(rows, o["mlflow"])
        if ceiling:
            self.stdout.write(
                f"\nbare-Django ceiling (one indexed lookup, no middleware, same workers and "
                f"load): {ceiling['rps']:.0f} req/s, {ceiling['app_cpu']:.2f} ms app + "
                f"{ceiling['db_cpu']:.2f} ms PostgreSQL CPU a request"
            )
        self.stdout.write(
            f"\nserver memory (master + {o['workers']} workers): {rss:.0f} MiB RSS summed, "
            f"{pss:.0f} MiB PSS (shared pages counted once)"
        )
        self.stdout.write(f"server log: {var / 'gunicorn.log'}")

    def _ceiling(self, o, var: Path, run, token) -> dict:
        server = bench.CeilingServer(port=o["ceiling_port"], workers=o["workers"], var=var)
        try:
            result = self._measure(server, bench.ceiling_operation(o["models"]), run, token, o)
        finally:
            server.stop()
        self.stdout.write(f"  bare Django (the ceiling): {result['rps']:.0f} req/s")
        return result

    def _start_ours(self, o, var: Path):
        return bench.Server(
            port=o["port"],
            workers=o["workers"],
            redis_url=o["redis_url"],
            var=var,
            log_path=var / "gunicorn.log",
        )

    def _start_mlflow(self, o, var: Path):
        pg_base = bench.database_url().rsplit("/", 1)[0]
        server = bench_mlflow.MlflowServer(
            port=o["mlflow_port"], workers=o["workers"], pg_base=pg_base, var=var
        )
        server.seed(o["models"], o["versions"], self.stdout.write)
        server.settle()
        return server

    def _measure(self, server, op, run, token, o) -> dict:
        app_before, db_before = server.cpu_seconds()
        result = run(
            op,
            url=server.url,
            token=token,
            models=o["models"],
            versions=o["versions"],
            seconds=o["seconds"],
            connections=o["connections"],
            threads=o["threads"],
        )
        app_after, db_after = server.cpu_seconds()
        served = max(1, result["requests"])
        result["app_cpu"] = bench.cpu_between(app_before, app_after) * 1000 / served
        result["db_cpu"] = bench.cpu_between(db_before, db_after) * 1000 / served
        return result

    def _table(self, rows, with_mlflow: bool) -> None:
        self.stdout.write("")
        extra = " MLflow req/s | × MLflow | MLflow CPU ms/req (app + PostgreSQL) |" * with_mlflow
        self.stdout.write(
            "| op | req/s | p50 ms | p99 ms | errors | queries/request "
            "| app CPU ms/req | PostgreSQL CPU ms/req | CPU-bound ceiling on 2 cores, req/s |"
            + extra
        )
        self.stdout.write(
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * 3 * with_mlflow
        )
        for name, r, q, m in rows:
            per_request = r["app_cpu"] + r["db_cpu"]
            ceiling = 2000 / per_request if per_request else 0
            line = (
                f"| {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                f"{r['errors']} of {r['requests']} | {q} | {r['app_cpu']:.2f} | "
                f"{r['db_cpu']:.2f} | {ceiling:.0f} |"
            )
            if m:
                ratio = r["rps"] / m["rps"] if m["rps"] else 0
                failed = f" ({m['errors']} errors)" if m["errors"] else ""
                line += (
                    f" {m['rps']:.0f}{failed} | {ratio:.1f}× | "
                    f"{m['app_cpu']:.2f} + {m['db_cpu']:.2f} |"
                )
            self.stdout.write(line)
        self.stdout.write(
            "\nreq/s and latencies are wall-clock and depend on what else runs on the machine "
            f"(load average now {os.getloadavg()[0]:.1f}); the CPU columns are per request "
            "(workers and their PostgreSQL backends, without the load generator) and the ceiling "
            "is 2 cores divided by them."
        )
