# SPDX-License-Identifier: AGPL-3.0-or-later
"""Account credit: what credit notes and credit invoices leave (a negative balance) is applied to
the account's open invoices by invoice date, then number, before any charge (docs/billing.md 12).

A credit note first lowers the invoice it corrects (invoicing voids it); only what was already
paid of that invoice stays as the credit note's negative balance, applied here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from seatline import clock
from seatline.audit.services import record
from seatline.customers.models import Account
from seatline.invoicing.models import Invoice, InvoiceKind, InvoiceStatus
from seatline.payments.models import CreditApplication
from seatline.payments.status import OPEN, reserved_amount, status_on

ISSUED_CREDIT = (
    InvoiceStatus.BILLED,
    InvoiceStatus.PARTIALLY_PAID,
    InvoiceStatus.PAID,
    InvoiceStatus.OVERDUE,
)


def accounts_with_credit() -> list[int]:
    return list(
        Invoice.objects.filter(balance__lt=0, status__in=ISSUED_CREDIT)
        .values_list("account_id", flat=True)
        .distinct()
    )


def apply_account_credit(*, account: Account, day: dt.date | None = None) -> list[CreditApplication]:
    """Apply the account's credits (oldest first) to its open invoices (oldest first)."""
    day = day or clock.today()
    applied: list[CreditApplication] = []
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account.pk)
        sources = list(
            Invoice.objects.select_for_update()
            .filter(account=account, balance__lt=0, status__in=ISSUED_CREDIT)
            .order_by("invoice_date", "number")
        )
        if not sources:
            return applied
        targets = list(
            Invoice.objects.select_for_update()
            .filter(account=account, balance__gt=0, status__in=OPEN)
            .exclude(kind=InvoiceKind.CREDIT_NOTE)
            .order_by("invoice_date", "number")
        )
        for target in targets:
            for source in sources:
                if source.currency != target.currency or source.balance >= 0:
                    continue
                room = target.balance - reserved_amount(target.pk)
                amount = min(-source.balance, room)
                if amount <= 0:
                    break
                applied.append(_apply(source, target, amount, day))
    return applied


def _apply(source: Invoice, target: Invoice, amount: Decimal, day: dt.date) -> CreditApplication:
    row = CreditApplication.objects.create(
        source=source, target=target, amount=amount, currency=target.currency, date=day
    )
    for invoice, delta in ((source, amount), (target, -amount)):
        before = (invoice.status, invoice.balance)
        invoice.balance = invoice.balance + delta
        invoice.status = status_on(invoice, day)
        invoice.save(update_fields=["balance", "status", "updated_at"])
        record(
            invoice,
            "credit_applied",
            changes={"status": (before[0], invoice.status), "balance": (before[1], invoice.balance)},
            message=f"{amount} {target.currency} from {source.number} to {target.number}",
        )
    return row
