# SPDX-License-Identifier: AGPL-3.0-or-later
"""Outgoing webhooks: endpoints subscribed to event types, one delivery per event and endpoint,
and the log of every attempt to deliver it."""

from __future__ import annotations

from django.db import models

from seatline.audit.mixins import AuditedModel
from seatline.common.fields import TimestampedModel


class WebhookEndpoint(AuditedModel, TimestampedModel):
    name = models.CharField(max_length=100)
    url = models.URLField(
        "URL", max_length=500, help_text="where Seatline POSTs the events (https in production)"
    )
    secret = models.CharField(max_length=100, editable=False, help_text="signs every delivery (HMAC-SHA256)")
    event_types = models.JSONField(default=list, help_text="the event types sent to this endpoint")
    active = models.BooleanField(default=True, help_text="inactive: no new deliveries, pending ones stop")
    description = models.TextField(blank=True)

    audit_exclude = frozenset({"created_at", "updated_at", "secret"})

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name

    def subscribes(self, event_type: str) -> bool:
        return self.active and event_type in (self.event_types or [])

    @property
    def secret_hint(self) -> str:
        return f"{self.secret[:10]}…" if self.secret else ""


class WebhookDelivery(TimestampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=64, db_index=True)
    event_type = models.CharField(max_length=64, db_index=True)
    body = models.TextField(help_text="the exact JSON sent (replays send it again byte for byte)")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="of the last attempt")
    error = models.TextField(blank=True, help_text="of the last attempt")
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["endpoint", "status"])]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint} ({self.get_status_display()})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    timestamp = models.BigIntegerField(help_text="the signed timestamp (Unix seconds)")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="truncated")
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("delivery", "number", "id")

    def __str__(self) -> str:
        outcome = self.status_code if self.status_code is not None else self.error[:40]
        return f"attempt {self.number}: {outcome}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
