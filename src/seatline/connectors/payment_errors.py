# SPDX-License-Identifier: AGPL-3.0-or-later
"""Errors raised by payment processor connectors.

A decline is not an error (it is a `Charge` with status FAILED). A `ProcessorError` means the
request itself could not be carried out. It carries a stable Seatline `code` (the class decides
it), a sentence in Seatline's words (`message`), and what the processor said: `processor_code`
(the vendor's error code or type), `processor_message` (verbatim), `http_status`, `request_id`,
and `retryable` (the same request may succeed later: network failure, 5xx, rate limit).
`ProcessorError` is a `SeatlineError`, so services can let it propagate unchanged.
"""

from __future__ import annotations

from seatline.errors import SeatlineError


class ProcessorError(SeatlineError):
    code_value = "processor_error"
    default_message = "the payment processor reported an error"

    def __init__(
        self,
        message: str | None = None,
        *,
        processor_code: str = "",
        processor_message: str = "",
        http_status: int | None = None,
        retryable: bool = False,
        request_id: str = "",
        field: str | None = None,
    ) -> None:
        super().__init__(self.code_value, message or self.default_message, field=field)
        self.processor_code = processor_code
        self.processor_message = processor_message
        self.http_status = http_status
        self.retryable = retryable
        self.request_id = request_id

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        if self.processor_code or self.processor_message:
            parts = [part for part in (self.processor_code, self.processor_message) if part]
            text += f" (processor: {': '.join(parts)})"
        return text


class ProcessorAuthError(ProcessorError):
    code_value = "processor_auth_failed"
    default_message = "the payment processor rejected Seatline's credentials"


class ProcessorInvalidRequestError(ProcessorError):
    code_value = "processor_invalid_request"
    default_message = "the payment processor rejected the request as invalid"


class ProcessorNotFoundError(ProcessorError):
    code_value = "processor_not_found"
    default_message = "the payment processor does not know this object"


class ProcessorIdempotencyError(ProcessorError):
    code_value = "processor_idempotency_conflict"
    default_message = "the idempotency key was already used with other parameters"


class RefundExceedsPaymentError(ProcessorError):
    code_value = "refund_exceeds_payment"
    default_message = "the refund is more than what is left of the payment"


class ProcessorUnavailableError(ProcessorError):
    code_value = "processor_unavailable"
    default_message = "the payment processor could not be reached or failed temporarily"

    def __init__(self, message: str | None = None, **kwargs: object) -> None:
        kwargs.setdefault("retryable", True)
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class ProcessorUnsupportedError(ProcessorError):
    code_value = "processor_unsupported"
    default_message = "the payment processor does not support this operation"


class WebhookSignatureError(ProcessorError):
    """A webhook's signature is missing or does not match (answer 400, record nothing)."""

    code_value = "webhook_signature_invalid"
    default_message = "the webhook signature is missing or invalid"
