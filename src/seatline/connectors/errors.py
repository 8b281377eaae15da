# SPDX-License-Identifier: AGPL-3.0-or-later
"""Errors raised by provider connectors.

Every connector raises `ProviderError` (or a subclass) and nothing else for a refusal or a failure
at the provider. An error carries:

* `code`: a stable Seatline snake_case code (the class decides it, see `ProviderErrorCode`);
* `message`: a clear human sentence in Seatline's words ("the 7-day NCE ... window has passed");
* `provider_code`: the provider's numeric error code when it sent one (e.g. 900214), else None;
* `provider_name`: the provider's symbolic error name when it sent one (`errorName`), else None;
* `provider_message`: the provider's own text, verbatim (shown to staff next to ours);
* `http_status`, `retryable`, `retry_after` (seconds) and `request_id` (MS-RequestId or similar).

`ProviderBadResponseError` (`provider_bad_response`) is the connector's own refusal of an answer it
cannot trust: a body that should hold an object but does not parse, or lacks the fields that
identify it (the id asked about). Its message names the call, the request id and the first bytes
of the body; an unreadable body is never read as an empty object.

`ProviderError` is a `SeatlineError`, so services can let it propagate unchanged.
`error_for_provider_code()` maps a provider code / HTTP status to the right class and message;
each connector feeds it what its provider sent and its own table of codes (Partner Center's is in
`seatline.connectors.partner_center.errors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from seatline.errors import SeatlineError


class ProviderErrorCode(StrEnum):
    """The stable codes; services and the UI switch on these, never on provider numbers."""

    WINDOW_PASSED = "provider_window_passed"
    AGREEMENT_MISSING = "provider_agreement_missing"
    QUANTITY_INVALID = "provider_quantity_invalid"
    SUBSCRIPTION_SUSPENDED = "provider_subscription_suspended"
    THROTTLED = "provider_throttled"
    AUTH_FAILED = "provider_auth_failed"
    NOT_FOUND = "provider_not_found"
    CONFLICT = "provider_conflict"
    INVALID_REQUEST = "provider_invalid_request"
    PENDING = "provider_pending"
    BAD_RESPONSE = "provider_bad_response"
    UNAVAILABLE = "provider_unavailable"
    EXPORT_EXPIRED = "provider_export_expired"
    NO_DATA = "provider_no_data"
    ERROR = "provider_error"


class ProviderError(SeatlineError):
    """A provider refused or failed an operation."""

    code_value: ProviderErrorCode = ProviderErrorCode.ERROR
    default_message = "the provider reported an error"

    def __init__(
        self,
        message: str | None = None,
        *,
        provider_code: int | None = None,
        provider_name: str | None = None,
        provider_message: str | None = None,
        http_status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(str(self.code_value), message or self.default_message)
        self.provider_code = provider_code
        self.provider_name = provider_name
        self.provider_message = provider_message
        self.http_status = http_status
        self.retryable = retryable
        self.retry_after = retry_after
        self.request_id = request_id

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        if self.provider_code is not None or self.provider_message:
            parts = [str(self.provider_code)] if self.provider_code is not None else []
            if self.provider_message:
                parts.append(self.provider_message)
            text += f" (provider: {': '.join(parts)})"
        return text


class ProviderWindowPassedError(ProviderError):
    code_value = ProviderErrorCode.WINDOW_PASSED
    default_message = "the 7-day NCE cancellation/reduction window has passed"


class ProviderAgreementMissingError(ProviderError):
    code_value = ProviderErrorCode.AGREEMENT_MISSING
    default_message = (
        "the customer's acceptance of the Microsoft Customer Agreement has not been confirmed to the provider"
    )


class ProviderQuantityInvalidError(ProviderError):
    code_value = ProviderErrorCode.QUANTITY_INVALID
    default_message = "the quantity is not allowed for this offer"


class ProviderSubscriptionSuspendedError(ProviderError):
    code_value = ProviderErrorCode.SUBSCRIPTION_SUSPENDED
    default_message = "the subscription is suspended and cannot be changed; reactivate it first"


class ProviderThrottledError(ProviderError):
    code_value = ProviderErrorCode.THROTTLED
    default_message = "the provider is throttling requests; retry later"


class ProviderAuthFailedError(ProviderError):
    code_value = ProviderErrorCode.AUTH_FAILED
    default_message = "the provider rejected Seatline's credentials"


class ProviderNotFoundError(ProviderError):
    code_value = ProviderErrorCode.NOT_FOUND
    default_message = "the provider does not know this resource"


class ProviderConflictError(ProviderError):
    code_value = ProviderErrorCode.CONFLICT
    default_message = "the provider refused the change because of a conflicting state"


class ProviderInvalidRequestError(ProviderError):
    code_value = ProviderErrorCode.INVALID_REQUEST
    default_message = "the provider rejected the request as invalid"


class ProviderPendingError(ProviderError):
    """The provider accepted the change but did not show its result within the bounded wait."""

    code_value = ProviderErrorCode.PENDING
    default_message = "the provider accepted the change but has not finished it yet"


class ProviderBadResponseError(ProviderError):
    """The provider answered, but not with something Seatline can read or trust (never retried blindly).

    `body_excerpt` holds the first bytes of the body (escaped); the message quotes them too.
    """

    code_value = ProviderErrorCode.BAD_RESPONSE
    default_message = "the provider's answer could not be read"

    def __init__(self, message: str | None = None, *, body_excerpt: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.body_excerpt = body_excerpt


class ProviderUnavailableError(ProviderError):
    code_value = ProviderErrorCode.UNAVAILABLE
    default_message = "the provider could not be reached or failed temporarily"


class ProviderExportExpiredError(ProviderError):
    """A download link of an asynchronous export expired (Azure blob SAS: 403 after its expiry)."""

    code_value = ProviderErrorCode.EXPORT_EXPIRED
    default_message = "the export's download link has expired; start the export again"


class ProviderNoDataError(ProviderError):
    """The provider has no data for the request (Graph billing export operation failed with 5000)."""

    code_value = ProviderErrorCode.NO_DATA
    default_message = "the provider has no data for this request yet"


@dataclass(frozen=True)
class ErrorMapping:
    """Which error a provider code (or HTTP status) becomes, with Seatline's message."""

    cls: type[ProviderError]
    message: str


