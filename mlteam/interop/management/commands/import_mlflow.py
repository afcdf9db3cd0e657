"""``manage.py import_mlflow --tracking-uri URL --team SLUG [--model NAME…] [--dry-run]``."""

import sys

from django.core.management.base import BaseCommand, CommandError

from mlteam.interop.mlflow_rest import MlflowError
from mlteam.interop.services import mlflow_import
from mlteam.kernel.errors import DomainError
from mlteam.roster.models import MLTeamMember, Team

BAR = 30


class Command(BaseCommand):
    help = (
        "Import registered models, their versions and the runs behind them from a running MLflow "
        "tracking server (REST API). A second import adds only what is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tracking-uri", required=True, help="e.g. http://127.0.0.1:5000")
        parser.add_argument("--team", required=True, help="Slug of the team that will own them.")
        parser.add_argument(
            "--model",
            action="append",
            dest="models",
            metavar="NAME",
            help="Only this registered model (repeat for several; default: all).",
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="The ML lead the import acts as (default: the team's lead, if an ML lead).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Do the whole import, report it, keep nothing."
        )

    def handle(self, *args, tracking_uri, team, models, username, dry_run, **options):
        found = Team.objects.filter(slug=team).select_related("lead__role").first()
        if found is None:
            raise CommandError(f"There is no team '{team}'.")
        actor = self._actor(found, username)
        self.tty = hasattr(self.stdout, "isatty") and self.stdout.isatty()
        try:
            record = mlflow_import(
                tracking_uri=tracking_uri,
                team=found,
                actor=actor,
                model_names=models,
                dry_run=dry_run,
                progress=self._progress,
            )
        except (DomainError, MlflowError) as error:
            raise CommandError(getattr(error, "message", None) or str(error)) from None
        if self.tty:
            self.stdout.write("")
        self._summary(record)
        if record.state == "failed":
            raise CommandError("The import failed; nothing was imported.")

    def _actor(self, team: Team, username: str | None) -> MLTeamMember:
        if username:
            actor = (
                MLTeamMember.objects.filter(user__username=username).select_related("role").first()
            )
            if actor is None:
                raise CommandError(f"'{username}' has no roster entry.")
            return actor
        if team.lead is None or not team.lead.role.is_ml_lead:
            raise CommandError(
                f"{team.name} has no ML lead as its lead; say who imports with --as USERNAME."
            )
        return team.lead

    def _progress(self, done: int, total: int, label: str) -> None:
        """A bar redrawn in place on a terminal; one line per item when the output is a file."""
        filled = BAR * done // total if total else BAR
        line = f"[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total} {label}"
        if self.tty:
            self.stdout.write(f"\r{line[:100]:<100}", ending="")
            self.stdout.flush()
        else:
            self.stdout.write(line)

    def _summary(self, record) -> None:
        counts = record.counts
        verb = "Would import" if record.dry_run else "Imported"
        self.stdout.write(
            f"{verb} from {record.tracking_uri}: {counts.get('models', 0)} models, "
            f"{counts.get('versions', 0)} versions, {counts.get('experiments', 0)} experiments, "
            f"{counts.get('runs', 0)} runs ({counts.get('metric_points', 0)} metric values), "
            f"{counts.get('promotions_requested', 0)} promotion requests opened."
        )
        skipped = counts.get("models_skipped", 0) + counts.get("versions_skipped", 0)
        if skipped:
            self.stdout.write(
                f"Already imported before (skipped): {counts.get('models_skipped', 0)} models, "
                f"{counts.get('versions_skipped', 0)} versions."
            )
        for note in record.notes:
            self.stdout.write(f"  note: {note}")
        for error in record.errors:
            self.stderr.write(f"  error: {error}")
        if record.errors:
            self.stdout.write(f"{len(record.errors)} item(s) failed; the rest was imported.")
        if record.dry_run:
            self.stdout.write("Dry run: nothing was kept.")
        sys.stdout.flush()
