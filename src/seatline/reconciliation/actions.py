# SPDX-License-Identifier: AGPL-3.0-or-later
"""Actions on a reconciliation group, through the billing services, each audited and followed by
a rerun of the reconciliation (which then shows the group `matched` when the action covered the
whole variance):

* `bill_missing_seat_days` (unbilled seats): per day of the window, the provider's seats minus
  the billed ones; every run of days with the same positive difference d becomes a quantity
  change of the group's first active subscription, back-dated to the run's first day (+d, and -d
  the day after the run when it ends inside the window). The billing engine computes the change
  lines of those invoiced days and a change-log invoice bills exactly those seat-days now; later
  invoices bill the corrected quantity.
* `credit_customer` (overbilled seats, missing at provider): every run of days where the billed
  seats exceed the provider's by d becomes a credit line of d seats over those days on one seat-day
  credit note per customer invoice (`invoicing.seat_day_credits`), pro rata of the line that
  billed them. The subscription is not changed (record its real quantity as usual).
* `services.dismiss_group`: no billing, a reason.

Refusals: `group_not_unbilled`, `group_not_overbilled`, `nothing_to_bill`, plus those of the
billing services (a decrease outside the QRB, an inactive subscription, ...), all before anything
is saved.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction

from seatline import clock
from seatline.core.reconciliation import window_days
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice, InvoiceLine
from seatline.invoicing.seat_day_credits import SeatDays, create_seat_day_credit_note
from seatline.invoicing.services import generate_change_log_invoice
from seatline.reconciliation import services
from seatline.reconciliation.models import (
    GroupCustomerLine,
    GroupStatus,
    GroupSubscription,
    ReconciliationGroup,
    Resolution,
)
from seatline.subscriptions.models import Subscription
from seatline.subscriptions.services import change_quantity

ONE_DAY = dt.timedelta(days=1)


def _days(w0: dt.date, w1: dt.date) -> list[dt.date]:
    return [w0 + dt.timedelta(days=n) for n in range((w1 - w0).days + 1)]


def seat_counts(group: ReconciliationGroup) -> tuple[list[dt.date], list[int], list[int]]:
    """(days of the window, the provider's seats per day, the billed seats per day)."""
    invoice = group.reconciliation.provider_invoice
    w0, w1 = invoice.period_start, invoice.period_end
    days = _days(w0, w1)
    provider = [0] * len(days)
    billed = [0] * len(days)
    for item in group.lines.select_related("line"):
        line = item.line
        inside, _ = window_days(line.charge_start, line.charge_end, w0, w1)
        if not inside:
            continue
        seats = int(abs(line.billable_quantity)) * (-1 if line.subtotal < 0 else 1)
        start = max(line.charge_start or w0, w0)
        for n in range((start - w0).days, (start - w0).days + inside):
            provider[n] += seats
    for cline in _customer_lines(group):
        if cline.period_start is None or cline.period_end is None:
            continue
        lo, hi = max(cline.period_start, w0), min(cline.period_end, w1)
        for n in range((lo - w0).days, (hi - w0).days + 1):
            billed[n] += int(cline.quantity)
    return days, provider, billed


def _customer_lines(group: ReconciliationGroup) -> list[InvoiceLine]:
    ids = GroupCustomerLine.objects.filter(group=group).values_list("invoice_line_id", flat=True)
    return list(InvoiceLine.objects.filter(pk__in=list(ids)).order_by("invoice_id", "id"))


def runs(days: list[dt.date], values: list[int]) -> list[tuple[dt.date, dt.date, int]]:
    """Maximal runs of equal non-zero values: (first day, last day, value)."""
    out: list[tuple[dt.date, dt.date, int]] = []
    for day, value in zip(days, values, strict=True):
        if out and out[-1][2] == value and out[-1][1] + ONE_DAY == day:
            out[-1] = (out[-1][0], day, value)
        elif value:
            out.append((day, day, value))
    return [run for run in out if run[2]]


def _locked_group(group: ReconciliationGroup, *statuses: str, code: str) -> ReconciliationGroup:
    locked = (
        ReconciliationGroup.objects.select_for_update()
        .select_related("reconciliation__provider_invoice")
        .get(pk=group.pk)
    )
    services.require_active(locked)
    if locked.status not in statuses:
        raise SeatlineError(
            code, f"group {locked.description} is {locked.get_status_display().lower()}", field="group"
        )
    return locked


def bill_missing_seat_days(*, group: ReconciliationGroup) -> Invoice | None:
    """Bill the unbilled seat-days of an `unbilled_seats` group (module doc); returns the change-log
    invoice (None when the engine bills them on the next regular invoice instead)."""
    with transaction.atomic():
        locked = _locked_group(group, GroupStatus.UNBILLED, code="group_not_unbilled")
        days, provider, billed = seat_counts(locked)
        missing = runs(days, [max(p - b, 0) for p, b in zip(provider, billed, strict=True)])
        if not missing:
            raise SeatlineError(
                "nothing_to_bill", "no day has more seats at the provider than billed", field="group"
            )
        ids = GroupSubscription.objects.filter(group=locked).values_list("subscription_id", flat=True)
        subscription = (
            Subscription.objects.filter(pk__in=list(ids), status=Subscription.Status.ACTIVE)
            .order_by("id")
            .first()
        )
        if subscription is None:
            raise SeatlineError(
                "subscription_inactive",
                "the group has no active subscription: activate it first",
                field="group",
            )
        w1 = locked.reconciliation.provider_invoice.period_end
        for first, last, seats in missing:
            subscription.refresh_from_db()
            change_quantity(
                subscription=subscription, quantity=subscription.quantity + seats, effective=first
            )
            if last < w1:
                subscription.refresh_from_db()
                change_quantity(
                    subscription=subscription,
                    quantity=subscription.quantity - seats,
                    effective=last + ONE_DAY,
                )
        invoice = generate_change_log_invoice(contract=subscription.contract, run_date=clock.today())
        services.set_resolution(
            locked,
            Resolution.BILLED,
            reason="; ".join(f"+{s} seat(s) {a}..{b}" for a, b, s in missing),
            invoice_id=invoice.pk if invoice is not None else None,
        )
        services.reconcile_invoice(invoice=locked.reconciliation.provider_invoice)
    return invoice


def credit_customer(*, group: ReconciliationGroup, reason: str) -> list[Invoice]:
    """Credit the overbilled seat-days of an `overbilled_seats` or `missing_at_provider` group on
    seat-day credit notes (module doc); returns them."""
    with transaction.atomic():
        locked = _locked_group(
            group, GroupStatus.OVERBILLED, GroupStatus.MISSING, code="group_not_overbilled"
        )
        days, provider, billed = seat_counts(locked)
        surplus = runs(days, [max(b - p, 0) for p, b in zip(provider, billed, strict=True)])
        if not surplus:
            raise SeatlineError(
                "nothing_to_credit", "no day has more seats billed than at the provider", field="group"
            )
        by_invoice: dict[int, list[SeatDays]] = defaultdict(list)
        lines = [line for line in _customer_lines(locked) if line.quantity > 0]
        for first, last, seats in surplus:
            day = first
            while day <= last:
                # the billed line covering `day` with the most seats takes the credit of its days
                line = max(
                    (
                        ln
                        for ln in lines
                        if ln.period_start and ln.period_end and ln.period_start <= day <= ln.period_end
                    ),
                    key=lambda ln: (int(ln.quantity), -ln.pk),
                    default=None,
                )
                if line is None or line.period_end is None:
                    raise SeatlineError("nothing_to_credit", f"no billed line covers {day}", field="group")
                end = min(last, line.period_end)
                by_invoice[line.invoice_id].append(
                    SeatDays(line=line, quantity=min(seats, int(line.quantity)), start=day, end=end)
                )
                day = end + ONE_DAY
        notes = [
            create_seat_day_credit_note(
                credits=credits,
                reason=reason or f"reconciliation of {locked.reconciliation.provider_invoice}",
            )
            for _, credits in sorted(by_invoice.items())
        ]
        services.set_resolution(
            locked,
            Resolution.CREDITED,
            reason=(reason or "").strip() or "; ".join(f"-{s} seat(s) {a}..{b}" for a, b, s in surplus),
            invoice_id=notes[0].pk,
        )
        services.reconcile_invoice(invoice=locked.reconciliation.provider_invoice)
    return notes
