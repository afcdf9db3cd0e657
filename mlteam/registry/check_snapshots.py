"""Daily counts of organisation-check findings per code, so /checks/ can show the trend."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from mlteam.registry.checks import CODES, organisation_checks
from mlteam.registry.models import CheckSnapshot

TREND_DAYS = 90


def checks_snapshot_take(*, day: date | None = None) -> list[CheckSnapshot]:
    """Count today's findings per code and severity (every code, zeros included) and store them
    for ``day`` (default today). Running it twice a day replaces that day's counts. No audit
    event: snapshots are measurements, not changes of state."""
    day = day or timezone.localdate()
    counts = {code: {"high": 0, "medium": 0, "low": 0} for code in CODES}
    for finding in organisation_checks():
        counts[finding.code][finding.severity] += 1
    with transaction.atomic():
        CheckSnapshot.objects.filter(day=day).delete()
        return CheckSnapshot.objects.bulk_create(
            CheckSnapshot(day=day, code=code, **levels) for code, levels in counts.items()
        )


@dataclass
class CodeTrend:
    code: str
    days: list[date]
    totals: list[int]

    @property
    def first(self) -> int | None:
        return self.totals[0] if self.totals else None

    @property
    def last(self) -> int | None:
        return self.totals[-1] if self.totals else None

    def points(self, width: int = 120, height: int = 24) -> str:
        """A sparkline's polyline points (x over the 90 days, y scaled to the largest count)."""
        if not self.days:
            return ""
        start, top = self.days[-1] - timedelta(days=TREND_DAYS), max(max(self.totals), 1)
        return " ".join(
            f"{round(width * (d - start).days / TREND_DAYS, 1)},"
            f"{round(height - height * n / top, 1)}"
            for d, n in zip(self.days, self.totals, strict=True)
        )


def checks_trend(*, days: int = TREND_DAYS, today: date | None = None) -> dict[str, CodeTrend]:
    """Each code's daily totals over the last ``days`` (one query)."""
    today = today or timezone.localdate()
    trends = {code: CodeTrend(code, [], []) for code in CODES}
    rows = CheckSnapshot.objects.filter(day__gt=today - timedelta(days=days), day__lte=today)
    for snapshot in rows.order_by("day"):
        trend = trends.setdefault(snapshot.code, CodeTrend(snapshot.code, [], []))
        trend.days.append(snapshot.day)
        trend.totals.append(snapshot.total)
    return trends
