# SPDX-License-Identifier: AGPL-3.0-or-later
"""The exception a simulator handler raises to answer with its vendor's error envelope."""

from __future__ import annotations

from typing import Any


class SimError(Exception):
    """An error answer: `status`, extra `headers`, and the vendor's body (`body()`)."""

    status: int = 500
    headers: dict[str, str]

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def body(self) -> Any:
        return {"error": {"message": self.message}}


class InvalidBody(ValueError):
    """The request body could not be read (the dispatcher answers the vendor's 400)."""
