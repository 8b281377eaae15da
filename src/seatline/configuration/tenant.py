# SPDX-License-Identifier: AGPL-3.0-or-later
"""The tenant's time zone, read from the Configuration row and cached briefly per process.

Billing dates are dates in this zone (billing-rules 1). The `TIME_ZONE` environment variable is
the default for a new installation; the back office's Configuration then decides. Saving the
Configuration forgets this process's cache at once; other processes see a change within
`TTL_SECONDS`.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import DatabaseError

TTL_SECONDS = 30.0
_lock = threading.Lock()
_cached: tuple[str, float] | None = None


def tenant_time_zone() -> str:
    global _cached
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - cached[1] < TTL_SECONDS:
        return cached[0]
    from seatline.configuration.models import Configuration

    try:
        value = Configuration.objects.filter(pk=1).values_list("time_zone", flat=True).first()
    except (DatabaseError, RuntimeError):
        # No table yet (before migrate), no database access allowed (pure unit tests), or a
        # broken transaction: the installation default applies and nothing is cached.
        return str(settings.TIME_ZONE or "UTC")
    if not value:  # no Configuration row yet: the installation default, not cached
        return str(settings.TIME_ZONE or "UTC")
    with _lock:
        _cached = (value, now)
    return value


def forget() -> None:
    global _cached
    with _lock:
        _cached = None


def default_time_zone_setting() -> str:
    """The default of Configuration.time_zone for a new installation: the TIME_ZONE setting."""
    return str(settings.TIME_ZONE or "UTC")
