# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back-office base classes: the unfold theme, date-range filters, the audit trail on each object."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from unfold.admin import ModelAdmin, StackedInline, TabularInline
from unfold.contrib.filters.admin import RangeDateFilter

from seatline.audit.mixins import AuditedModel
from seatline.audit.services import history
from seatline.common.admin_guards import guard_form, guard_formfield

__all__ = [
    "ReadOnlyInline",
    "ReadOnlyRowsMixin",
    "SeatlineAdmin",
    "SeatlineStackedInline",
    "SeatlineTabularInline",
    "date_range",
    "extend_admin",
]


def date_range(field: str) -> tuple[str, type[RangeDateFilter]]:
    return (field, RangeDateFilter)


class GuardedAdminMixin:
    """The guardrails of `seatline.common.admin_guards` on an admin's form and inline formsets."""

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any) -> Any:
        return guard_formfield(db_field, super().formfield_for_dbfield(db_field, request, **kwargs))  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        return guard_form(super().get_form(request, obj, change=change, **kwargs))  # type: ignore[misc]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        formset.form = guard_form(formset.form)
        return formset


class SeatlineAdmin(GuardedAdminMixin, ModelAdmin):
    list_filter_submit = True
    list_per_page = 50
    show_full_result_count = False
    audit_trail_limit = 25

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and "audit_trail" not in fields and _is_audited(obj):
            fields.append("audit_trail")
        return fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fields = list(super().get_fields(request, obj))
        if obj is None and "audit_trail" in fields:
            fields.remove("audit_trail")
        return fields

    @staticmethod
    def _trail_rows(obj: models.Model, limit: int) -> list[tuple[str, str, str, str]]:
        rows = []
        for event in history(obj)[:limit]:
            what = _changes_sentence(event.changes)
            if event.message:
                what = (
                    f"{what} ({event.message})"
                    if what
                    else f"{event.message[:1].upper()}{event.message[1:]}."
                )
            action = event.action.replace("_", " ").capitalize()
            rows.append((f"{event.at:%Y-%m-%d %H:%M}", event.actor or "system", action, what))
        return rows

    def audit_trail(self, obj: models.Model) -> str:
        rows = self._trail_rows(obj, self.audit_trail_limit)
        if not rows:
            return "No changes recorded."
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            '<table class="w-full text-sm"><thead><tr><th>When</th><th>Who</th><th>Action</th>'
            "<th>What changed</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    audit_trail.short_description = "Audit trail"  # type: ignore[attr-defined]


def _value_text(value: Any) -> str:
    if value in (None, ""):
        return "empty"
    return str(value)


def _changes_sentence(changes: dict[str, Any]) -> str:
    """{"quantity": (5, 7), "price": (None, 10)} -> "Quantity changed from 5 to 7; price set to 10."""
    parts = []
    for name, (old, new) in changes.items():
        label = name.replace("_", " ")
        if old in (None, ""):
            parts.append(f"{label} set to {_value_text(new)}")
        elif new in (None, ""):
            parts.append(f"{label} cleared (was {_value_text(old)})")
        else:
            parts.append(f"{label} changed from {_value_text(old)} to {_value_text(new)}")
    if not parts:
        return ""
    text = "; ".join(parts)
    return f"{text[:1].upper()}{text[1:]}."


def _is_audited(obj: models.Model) -> bool:
    return isinstance(obj, AuditedModel)


class ReadOnlyRowsMixin:
    """An admin of rows that only the services write: an object's change page is a read-only view
    (saving it unchanged would still log a change); the model-level change permission, which bulk
    actions and service actions need, stays."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and bool(super().has_change_permission(request, obj))  # type: ignore[misc]


class ServiceRowsOnlyMixin(ReadOnlyRowsMixin):
    """Rows the services create and remove: read-only pages, no Add and no Delete in the back
    office (the model-level change permission for bulk and service actions stays)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SeatlineTabularInline(GuardedAdminMixin, TabularInline):
    extra = 0
    show_change_link = True


class SeatlineStackedInline(GuardedAdminMixin, StackedInline):
    extra = 0


class ReadOnlyInline(SeatlineTabularInline):
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def extend_admin(model: type[models.Model], mixin: type, *, site: admin.AdminSite | None = None) -> type:
    """Re-register `model`'s admin with `mixin` in front: how an app contributes actions, bulk
    actions (`extra_actions`) and inlines (`extra_inlines`) to the admin of an app below it
    without that app importing it (called from the upper app's `admin.py`).

    Service actions (`service_actions`) of the mixin add up with the admin's own
    (`ServiceActionsMixin`). Several apps may extend the same admin: each wraps the one registered
    before it, so none needs to know the others.
    """
    site = site or admin.site
    import_module(f"{model._meta.app_config.name}.admin")  # its own admin registers first
    current = site.get_model_admin(model)
    base = type(current)
    attrs: dict[str, Any] = {"__module__": mixin.__module__, "__doc__": base.__doc__}
    extra_actions = tuple(mixin.__dict__.get("extra_actions", ()))
    if extra_actions:
        attrs["actions"] = (*(base.actions or ()), *extra_actions)
    extra_inlines = tuple(mixin.__dict__.get("extra_inlines", ()))
    if extra_inlines:
        attrs["inlines"] = (*base.inlines, *extra_inlines)
    extended = type(base.__name__, (mixin, base), attrs)
    site.unregister(model)
    site.register(model, extended)
    return extended
