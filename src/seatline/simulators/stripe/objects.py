# SPDX-License-Identifier: AGPL-3.0-or-later
"""Stripe resources built from the OpenAPI fixtures (`fixtures.json`), ids and test payment methods.

Each builder starts from the fixture of its resource (every field the real object has), blanks
the fixture's sample values and sets what the simulator knows. Timestamps are unix seconds of the
simulator clock.
"""

from __future__ import annotations

import copy
import functools
import json
import pathlib
import secrets
import string
from typing import Any

from seatline.simulators.base import behaviours as b
from seatline.simulators.base.errors import SimError

_ALPHABET = string.ascii_letters + string.digits

# Stripe's test PaymentMethods (docs: "Testing" > "Declined payments"), and what a charge does.
TEST_PAYMENT_METHODS: dict[str, tuple[str, str, str, str]] = {
    # token: (behaviour, brand, last4, funding)
    "pm_card_visa": (b.SUCCEED, "visa", "4242", "credit"),
    "pm_card_mastercard": (b.SUCCEED, "mastercard", "4444", "credit"),
    "pm_card_amex": (b.SUCCEED, "amex", "8431", "credit"),
    "pm_card_chargeDeclined": (b.CARD_DECLINED, "visa", "0002", "credit"),
    "pm_card_chargeCustomerFail": (b.CARD_DECLINED, "visa", "0341", "credit"),
    "pm_card_chargeDeclinedInsufficientFunds": (b.INSUFFICIENT_FUNDS, "visa", "9995", "credit"),
    "pm_card_chargeDeclinedExpiredCard": (b.EXPIRED_CARD, "visa", "0069", "credit"),
    "pm_card_authenticationRequired": (b.AUTHENTICATION_REQUIRED, "visa", "3184", "credit"),
    "pm_card_chargeDeclinedProcessingError": (b.PROCESSING_ERROR, "visa", "0119", "credit"),
}

# behaviour -> (error code, decline_code, message) of the card_error Stripe answers
DECLINES: dict[str, tuple[str, str | None, str]] = {
    b.CARD_DECLINED: ("card_declined", "generic_decline", "Your card was declined."),
    b.INSUFFICIENT_FUNDS: ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    b.EXPIRED_CARD: ("expired_card", "expired_card", "Your card has expired."),
    b.AUTHENTICATION_REQUIRED: (
        "authentication_required",
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    ),
    b.PROCESSING_ERROR: (
        "processing_error",
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
}


@functools.cache
def _fixtures() -> dict[str, Any]:
    path = pathlib.Path(__file__).with_name("fixtures.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def from_fixture(resource_name: str, /, **values: Any) -> dict[str, Any]:
    """The fixture of resource `resource_name` with its sample ids and objects blanked, then `values` set."""
    resource = copy.deepcopy(_fixtures()[resource_name])
    for key, value in list(resource.items()):
        if key in ("object", "livemode"):
            continue
        if isinstance(value, dict | str):
            resource[key] = None
        elif isinstance(value, list):
            resource[key] = []
        elif isinstance(value, bool):
            resource[key] = False
        elif isinstance(value, int):
            resource[key] = 0
    resource["metadata"] = {}
    resource["livemode"] = False
    resource.update(values)
    return resource


class StripeError(SimError):
    """Stripe's envelope: `{"error": {"type", "code", "decline_code", "message", "param", ...}}`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        decline_code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers=headers)
        self.type = type_
        self.code = code
        self.decline_code = decline_code
        self.param = param
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.decline_code:
            error["decline_code"] = self.decline_code
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(400, message, param=param, code=code)


def missing(kind: str, ident: str, param: str = "id") -> StripeError:
    return StripeError(404, f"No such {kind}: '{ident}'", code="resource_missing", param=param)


def amount_param(params: dict[str, Any], name: str = "amount", *, required: bool = True) -> int | None:
    raw = params.get(name)
    if raw is None:
        if required:
            raise invalid(f"Missing required param: {name}.", name, "parameter_missing")
        return None
    text = str(raw)
    if not text.isdigit() or int(text) < 1:
        raise invalid(f"Invalid positive integer: {name}", name, "parameter_invalid_integer")
    return int(text)
