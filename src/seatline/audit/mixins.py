# SPDX-License-Identifier: AGPL-3.0-or-later
"""AuditedModel: every create, update and delete of the model writes an AuditEvent.

The mixin remembers the field values loaded from the database and records the differences on
save(), in the same transaction as the change. Bulk queryset operations bypass it; services that
use them record their own events.
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from seatline.audit.models import AuditEvent
from seatline.audit.services import record


class AuditedModel(models.Model):
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at"})

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._audit_loaded = instance._audit_values()
        return instance

    def _audit_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in self._meta.concrete_fields:
            if field.attname in self.audit_exclude:
                continue
            value = getattr(self, field.attname, None)
            if value is not None and not field.is_relation:
                # Invalid input is reported by full_clean; the audit then keeps the raw value.
                with contextlib.suppress(ValidationError, TypeError, ValueError):
                    value = field.to_python(value)
            values[field.attname] = value
        return values

    def save(self, *args: Any, **kwargs: Any) -> None:
        creating = self._state.adding
        before: dict[str, Any] = getattr(self, "_audit_loaded", {})
        with transaction.atomic():
            super().save(*args, **kwargs)
            after = self._audit_values()
            if creating:
                changes = {name: (None, value) for name, value in after.items() if value not in (None, "")}
                record(self, AuditEvent.CREATE, changes=changes)
            else:
                changes = {
                    name: (before.get(name), value)
                    for name, value in after.items()
                    if before.get(name) != value
                }
                if changes:
                    record(self, AuditEvent.UPDATE, changes=changes)
        self._audit_loaded = after

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        with transaction.atomic():
            record(self, AuditEvent.DELETE, changes={})
            return super().delete(*args, **kwargs)
