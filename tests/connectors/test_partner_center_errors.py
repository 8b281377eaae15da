# SPDX-License-Identifier: AGPL-3.0-or-later
"""Provider error codes -> Seatline errors (pure)."""

from __future__ import annotations

import pytest

from seatline.connectors.errors import ProviderError
from seatline.connectors.partner_center.client import error_from_response
from seatline.connectors.partner_center.errors import error_for_code as error_for_provider_code
from seatline.connectors.partner_center.errors import parse_code as parse_provider_code
from seatline.errors import SeatlineError


@pytest.mark.parametrize(
    ("status", "provider_code", "code", "message"),
    [
        (400, 900213, "provider_window_passed", "the 7-day NCE cancellation window has passed"),
        (400, 900117, "provider_window_passed", "the 7-day NCE cancellation window has passed"),
        (400, 900214, "provider_window_passed", "the 7-day NCE window for reducing seats has passed"),
        (400, 900257, "provider_window_passed", "the 7-day NCE window for reducing seats has passed"),
        (
            403,
            13605,
            "provider_agreement_missing",
            "the customer's acceptance of the Microsoft Customer Agreement must be confirmed before this purchase",
        ),
        (
            400,
            2001,
            "provider_subscription_suspended",
            "the quantity of a suspended subscription cannot be changed",
        ),
        (400, 800091, "provider_subscription_suspended", "a suspended subscription cannot be updated"),
        (400, 2002, "provider_quantity_invalid", "the quantity is outside the offer's minimum/maximum"),
        (400, 900275, "provider_quantity_invalid", "the quantity is not allowed for this offer"),
        (400, 10015, "provider_quantity_invalid", "the maximum number of seats per subscription is exceeded"),
        (
            400,
            600061,
            "provider_conflict",
            "an identical Microsoft Customer Agreement acceptance is already recorded",
        ),
        (400, 10001, "provider_invalid_request", "the catalog item id is not valid"),
        (
            400,
            10010,
            "provider_invalid_request",
            "the order line is invalid (term and billing cycle, or input)",
        ),
        (
            409,
            None,
            "provider_conflict",
            "the subscription is being processed (for example its renewal is in progress); retry in a few minutes",
        ),
        (
            412,
            None,
            "provider_conflict",
            "the resource changed at the provider since it was read (ETag mismatch)",
        ),
        (429, None, "provider_throttled", "the provider is throttling requests; retry later"),
        (401, None, "provider_auth_failed", "the provider rejected Seatline's access token"),
        (404, None, "provider_not_found", "the provider does not know this resource"),
        (400, 123456, "provider_invalid_request", "the provider rejected the request as invalid"),
        (503, None, "provider_unavailable", "the provider failed with HTTP 503"),
        (None, None, "provider_error", "the provider reported an error"),
    ],
)
def test_mapping(status: int | None, provider_code: int | None, code: str, message: str) -> None:
    error = error_for_provider_code(
        http_status=status, provider_code=provider_code, provider_message="their text"
    )
    assert (error.code, error.message, error.provider_code, error.provider_message) == (
        code,
        message,
        provider_code,
        "their text",
    )
    assert isinstance(error, ProviderError)
    assert isinstance(error, SeatlineError)


def test_retryable_statuses() -> None:
    assert error_for_provider_code(http_status=409, provider_code=None).retryable is True
    assert error_for_provider_code(http_status=400, provider_code=900214).retryable is False


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        (900214, 900214),
        ("900214", 900214),
        ("CatalogItemIdIsNotValid", 10001),
        ("Nope", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_provider_code(raw: object, parsed: int | None) -> None:
    assert parse_provider_code(raw) == parsed


def test_str_shows_both_sides() -> None:
    error = error_for_provider_code(
        http_status=400,
        provider_code=900213,
        provider_message="You have passed your 168-hour cancellation window.",
    )
    assert str(error) == (
        "[provider_window_passed] the 7-day NCE cancellation window has passed "
        "(provider: 900213: You have passed your 168-hour cancellation window.)"
    )


def test_error_from_response_shapes() -> None:
    documented = (
        '{"code":600061,"description":"A partner confirmed agreement already exists for the provided agreement.",'
        '"errorName":"PartnerConfirmedAgreementAlreadyExists","isRetryable":false,"parameters":{},'
        '"errorMessageExtended":"InternalErrorCode=600061"}'
    )
    error = error_from_response(400, documented, request_id="r1")
    assert (error.code, error.provider_code, error.provider_name, error.request_id) == (
        "provider_conflict",
        600061,
        "PartnerConfirmedAgreementAlreadyExists",
        "r1",
    )
    odata = error_from_response(404, '{"error": {"code": "NotFound", "message": "no such customer"}}')
    assert (odata.code, odata.provider_code, odata.provider_name, odata.provider_message) == (
        "provider_not_found",
        None,
        "NotFound",
        "no such customer",
    )
    plain = error_from_response(502, "<html>bad gateway</html>")
    assert (plain.code, plain.provider_message, plain.retryable) == (
        "provider_unavailable",
        "<html>bad gateway</html>",
        True,
    )
    retryable = error_from_response(400, '{"code": 123, "description": "x", "isRetryable": true}')
    assert retryable.retryable is True
