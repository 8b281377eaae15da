# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reads on the tenant's global configuration."""

from __future__ import annotations

from seatline.configuration.models import Configuration


def configuration() -> Configuration:
    """The global configuration without writing (an unsaved default row when none exists yet)."""
    return Configuration.objects.filter(pk=1).first() or Configuration(pk=1)
