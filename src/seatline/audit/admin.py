# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from seatline.audit.models import AuditEvent
from seatline.common.admin import SeatlineAdmin, date_range


@admin.register(AuditEvent)
class AuditEventAdmin(SeatlineAdmin):
    list_display = ("at", "actor", "action", "content_type", "object_repr", "summary")
    list_filter = ("action", "content_type", date_range("at"))
    search_fields = ("actor", "object_repr", "object_id", "message")
    date_hierarchy = "at"

    def summary(self, obj: AuditEvent) -> str:
        return ", ".join(obj.changes)[:120] or obj.message[:120]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
