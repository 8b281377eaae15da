# SPDX-License-Identifier: AGPL-3.0-or-later
"""Choices shared by several apps (values match docs/billing.md and docs/scenarios.md)."""

from __future__ import annotations

from django.db import models


class SalesUnit(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"
    TRIENNIAL = "triennial", "Triennial"


UNIT_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12, "triennial": 36}


class ReductionBehaviour(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DISALLOWED = "disallowed", "Disallowed"
    WINDOW = "window", "Allowed within window"


class ProvisioningStatus(models.TextChoices):
    AWAITING = "awaiting", "Awaiting Provisioning"
    NOT_APPLICABLE = "not_applicable", "Not Applicable"
    PROVISIONED = "provisioned", "Provisioned"
    FAILED = "failed", "Failed Provisioning"
