# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writing audit records (in the caller's transaction)."""

from __future__ import annotations

import datetime as dt
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


def record(
    obj: models.Model,
    action: str,
    *,
    changes: dict[str, tuple[Any, Any]] | None = None,
    message: str = "",
    actor: str | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor or current_actor(),
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes={name: [jsonable(old), jsonable(new)] for name, (old, new) in (changes or {}).items()},
        message=message,
    )


def history(obj: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True), object_id=str(obj.pk)
    )
