# SPDX-License-Identifier: AGPL-3.0-or-later
"""Refunds, quantity-reduction windows and price indexation (docs/billing.md sections 7 and 9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from seatline.core.money import quantize, to_fraction
from seatline.core.periods import add_months, month_index


def refund_applies(
    *, policy: str, process_refunds: str | bool, generate_refunds: bool, user_choice: bool | None
) -> bool:
    """A reduction is credited iff policy is advance AND the contract (or the global switch when
    it says `use_global`) processes refunds AND, for a deactivation, the user chose "apply
    refund". `user_choice=None` marks a quantity decrease (only the first two conditions)."""
    if policy != "advance":
        return False
    if process_refunds is True or process_refunds == "yes":
        contract_allows = True
    elif process_refunds == "use_global":
        contract_allows = generate_refunds
    else:
        contract_allows = False
    if not contract_allows:
        return False
    return user_choice is None or user_choice is True


def current_term_start(*, term_months: int, subscription_start: dt.date, day: dt.date) -> dt.date:
    """The start of the subscription term holding `day` (terms every `term_months` from the start)."""
    if term_months <= 0:
        raise ValueError("term_months must be positive")
    if day < subscription_start:
        return subscription_start
    k = month_index(subscription_start, day) // term_months
    return add_months(subscription_start, k * term_months)


def reduction_allowed(
    *, qrb: str, qrw_days: int | None, term_months: int, subscription_start: dt.date, day: dt.date
) -> bool:
    """Quantity reduction behaviour: `allowed`, `disallowed`, or `window` (days [start, start + N - 1]
    of the current term). A day before the subscription start is outside every window."""
    if qrb == "allowed":
        return True
    if qrb != "window" or not qrw_days or qrw_days <= 0 or day < subscription_start:
        return False
    start = current_term_start(term_months=term_months, subscription_start=subscription_start, day=day)
    return (day - start).days < qrw_days


def indexed_price(price: Decimal, percent: Decimal | int, currency: str) -> Decimal:
    """Price indexation by `percent` %: round(price * (1 + percent/100)) to minor units."""
    return quantize(to_fraction(price) * (1 + to_fraction(percent) / 100), currency)
