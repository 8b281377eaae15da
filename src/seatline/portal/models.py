# SPDX-License-Identifier: AGPL-3.0-or-later
"""Portal users (customers' own logins, each tied to exactly one account) and their invitations."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seatline import clock


class PortalRole(models.TextChoices):
    ADMIN = "admin", "Portal admin"
    BILLING = "billing", "Billing"
    READ_ONLY = "read_only", "Read-only"


class PortalUser(models.Model):
    """A customer's login to the portal: a Django user (not staff, no group) of one account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portal")
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="portal_users")
    role = models.CharField(max_length=12, choices=PortalRole.choices, default=PortalRole.READ_ONLY)
    active = models.BooleanField(default=True, help_text="removed users cannot log in")
    invited_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True, help_text="when the password was first set")

    class Meta:
        ordering = ("account", "user__email")
        verbose_name = "portal user"

    def __str__(self) -> str:
        return f"{self.user.email} ({self.account})"

    @property
    def email(self) -> str:
        return str(self.user.email)

    @property
    def name(self) -> str:
        full = f"{self.user.first_name} {self.user.last_name}".strip()
        return full or self.email


class PortalInvitation(models.Model):
    """A single-use, expiring link to set a password; only the SHA-256 of its secret is stored."""

    portal_user = models.ForeignKey(PortalUser, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="a newer invitation replaced it")
    email = models.ForeignKey(
        "notifications.OutgoingEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"invitation of {self.portal_user.email} ({self.state})"

    @property
    def state(self) -> str:
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "replaced"
        return "expired" if self.expires_at <= clock.now() else "open"
