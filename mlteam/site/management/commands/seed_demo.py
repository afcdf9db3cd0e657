"""``manage.py seed_demo``: a realistic organisation to explore, built through the services."""

import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from mlteam.kernel import events
from mlteam.roster.models import Team
from mlteam.site.demo.organisation import DEMO_PASSWORD, build_organisation
from mlteam.site.demo.practices import break_practices
from mlteam.site.demo.registry import Replay
from mlteam.site.demo.scale import seed_scale

MARKER_TEAM = "foundation-models"


class Command(BaseCommand):
    help = (
        "Create the demo organisation (teams, roster, protocols, benchmarks, ~25 models with a "
        "year of history). Running it again changes nothing. --scale N adds a bulk registry."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="Also bulk-create N artifacts (experimental) with eval results.",
        )
        parser.add_argument(
            "--evals-per-artifact",
            type=int,
            default=10,
            help="Eval results per bulk artifact (default 10).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")

    def handle(self, *args, scale: int, evals_per_artifact: int, seed: int, **options):
        if scale < 0 or evals_per_artifact < 0:
            raise CommandError("--scale and --evals-per-artifact must be zero or more.")
        rng = random.Random(seed)
        now = timezone.now()
        if Team.objects.filter(slug=MARKER_TEAM).exists():
            self.stdout.write("Demo organisation already present; nothing changed.")
        else:
            started = time.monotonic()
            # A year of replayed history is not news: nobody is emailed or notified about it.
            with transaction.atomic(), events.unpublished():
                org = build_organisation(rng, now)
                replay = Replay(org, rng, now)
                replay.run()
                break_practices(replay)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo organisation created in {time.monotonic() - started:.1f}s."
                )
            )
        if scale:
            started = time.monotonic()
            added = seed_scale(scale, evals_per_artifact=evals_per_artifact, now=now, rng=rng)
            self.stdout.write(
                f"Bulk registry: added {added} artifacts ({added * evals_per_artifact} eval results) "
                f"in {time.monotonic() - started:.1f}s."
            )
        self._print_logins()

    def _print_logins(self) -> None:
        if not settings.DEBUG:
            self.stdout.write(
                "DEBUG is off: demo logins are disabled (their accounts have no password)."
            )
            return
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        rows = [
            ("lead", "ML lead — roster, targets, protocols (also admin)"),
            ("gatekeeper", "gate owner — ML Production Engineer, signs staging → production"),
            ("researcher", "Research Scientist on Applied ML — has a pending request"),
            ("product", "Product Engineer — browses models and cards"),
        ]
        for username, what in rows:
            self.stdout.write(f"  {username:<11} {what}")
