# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pax8's error envelope: `{type, message, instance, status, details[{type, message, instance, status}]}`."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from seatline.simulators.base.errors import SimError


class Pax8Error(SimError):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        instance: str = "",
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers=headers)
        self.instance = instance
        self.details = details or []

    def body(self) -> dict[str, Any]:
        try:
            kind = HTTPStatus(self.status).phrase
        except ValueError:
            kind = "Error"
        return {
            "type": kind,
            "message": self.message,
            "instance": self.instance,
            "status": self.status,
            "details": self.details,
        }


def invalid(message: str, instance: str = "", field: str = "") -> Pax8Error:
    """422: Pax8's validation failure (the field named in `details`)."""
    details = [{"type": "Validation", "message": f"{field}: {message}" if field else message}]
    return Pax8Error(422, message, instance=instance, details=details)


def not_found(what: str, ident: str, instance: str = "") -> Pax8Error:
    return Pax8Error(404, f"{what} not found: {ident}", instance=instance)
