# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center's error codes and what each becomes in Seatline (`seatline.connectors.errors`).

Partner Center answers a refusal with a numeric `code` (e.g. 900214: the NCE window for reducing
seats has passed) or, on cart lines, a symbolic `errorName`; these tables turn both into the
Seatline error class and message. Codes not listed fall back to the HTTP status.
"""

from __future__ import annotations

from seatline.connectors.errors import (
    ErrorMapping,
    ProviderAgreementMissingError,
    ProviderConflictError,
    ProviderError,
    ProviderInvalidRequestError,
    ProviderQuantityInvalidError,
    ProviderSubscriptionSuspendedError,
    ProviderWindowPassedError,
)
from seatline.connectors.errors import error_for_provider_code as _error_for_provider_code
from seatline.connectors.errors import parse_provider_code as _parse_provider_code

# Partner Center numeric codes -> Seatline error.
PARTNER_CENTER_CODES: dict[int, ErrorMapping] = {
    900213: ErrorMapping(ProviderWindowPassedError, "the 7-day NCE cancellation window has passed"),
    900117: ErrorMapping(ProviderWindowPassedError, "the 7-day NCE cancellation window has passed"),
    900214: ErrorMapping(ProviderWindowPassedError, "the 7-day NCE window for reducing seats has passed"),
    900257: ErrorMapping(ProviderWindowPassedError, "the 7-day NCE window for reducing seats has passed"),
    13605: ErrorMapping(
        ProviderAgreementMissingError,
        "the customer's acceptance of the Microsoft Customer Agreement must be confirmed before this purchase",
    ),
    10012: ErrorMapping(
        ProviderAgreementMissingError, "the offer's attestation was not accepted on the order line"
    ),
    2001: ErrorMapping(
        ProviderSubscriptionSuspendedError, "the quantity of a suspended subscription cannot be changed"
    ),
    800091: ErrorMapping(ProviderSubscriptionSuspendedError, "a suspended subscription cannot be updated"),
    2002: ErrorMapping(ProviderQuantityInvalidError, "the quantity is outside the offer's minimum/maximum"),
    900275: ErrorMapping(ProviderQuantityInvalidError, "the quantity is not allowed for this offer"),
    10015: ErrorMapping(
        ProviderQuantityInvalidError, "the maximum number of seats per subscription is exceeded"
    ),
    800017: ErrorMapping(ProviderQuantityInvalidError, "the requested quantity is not available"),
    800090: ErrorMapping(ProviderQuantityInvalidError, "the quantity cannot be decreased"),
    800095: ErrorMapping(
        ProviderQuantityInvalidError, "the seat quantity of this subscription cannot be updated"
    ),
    10002: ErrorMapping(ProviderQuantityInvalidError, "the provider's quota for this offer is not available"),
    10003: ErrorMapping(
        ProviderQuantityInvalidError, "the provider's inventory for this offer is not available"
    ),
    600061: ErrorMapping(
        ProviderConflictError, "an identical Microsoft Customer Agreement acceptance is already recorded"
    ),
    10000: ErrorMapping(ProviderInvalidRequestError, "the currency is not supported for this offer"),
    10001: ErrorMapping(ProviderInvalidRequestError, "the catalog item id is not valid"),
    10004: ErrorMapping(ProviderInvalidRequestError, "participants are not supported for this partner"),
    10006: ErrorMapping(ProviderInvalidRequestError, "the provider could not process the order line"),
    10007: ErrorMapping(ProviderInvalidRequestError, "the subscription is not valid for this order"),
    10009: ErrorMapping(ProviderInvalidRequestError, "the sandbox limit is exceeded"),
    10010: ErrorMapping(
        ProviderInvalidRequestError, "the order line is invalid (term and billing cycle, or input)"
    ),
    900245: ErrorMapping(
        ProviderInvalidRequestError, "the custom term end date of the scheduled change is not valid"
    ),
}

# Cart line errors name the code instead of numbering it (CartErrorCode enum).
PARTNER_CENTER_CART_ERROR_NAMES: dict[str, int] = {
    "CurrencyIsNotSupported": 10000,
    "CatalogItemIdIsNotValid": 10001,
    "QuotaNotAvailable": 10002,
    "InventoryNotAvailable": 10003,
    "ParticipantsIsNotSupportedForPartner": 10004,
    "UnableToProcessCartLineItem": 10006,
    "SubscriptionIsNotValid": 10007,
    "SandboxLimitExceeded": 10009,
    "InvalidInput": 10010,
    "AttestationNotAccepted": 10012,
    "MaxAllowedSeatsPerSubscriptionExceeded": 10015,
}


def parse_code(value: object) -> int | None:
    """A Partner Center code as int ("900214", 900214 and "CatalogItemIdIsNotValid" all work)."""
    return _parse_provider_code(value, names=PARTNER_CENTER_CART_ERROR_NAMES)


def error_for_code(
    *,
    http_status: int | None,
    provider_code: int | None,
    provider_message: str | None = None,
    provider_name: str | None = None,
    retry_after: float | None = None,
    request_id: str | None = None,
) -> ProviderError:
    """The Seatline error for what Partner Center sent (its code wins over the HTTP status)."""
    return _error_for_provider_code(
        http_status=http_status,
        provider_code=provider_code,
        provider_message=provider_message,
        provider_name=provider_name,
        retry_after=retry_after,
        request_id=request_id,
        codes=PARTNER_CENTER_CODES,
    )
