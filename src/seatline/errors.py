# SPDX-License-Identifier: AGPL-3.0-or-later
"""The one exception type services raise for refused input or refused operations."""

from __future__ import annotations


class SeatlineError(Exception):
    """A refused operation: a stable snake_case `code`, a human message, optionally the field."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        prefix = f"{self.field}: " if self.field else ""
        return f"[{self.code}] {prefix}{self.message}"
