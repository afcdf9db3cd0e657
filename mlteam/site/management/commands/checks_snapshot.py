"""``manage.py checks_snapshot``: store today's finding counts per check code (schedule daily)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from mlteam.registry.check_snapshots import checks_snapshot_take


class Command(BaseCommand):
    help = (
        "Count today's organisation-check findings per code and severity, so /checks/ shows the "
        "trend over the last 90 days. Run it once a day (cron, a systemd timer or the task "
        "worker); running it again the same day replaces that day's counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", help="Store the counts under this date (YYYY-MM-DD).")

    def handle(self, *args, day=None, **options):
        try:
            when = date.fromisoformat(day) if day else None
        except ValueError:
            raise CommandError(f"--day {day!r} is not a date (YYYY-MM-DD).") from None
        snapshots = checks_snapshot_take(day=when)
        total = sum(s.total for s in snapshots)
        self.stdout.write(f"Stored {len(snapshots)} codes, {total} findings.")
