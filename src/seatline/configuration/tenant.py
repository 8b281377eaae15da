# SPDX-License-Identifier: AGPL-3.0-or-later
"""The tenant's time zone, read from the Configuration row and cached briefly per process.

Billing dates are dates in this zone (docs/billing.md 1). The `TIME_ZONE` environment variable is
the default for a new installation; the back office's Configuration then decides. Saving the
Configuration forgets this process's cache at once; other processes see a change within
`TTL_SECONDS`.

When the Configuration table cannot be read (not migrated yet, no database access, a broken
transaction) this is an error (`seatline.clock.TimeZoneUnavailable`), never a silent fallback to
another zone: a billing date in the wrong zone bills the wrong day. No Configuration row yet is
not an error: the row's default (the `TIME_ZONE` setting) is what a new row would hold.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import DatabaseError

from seatline.clock import TimeZoneUnavailable

TTL_SECONDS = 30.0
_lock = threading.Lock()
_cached: tuple[str, float] | None = None


def tenant_time_zone() -> str:
    global _cached
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - cached[1] < TTL_SECONDS:
        return cached[0]
    from seatline.configuration.models import Configuration  # tenant.py is imported by models.py

    try:
        value = Configuration.objects.filter(pk=1).values_list("time_zone", flat=True).first()
    except (DatabaseError, RuntimeError) as exc:
        raise TimeZoneUnavailable(
            f"the tenant time zone cannot be read from the Configuration table ({exc}). Run "
            "`seatline migrate` on this database; in code that runs outside a transaction that can "
            "read it (a test without database access, a failed transaction), pass the zone "
            'explicitly, e.g. clock.today("Europe/Paris").'
        ) from exc
    if not value:  # no Configuration row yet: the default of a new row, not cached
        return default_time_zone_setting()
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
