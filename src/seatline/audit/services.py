# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writing audit records (in the caller's transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from seatline import clock
from seatline.audit.context import current_actor
from seatline.audit.models import AuditEvent


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


@dataclass(frozen=True)
class AuditEntry:
    """One audit record to write: what changed on `obj` (field -> (old, new)) and why."""

    obj: models.Model
    action: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    message: str = ""


def record(
    obj: models.Model,
    action: str,
    *,
    changes: dict[str, tuple[Any, Any]] | None = None,
    message: str = "",
    actor: str | None = None,
) -> AuditEvent:
    """Write one audit record for `obj` in the caller's transaction."""
    (event,) = record_many([AuditEntry(obj, action, changes or {}, message)], actor=actor)
    return event


def record_many(
    entries: Iterable[AuditEntry], *, at: dt.datetime | None = None, actor: str | None = None
) -> list[AuditEvent]:
    """Write many audit records with one insert (a run that saves many rows at once), each exactly
    what `record` writes. The one place an `AuditEvent` is built; `at` defaults to now, `actor` to
    the current actor."""
    at = at or clock.now()
    actor = actor or current_actor()
    events = [
        AuditEvent(
            at=at,
            actor=actor,
            action=entry.action,
            content_type=ContentType.objects.get_for_model(entry.obj, for_concrete_model=True),
            object_id=str(entry.obj.pk),
            object_repr=str(entry.obj)[:200],
            changes={name: [jsonable(old), jsonable(new)] for name, (old, new) in entry.changes.items()},
            message=entry.message,
        )
        for entry in entries
    ]
    if len(events) == 1:
        events[0].save()  # keeps the primary key on every database
        return events
    return AuditEvent.objects.bulk_create(events)


def history(obj: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True), object_id=str(obj.pk)
    )