_STATUS_MAPPING: dict[int, ErrorMapping] = {
    400: ErrorMapping(ProviderInvalidRequestError, "the provider rejected the request as invalid"),
    401: ErrorMapping(ProviderAuthFailedError, "the provider rejected Seatline's access token"),
    403: ErrorMapping(ProviderAuthFailedError, "the provider refused the operation for these credentials"),
    404: ErrorMapping(ProviderNotFoundError, "the provider does not know this resource"),
    408: ErrorMapping(ProviderUnavailableError, "the provider timed out"),
    409: ErrorMapping(
        ProviderConflictError,
        "the subscription is being processed (for example its renewal is in progress); retry in a few minutes",
    ),
    412: ErrorMapping(
        ProviderConflictError, "the resource changed at the provider since it was read (ETag mismatch)"
    ),
    429: ErrorMapping(ProviderThrottledError, "the provider is throttling requests; retry later"),
}

_RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


def parse_provider_code(value: object, *, names: Mapping[str, int] | None = None) -> int | None:
    """A provider code as int ("900214" and 900214 work; a symbolic name through the provider's
    `names` table, e.g. Partner Center's cart error names), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return (names or {}).get(text)


def error_for_provider_code(
    *,
    http_status: int | None,
    provider_code: int | None,
    provider_message: str | None = None,
    provider_name: str | None = None,
    retry_after: float | None = None,
    request_id: str | None = None,
    codes: Mapping[int, ErrorMapping] | None = None,
) -> ProviderError:
    """Build the Seatline error for what a provider sent: the provider code (looked up in the
    provider's own `codes` table, kept in its connector) wins over the HTTP status."""
    mapping = (codes or {}).get(provider_code) if provider_code is not None else None
    if mapping is None and http_status is not None:
        mapping = _STATUS_MAPPING.get(http_status)
        if mapping is None and http_status >= 500:
            mapping = ErrorMapping(ProviderUnavailableError, f"the provider failed with HTTP {http_status}")
    if mapping is None:
        mapping = ErrorMapping(ProviderError, "the provider reported an error")
    return mapping.cls(
        mapping.message,
        provider_code=provider_code,
        provider_name=provider_name,
        provider_message=provider_message,
        http_status=http_status,
        retryable=http_status in _RETRYABLE_STATUSES if http_status is not None else False,
        retry_after=retry_after,
        request_id=request_id,
    )
