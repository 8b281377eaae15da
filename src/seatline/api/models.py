# SPDX-License-Identifier: AGPL-3.0-or-later
"""API tokens (stored hashed) and the stored responses of idempotent POSTs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seatline import clock


class ApiToken(models.Model):
    """A per-user API token: `sl_<prefix>_<secret>`, of which only the SHA-256 is stored."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        READ_WRITE = "read_write", "Read and write"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="what the token is for, e.g. the integration's name")
    prefix = models.CharField(max_length=16, unique=True, editable=False, help_text="shown to recognise it")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="blank: never expires")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.name} (sl_{self.prefix}_…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: object = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or clock.now())

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE


class IdempotencyRecord(models.Model):
    """The response of a POST sent with an `Idempotency-Key`, replayed for the same key and body
    (per user, for 24 hours)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="blank: in progress")
    response_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
