# SPDX-License-Identifier: AGPL-3.0-or-later
"""A credit note for given seat-days of issued invoice lines (the reconciliation's "credit the
customer"): the customer was billed for seat-days the provider did not charge.

Unlike `services.create_credit_note` (a negated copy that voids the whole invoice), this credit
note credits only `quantity` seats over `period` of one billed subscription line, pro rata of
that line's amount (amount x credited seat-days / the line's seat-days, rounded once), with the
original invoice's tax rates; the original stays valid. Credit notes are outside the billing
engine's billed record (docs/billing.md 6), so the subscription's timeline and later invoices are
untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import transaction

from seatline import clock
from seatline.audit.services import record
from seatline.common import events
from seatline.core.money import percent_of, quantize, to_fraction
from seatline.core.periods import days_inclusive
from seatline.errors import SeatlineError
from seatline.invoicing.events import invoice_data
from seatline.invoicing.issuing import enqueue_follow_ups
from seatline.invoicing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceTax, Series
from seatline.invoicing.numbering import next_number
from seatline.subscriptions.lock_objects import lock_contract


@dataclass(frozen=True)
class SeatDays:
    """Credit `quantity` (> 0) seats over [start, end] of `line` (inside its period)."""

    line: InvoiceLine
    quantity: int
    start: dt.date
    end: dt.date


def create_seat_day_credit_note(*, credits: Sequence[SeatDays], reason: str) -> Invoice:
    """One issued credit note for `credits`, all lines of one invoice (see the module doc).
    Refused: `invalid_credit` (empty, other invoices, quantity or period outside the line),
    `invoice_void`, `reason_required`. The credit first reduces the original's open balance; the
    rest is the credit note's (negative) balance, owed to the customer."""
    reason = (reason or "").strip()
    if not reason:
        raise SeatlineError("reason_required", "say why the customer is credited", field="reason")
    if not credits:
        raise SeatlineError("invalid_credit", "nothing to credit", field="credits")
    invoice_ids = {item.line.invoice_id for item in credits}
    if len(invoice_ids) != 1:
        raise SeatlineError("invalid_credit", "one credit note credits lines of one invoice", field="credits")
    today = clock.today()
    with transaction.atomic():
        original = Invoice.objects.select_for_update().get(pk=invoice_ids.pop())
        lock_contract(original.contract_id)
        if (
            original.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID)
            or original.kind == InvoiceKind.CREDIT_NOTE
        ):
            raise SeatlineError("invoice_void", f"{original} cannot be credited", field="invoice")
        currency = original.currency
        lines: list[InvoiceLine] = []
        taxable = Fraction(0)
        for position, item in enumerate(credits, start=1):
            line = item.line
            if (
                item.quantity <= 0
                or item.quantity > abs(int(line.quantity))
                or line.period_start is None
                or line.period_end is None
                or not (line.period_start <= item.start <= item.end <= line.period_end)
            ):
                raise SeatlineError(
                    "invalid_credit",
                    f"{item.quantity} seat(s) {item.start}..{item.end} are not inside line {line.pk}",
                    field="credits",
                )
            share = Fraction(item.quantity * days_inclusive(item.start, item.end)) / (
                abs(int(line.quantity)) * days_inclusive(line.period_start, line.period_end)
            )
            amount = quantize(-to_fraction(line.amount) * share, currency)
            discount = quantize(-to_fraction(line.discount) * share, currency)
            lines.append(
                InvoiceLine(
                    position=position,
                    type=InvoiceLine.Type.CREDIT,
                    subscription_id=line.subscription_id,
                    description=line.description,
                    quantity=Decimal(-item.quantity),
                    unit_price=line.unit_price,
                    unit_months=line.unit_months,
                    period_start=item.start,
                    period_end=item.end,
                    amount=amount,
                    discount=discount,
                    net=amount - discount,
                    taxable=line.taxable,
                    tax_category=line.tax_category,
                )
            )
            if line.taxable:
                taxable += to_fraction(amount - discount)
        taxes = [
            InvoiceTax(
                position=tax.position,
                name=tax.name,
                percent=tax.percent,
                amount=quantize(percent_of(taxable, tax.percent), currency),
            )
            for tax in original.taxes.all()
        ]
        subtotal = sum((line.net for line in lines), start=Decimal(0))
        tax_total = sum((tax.amount for tax in taxes), start=Decimal(0))
        credit = -(subtotal + tax_total)
        applied = min(credit, max(original.balance, Decimal(0)))  # reduces what is still owed
        note = Invoice(
            contract_id=original.contract_id,
            account_id=original.account_id,
            kind=InvoiceKind.CREDIT_NOTE,
            status=InvoiceStatus.DRAFT,
            series=Series.CREDIT_NOTE,
            currency=currency,
            generated_on=today,
            invoice_date=today,
            due_date=today,
            period_start=min(item.start for item in credits),
            period_end=max(item.end for item in credits),
            subtotal=subtotal,
            tax_total=tax_total,
            total=subtotal + tax_total,
            balance=-(credit - applied),  # the rest is owed to the customer
            credited_invoice=original,
            seller_name=original.seller_name,
            seller_address=original.seller_address,
            seller_tax_id=original.seller_tax_id,
            buyer_name=original.buyer_name,
            buyer_address=original.buyer_address,
            buyer_country=original.buyer_country,
            buyer_region=original.buyer_region,
            buyer_tax_exempt=original.buyer_tax_exempt,
            warnings=[f"seat-day credit of {original.number}: {reason}"],
        )
        note.save()
        for line in lines:
            line.invoice = note
        InvoiceLine.objects.bulk_create(lines)
        for tax in taxes:
            tax.invoice = note
        InvoiceTax.objects.bulk_create(taxes)
        sequence, number = next_number(Series.CREDIT_NOTE)
        note.sequence, note.number = sequence, number
        note.status = InvoiceStatus.BILLED
        note.issued_at = clock.now()
        note.save()
        if applied:
            original.balance -= applied
            original.save()
        record(
            note,
            "credit_note_issued",
            message=f"{number} credits seat-days of {original.number}, total {note.total}: {reason}",
        )
        enqueue_follow_ups([note])
        events.emit("invoice.issued", {"invoice": invoice_data(note)}, related=note)
    return note
