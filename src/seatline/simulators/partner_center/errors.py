# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center error bodies: `{"code", "description", "errorName", "isRetryable"}`."""

from __future__ import annotations

from typing import Any

from seatline.simulators.base.errors import SimError


class ApiError(SimError):
    """Raised by a handler; the server turns it into the JSON error body with `status`."""

    def __init__(
        self,
        status: int,
        code: int,
        description: str,
        error_name: str = "",
        *,
        retryable: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, description, headers=headers)
        self.code = code
        self.description = description
        self.error_name = error_name
        self.retryable = retryable

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": self.description[:1024],
            "errorName": self.error_name,
            "isRetryable": self.retryable,
            "parameters": {},
            "source": "PartnerCenterSimulator",
        }


def bad_request(description: str, code: int = 800002, error_name: str = "InvalidInput") -> ApiError:
    return ApiError(400, code, description, error_name)


def not_found(description: str, code: int = 1000, error_name: str = "NotFound") -> ApiError:
    return ApiError(404, code, description, error_name)
