# SPDX-License-Identifier: AGPL-3.0-or-later
"""Cursor pagination: stable pages while rows are added (`?cursor=` from `next` / `previous`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "id"

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError({"cursor": [str(exc.detail)]}, code="invalid_cursor") from exc
        except (ValueError, TypeError, DjangoValidationError) as exc:  # a forged cursor position
            raise exceptions.ValidationError({"cursor": ["Invalid cursor"]}, code="invalid_cursor") from exc

    def get_page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None:
            try:
                size = int(raw)
            except ValueError:
                size = 0
            if not 1 <= size <= self.max_page_size:
                raise exceptions.ValidationError(
                    {"page_size": [f"a whole number from 1 to {self.max_page_size}"]}, code="invalid"
                )
            return size
        return self.page_size
