# SPDX-License-Identifier: AGPL-3.0-or-later
""" "Export selected as CSV" on every back-office list: the rows a user selected, with the list's
own columns as the list shows them (the same display values; HTML the admin built becomes its text). Reading only: it
changes nothing and needs only the view permission."""

from __future__ import annotations

import csv
import html
from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import display_for_field, display_for_value, label_for_field, lookup_field
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import strip_tags
from django.utils.safestring import SafeData

ACTION_NAME = "export_csv"


def _columns(model_admin: admin.ModelAdmin[Any], request: HttpRequest) -> list[Any]:
    return [name for name in model_admin.get_list_display(request) if name != "action_checkbox"]


def _cell(name: Any, obj: Model, model_admin: admin.ModelAdmin[Any]) -> str:
    try:
        field, attr, value = lookup_field(name, obj, model_admin)
    except (AttributeError, ObjectDoesNotExist):
        return ""
    if field is not None:
        shown = display_for_field(value, field, "")
    else:
        shown = display_for_value(value, "", boolean=getattr(attr, "boolean", False))
    return _text(shown)


def _text(shown: Any) -> str:
    """HTML the admin built (badges, links, icons) as its text; plain values exactly as they are."""
    if isinstance(shown, SafeData):
        return html.unescape(strip_tags(str(shown))).strip()
    return str(shown)


def csv_rows(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, rows: Iterable[Model]
) -> Iterable[list[str]]:
    columns = _columns(model_admin, request)
    yield [_text(label_for_field(name, model_admin.model, model_admin)) for name in columns]
    for obj in rows:
        yield [_cell(name, obj, model_admin) for name in columns]


@admin.action(description="Export selected as CSV", permissions=["view"])
def export_csv(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse:
    meta = model_admin.model._meta
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{meta.app_label}-{meta.model_name}.csv"'
    writer = csv.writer(response)
    writer.writerows(csv_rows(model_admin, request, queryset.order_by("pk")))
    return response


def install() -> None:
    """Offer the action on every list of the back office (called once, from an AppConfig)."""
    admin.site.add_action(export_csv, ACTION_NAME)
