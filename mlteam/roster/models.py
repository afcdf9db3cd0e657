"""The team roster: who is on which team, in which role, with which orientation.

``MLTeamMember`` is the seed's dataclass grown up: a role plus an orientation (research or
production) so the team's research-to-production balance is auditable instead of accidental.
Every roster change closes one ``RosterPeriod`` and opens the next, so the ratio can be computed
exactly for any past moment.
"""

from datetime import date, datetime
from itertools import pairwise

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from mlteam.roster.enums import InteractionMode, Orientation, TeamKind


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=TeamKind.choices, db_index=True)
    mission = models.TextField(blank=True)
    lead = models.ForeignKey(
        "roster.MLTeamMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TeamKind.values), name="team_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("roster:team", kwargs={"slug": self.slug})


class Role(models.Model):
    """A named role, e.g. "ML Production Engineer". Handoff protocols name the role that signs."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    is_ml_lead = models.BooleanField(
        default=False,
        help_text="Holders may edit protocols, benchmarks, the roster and targets.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MLTeamMember(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="member"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="members")
    orientation = models.CharField(max_length=16, choices=Orientation.choices, db_index=True)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="members", help_text="Primary team."
    )
    embedded_in = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="embedded_members",
        help_text="Another team this member works inside (how hybrid structures are expressed).",
    )
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__username"]
        verbose_name = "ML team member"
        constraints = [
            models.CheckConstraint(
                condition=Q(orientation__in=Orientation.values), name="member_orientation_valid"
            ),
            models.CheckConstraint(
                condition=Q(embedded_in__isnull=True) | ~Q(embedded_in=F("team")),
                name="member_not_embedded_in_own_team",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="member_leaves_after_joining",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return person_name(self.user.first_name, self.user.last_name, self.user.get_username())

    @property
    def is_active(self) -> bool:
        return self.left_on is None


def person_name(first_name: str, last_name: str, username: str) -> str:
    """How a person is named on pages and in the API: their full name, else their username
    (also for rows read without the user, e.g. the API's version lists)."""
    return f"{first_name} {last_name}".strip() or username


class RosterPeriod(models.Model):
    """A stretch of time during which a member's role, orientation and teams did not change.

    Written only by the roster services; ``valid_to`` is null for the current period.
    """

    member = models.ForeignKey(MLTeamMember, on_delete=models.PROTECT, related_name="periods")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    orientation = models.CharField(max_length=16, choices=Orientation.choices)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    embedded_in = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["member_id", "valid_from"]
        indexes = [
            models.Index(fields=["valid_from", "valid_to"]),
            models.Index(fields=["team", "valid_from"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="roster_period_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(valid_to__isnull=True),
                name="roster_one_open_period_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.valid_from:%Y-%m-%d}–{self.valid_to or 'now'}"


class OrientationTarget(models.Model):
    """The research share a team aims for, with the tolerance around it that counts as on target."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="orientation_target")
    target_research_share = models.DecimalField(max_digits=4, decimal_places=3)
    tolerance = models.DecimalField(max_digits=4, decimal_places=3, default=0.1)
    # A maturity trajectory: dated points the band moves through (see ``schedule_point``);
    # written only by ``orientation_target_set``. Empty: the target holds as it is.
    schedule = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(target_research_share__gte=0) & Q(target_research_share__lte=1),
                name="target_share_between_0_and_1",
            ),
            models.CheckConstraint(
                condition=Q(tolerance__gte=0) & Q(tolerance__lte=1),
                name="target_tolerance_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.target_research_share:.0%} ± {self.tolerance:.0%}"

    @property
    def low(self) -> float:
        return max(0.0, float(self.target_research_share - self.tolerance))

    @property
    def high(self) -> float:
        return min(1.0, float(self.target_research_share + self.tolerance))

    def band_at(self, moment: date | datetime | None = None) -> tuple[float, float, float]:
        """``(low, high, aim)`` at ``moment`` (default today), following the trajectory if any."""
        day = moment.date() if isinstance(moment, datetime) else moment
        share, tolerance = schedule_point(
            self.schedule, day, float(self.target_research_share), float(self.tolerance)
        )
        return max(0.0, share - tolerance), min(1.0, share + tolerance), share


def schedule_point(schedule: list, day: date | None, share: float, tolerance: float):
    """The (share, tolerance) a maturity trajectory gives for ``day``.

    ``schedule`` is a list of ``{"on": "YYYY-MM-DD", "share": .., "tolerance": ..}`` sorted by
    date. Before its first point the base target applies; between two points the band is
    interpolated linearly; after the last point the last one holds.
    """
    if not schedule:
        return share, tolerance
    day = day or timezone.localdate()
    points = [
        (date.fromisoformat(p["on"]), float(p["share"]), float(p["tolerance"])) for p in schedule
    ]
    if day < points[0][0]:
        return share, tolerance
    for (d0, s0, t0), (d1, s1, t1) in pairwise(points):
        if d0 <= day <= d1:
            f = (day - d0).days / max(1, (d1 - d0).days)
            return s0 + f * (s1 - s0), t0 + f * (t1 - t0)
    return points[-1][1], points[-1][2]


class OrientationTargetChange(models.Model):
    """One change of a team's target band, written with it by ``orientation_target_set`` /
    ``orientation_target_remove``: the band from ``at`` on, or (``removed``) no target from then."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="target_changes")
    at = models.DateTimeField()
    target_research_share = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True
    )
    tolerance = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    removed = models.BooleanField(default=False)
    # The maturity trajectory in force from ``at`` (see ``schedule_point``); [] for none.
    schedule = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["team", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(removed=True, target_research_share__isnull=True, tolerance__isnull=True)
                    | Q(
                        removed=False,
                        target_research_share__isnull=False,
                        tolerance__isnull=False,
                        target_research_share__gte=0,
                        target_research_share__lte=1,
                        tolerance__gte=0,
                        tolerance__lte=1,
                    )
                ),
                name="target_change_band_or_removed",
            ),
        ]
        indexes = [models.Index(fields=["team", "at"], name="target_change_team_at")]

    def __str__(self) -> str:
        if self.removed:
            return f"{self.team}: target removed {self.at:%Y-%m-%d}"
        return f"{self.team}: {self.target_research_share:.0%} ± {self.tolerance:.0%} from {self.at:%Y-%m-%d}"


def target_band(share, tolerance, removed: bool, schedule=(), day=None):
    """A recorded change's band (low, high) on ``day`` (its trajectory, if any, moves it),
    clipped to 0–1; None for a removal."""
    if removed:
        return None
    share, tolerance = schedule_point(list(schedule or []), day, float(share), float(tolerance))
    return max(0.0, share - tolerance), min(1.0, share + tolerance)


class TeamInteraction(models.Model):
    """How two teams work together, in Team Topologies' three modes."""

    from_team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="interactions_out")
    to_team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="interactions_in")
    mode = models.CharField(max_length=20, choices=InteractionMode.choices)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["from_team__name", "to_team__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_team", "to_team", "mode"], name="team_interaction_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_team=F("to_team")), name="team_interaction_not_self"
            ),
            models.CheckConstraint(
                condition=Q(mode__in=InteractionMode.values), name="team_interaction_mode_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_team} → {self.to_team} ({self.get_mode_display()})"


class ModelConsumer(models.Model):
    """A team that builds on a registered model (product and agent teams, mostly)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="consumed_models")
    model = models.ForeignKey("registry.Model", on_delete=models.CASCADE, related_name="consumers")
    since = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["team__name", "model__name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "model"], name="model_consumer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.team} uses {self.model}"


class RosterPlan(models.Model):
    """A rebalancing plan an ML lead drafts before changing anyone: a list of changes, the state
    of every person it touches when drafted (so an overtaken plan is refused), and its fate.

    ``changes`` items: ``{"kind": move|embed|orientation|role|leave|hire, ...}``; written only by
    ``mlteam.roster.planning``.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPLIED = "applied", "Applied"
        DISCARDED = "discarded", "Discarded"

    name = models.CharField(max_length=160)
    note = models.TextField(blank=True)
    state = models.CharField(
        max_length=12, choices=State.choices, default=State.DRAFT, editable=False, db_index=True
    )
    changes = models.JSONField(default=list, blank=True)
    basis = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["draft", "applied", "discarded"]),
                name="roster_plan_state_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("roster:plan", kwargs={"pk": self.pk})
