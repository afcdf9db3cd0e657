"""The append-only audit trail: every state change in every app writes one row here."""

from django.conf import settings
from django.db import models

from mlteam.kernel.enums import AuditAction


class AuditEvent(models.Model):
    """Append-only record of every state change: who, what, when, from/to, details.

    Rows are never updated or deleted (``save`` refuses updates; on PostgreSQL a trigger refuses
    UPDATE, DELETE and TRUNCATE). Subject foreign keys are denormalised so timelines are one query.

    The one write after insert is sealing (``kernel.audit_chain``): the sealer sets the three
    ``seal`` columns once, chaining the event to the one sealed before it; the trigger allows
    exactly that update and nothing else.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices, db_index=True)
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)
    model = models.ForeignKey(
        "registry.Model", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="events"
    )
    artifact = models.ForeignKey(
        "registry.ModelArtifact",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="events",
    )
    promotion = models.ForeignKey(
        "registry.PromotionRequest",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="events",
    )
    member = models.ForeignKey(
        "roster.MLTeamMember",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="events",
    )
    team = models.ForeignKey(
        "roster.Team", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="events"
    )
    # Tamper evidence, set once by the sealer after commit (null until then): the event's place
    # in the chain (1, 2, 3, … with no gaps), the previous event's seal and
    # sha256(prev_seal + canonical content).
    seal_position = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    prev_seal = models.CharField(max_length=64, null=True, blank=True, editable=False)
    seal = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        # The table keeps the name it had when the registry owned it (one append-only trigger).
        db_table = "registry_auditevent"
        ordering = ["-at", "-id"]
        indexes = [
            # The admin, the dashboard and the API list the trail newest first.
            models.Index(fields=["-at", "-id"], name="auditevent_newest_first"),
            models.Index(fields=["artifact", "at"]),
            models.Index(fields=["model", "action", "at"]),
            models.Index(fields=["member", "at"]),
            models.Index(fields=["team", "at"]),
            # The sealer's "what is left to seal", small however long the trail grows.
            models.Index(
                fields=["id"], condition=models.Q(seal__isnull=True), name="auditevent_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Audit events are append-only; they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only; they cannot be deleted.")
