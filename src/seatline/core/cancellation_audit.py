# SPDX-License-Identifier: AGPL-3.0-or-later
"""The 7-day cancellation audit of one reconciliation group (pure; issue 12 item 6).

NCE lets a partner reduce or cancel within 7 days of a purchase or renewal and credits the unused
days (a `cancelImmediate` row, or a `removeQuantity` wipe + recreate pair). The audit finds:

* `not_passed_on`: a provider credit for a reduction whose days the customer is still billed for:
  on the credited days [start, end ∩ W] the billed seats exceed the provider's; the amount is the
  provider's credit x unpassed seat-days / credited seat-days (what the partner got back and did
  not pass on);
* `credited_without_provider_credit`: a customer credit line (negative quantity) on days where
  the provider charged at least as many seats as were billed before the credit and has no
  reduction row: the partner refunded what the provider still charges.

Amounts are rounded once (currency minor unit, HALF_UP).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from seatline.core.money import quantize, to_fraction
from seatline.core.reconciliation import CustomerLine, ProviderLine

REDUCTIONS = frozenset({"cancelimmediate", "removequantity"})
NOT_PASSED_ON = "not_passed_on"
CREDITED_WITHOUT_PROVIDER_CREDIT = "credited_without_provider_credit"


@dataclass(frozen=True)
class Finding:
    kind: str
    start: dt.date
    end: dt.date
    seats: int
    seat_days: int
    amount: Decimal
    line_ids: tuple[int, ...]


def _days(w0: dt.date, w1: dt.date) -> int:
    return (w1 - w0).days + 1


def _per_day(
    w0: dt.date, w1: dt.date, spans: Sequence[tuple[dt.date | None, dt.date | None, int]]
) -> list[int]:
    counts = [0] * _days(w0, w1)
    for start, end, seats in spans:
        lo, hi = max(start or w0, w0), min(end or w1, w1)
        for n in range((lo - w0).days, (hi - w0).days + 1):
            counts[n] += seats
    return counts


def audit(
    lines: Sequence[ProviderLine],
    customer: Sequence[CustomerLine],
    *,
    window_start: dt.date,
    window_end: dt.date,
    currency: str,
) -> list[Finding]:
    w0, w1 = window_start, window_end
    provider = _per_day(
        w0,
        w1,
        [
            (ln.charge_start, ln.charge_end, (-1 if ln.subtotal < 0 else 1) * int(abs(ln.billable_quantity)))
            for ln in lines
        ],
    )
    billed = _per_day(w0, w1, [(c.period_start, c.period_end, int(c.quantity)) for c in customer])
    findings: list[Finding] = []
    events: dict[tuple[str, dt.date | None], list[ProviderLine]] = {}
    for ln in lines:
        if ln.charge_type.lower() in REDUCTIONS:
            events.setdefault((ln.charge_type.lower(), ln.charge_start), []).append(ln)
    reduced_days: set[int] = set()
    for (_, start), rows in sorted(events.items(), key=lambda item: (item[0][1] or w0, item[0][0])):
        credit = sum((to_fraction(r.subtotal) for r in rows), start=Fraction(0))
        seats = -sum((-1 if r.subtotal < 0 else 1) * int(abs(r.billable_quantity)) for r in rows)
        if credit >= 0 or seats <= 0:
            continue
        end = max((r.charge_end or w1) for r in rows)
        lo, hi = max(start or w0, w0), min(end, w1)
        if hi < lo:
            continue
        span = range((lo - w0).days, (hi - w0).days + 1)
        reduced_days.update(span)
        unpassed = sum(min(max(billed[n] - provider[n], 0), seats) for n in span)
        if unpassed:
            credited = seats * len(span)
            findings.append(
                Finding(
                    kind=NOT_PASSED_ON,
                    start=lo,
                    end=hi,
                    seats=seats,
                    seat_days=unpassed,
                    amount=quantize(-credit * unpassed / credited, currency),
                    line_ids=tuple(sorted(r.id for r in rows)),
                )
            )
    for cline in customer:
        if cline.type != "credit" or cline.quantity >= 0:
            continue
        lo, hi = max(cline.period_start, w0), min(cline.period_end, w1)
        if hi < lo:
            continue
        kept_days = [n for n in range((lo - w0).days, (hi - w0).days + 1) if n not in reduced_days]
        # days where the provider still charges at least the seats billed before this credit
        kept = sum(1 for n in kept_days if provider[n] >= billed[n] - int(cline.quantity))
        if kept:
            seats = -int(cline.quantity)
            length = (cline.period_end - cline.period_start).days + 1
            findings.append(
                Finding(
                    kind=CREDITED_WITHOUT_PROVIDER_CREDIT,
                    start=lo,
                    end=hi,
                    seats=seats,
                    seat_days=seats * kept,
                    amount=quantize(-to_fraction(cline.net) * kept / length, currency),
                    line_ids=(cline.id,),
                )
            )
    return findings
