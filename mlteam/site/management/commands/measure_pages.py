"""``manage.py measure_pages``: time the main pages and API lists on the current database.

The benchmark behind the scale target (DESIGN.md: 100,000 artifacts, 1,000,000 eval results
without a page getting slow). Run it after ``seed_demo --scale 100000``; it reads only, and
prints each URL's status, median time and query count. Timings belong here, not in tests:
the tests pin query counts, this command measures seconds on real data.
"""

import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mlteam.evals.models import Benchmark
from mlteam.registry.models import ModelArtifact, PromotionRequest
from mlteam.tracking.models import Run


def sample_urls() -> list[str]:
    """Representative pages and endpoints, pointed at the largest objects in the database."""
    urls = ["/", "/models/", "/models/?page=50", "/promotions/?tab=all", "/benchmarks/"]
    urls += ["/experiments/", "/roster/", "/teams/", "/topology/"]
    urls += ["/api/v1/models/", "/api/v1/models/?stage=experimental", "/api/v1/events/"]
    artifact = ModelArtifact.objects.select_related("model").order_by("-version", "-id").first()
    if artifact:
        version = f"/models/{artifact.model.name}/v{artifact.version}/"
        urls += [f"/models/{artifact.model.name}/", version, f"{version}card/"]
        urls.append(f"/api/v1/models/{artifact.model.name}/versions/{artifact.version}/")
    busiest = Benchmark.objects.annotate(n=Count("results")).order_by("-n").first()
    if busiest:
        urls += [f"/benchmarks/{busiest.slug}/", f"/benchmarks/{busiest.slug}/?page=100"]
        urls.append(f"/api/v1/benchmarks/{busiest.slug}/leaderboard/?limit=50")
    promotion = PromotionRequest.objects.order_by("-id").first()
    if promotion:
        urls.append(f"/promotions/{promotion.pk}/")
    run = Run.objects.order_by("-id").first()
    if run:
        urls += [f"/experiments/{run.experiment_id}/", f"/runs/{run.pk}/"]
    urls += ["/admin/registry/modelartifact/", "/admin/kernel/auditevent/"]
    return [*urls, "/admin/evals/evalresult/", "/admin/roster/mlteammember/"]


class Command(BaseCommand):
    help = "Time the main pages and API lists on this database (median of --repeat runs)."

    def add_arguments(self, parser):
        parser.add_argument("--user", default="lead", help="Who looks (default: lead).")
        parser.add_argument("--repeat", type=int, default=3, help="Runs per URL (default 3).")

    def handle(self, *args, user: str, repeat: int, **options):
        if repeat < 1:
            raise CommandError("--repeat must be 1 or more.")
        person = get_user_model().objects.filter(username=user).first()
        if person is None:
            raise CommandError(f"No user '{user}'. Run seed_demo first, or pass --user.")
        # Pose as a browser of this deployment: one of its hosts, over https when not DEBUG.
        hosts = [h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
        client = Client(SERVER_NAME=hosts[0] if hosts else "localhost")
        client.force_login(person)
        self.stdout.write(f"{'status':>6} {'median':>8} {'queries':>7}  url")
        for url in sample_urls():
            status, median, queries = self._measure(client, url, repeat)
            self.stdout.write(f"{status:>6} {median:>7.3f}s {queries:>7}  {url}")

    def _measure(self, client: Client, url: str, repeat: int) -> tuple[int, float, int]:
        seconds = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, secure=not settings.DEBUG)
                seconds.append(time.perf_counter() - started)
        return response.status_code, statistics.median(seconds), len(queries)
