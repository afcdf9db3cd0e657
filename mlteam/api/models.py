"""API tokens: per user, stored only as a digest, with expiry and revocation.

A token looks like ``mlt_<prefix>_<secret>``. The prefix is public (shown in lists, used to find
the row); the database keeps only the SHA-256 digest of the whole token. The secret has 256 bits
of entropy, so a fast hash is enough: nothing can be guessed from the digest.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=80, help_text="What the token is for, e.g. 'training pipeline'."
    )
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} (mlt_{self.prefix}_…)"

    @property
    def display(self) -> str:
        return f"mlt_{self.prefix}_…"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"
