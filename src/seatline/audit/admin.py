# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import RangeDateFilter

from seatline.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ModelAdmin):
    """The trail itself (read-only). `seatline.common.admin` sits above audit (its base admin shows
    each object's trail), so this admin is built on unfold's directly, with the same list settings."""

    list_filter_submit = True
    list_per_page = 50
    show_full_result_count = False
    list_display = ("at", "actor", "action", "content_type", "object_repr", "summary")
    list_filter = ("action", "content_type", ("at", RangeDateFilter))
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
