# SPDX-License-Identifier: AGPL-3.0-or-later
"""The day's collections (docs/billing.md 12), run by the daily `charge_invoice` job.

1. statuses: issued invoices past their due date with a balance become `overdue`;
2. account credit is applied to open invoices (before any charge);
3. every auto-charge invoice whose charge day (the later of its due date and the day it was
   issued) has come gets its dunning row; the rows due today are charged, one `charge_invoice`
   job per invoice (a job killed mid-charge is retried with the same idempotency key);
4. dunning credit holds are lifted on the first day the account's overdue balance is 0.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q

from seatline import clock
from seatline.audit.services import record
from seatline.customers.models import Account
from seatline.invoicing.models import Invoice, InvoiceStatus
from seatline.jobs.services import enqueue
from seatline.payments.charging import send_charge, start_charge
from seatline.payments.credits import accounts_with_credit, apply_account_credit
from seatline.payments.models import ChargeAttempt, ContractCollection, Dunning
from seatline.payments.profiles import profile_for
from seatline.payments.status import CHARGEABLE_KINDS, OPEN, PAYABLE, status_on

logger = logging.getLogger("seatline.payments")
NO_PAYMENT_METHOD = "no_payment_method"


def issue_day(invoice: Invoice) -> dt.date:
    """The tenant-local day `invoice` was issued."""
    if invoice.issued_at is None:
        return invoice.generated_on
    return invoice.issued_at.astimezone(ZoneInfo(clock.default_time_zone())).date()


def refresh_statuses(day: dt.date) -> int:
    """Open invoices past their due date become overdue (the other statuses move with payments)."""
    changed = 0
    for invoice in Invoice.objects.filter(
        status__in=(InvoiceStatus.BILLED, InvoiceStatus.PARTIALLY_PAID), due_date__lt=day, balance__gt=0
    ):
        status = status_on(invoice, day)
        if status != invoice.status:
            invoice.status = status
            invoice.save(update_fields=["status", "updated_at"])
            changed += 1
    return changed


def schedule_due(day: dt.date) -> int:
    """Dunning rows for the auto-charge invoices whose charge day has come."""
    auto = ContractCollection.objects.filter(auto_charge=True).values("contract_id")
    created = 0
    for invoice in Invoice.objects.filter(
        contract_id__in=auto,
        kind__in=CHARGEABLE_KINDS,
        status__in=PAYABLE,
        due_date__lte=day,
        generated_on__lte=day,
        dunning__isnull=True,
    ):
        charge_date = max(invoice.due_date, issue_day(invoice))
        if charge_date > day:
            continue
        done = invoice.balance <= 0
        Dunning.objects.create(
            invoice=invoice,
            account_id=invoice.account_id,
            charge_date=charge_date,
            next_date=None if done else charge_date,
            status=Dunning.Status.DONE if done else Dunning.Status.SCHEDULED,
        )
        created += 1
    return created


def release_holds(day: dt.date) -> list[int]:
    released = []
    for account in Account.objects.filter(dunning_hold=True):
        overdue = Invoice.objects.filter(account=account, status__in=OPEN, due_date__lt=day, balance__gt=0)
        if not overdue.exists():
            account.dunning_hold = False
            account.save(update_fields=["dunning_hold", "updated_at"])
            record(account, "dunning_hold_lifted", message=f"no overdue balance on {day.isoformat()}")
            released.append(account.pk)
    return released


def due_invoice_ids(day: dt.date) -> list[int]:
    """Invoices to charge today, and those whose auto-charge was left unfinished (resumed)."""
    due = list(
        Dunning.objects.filter(status=Dunning.Status.SCHEDULED, next_date__lte=day)
        .order_by("charge_date", "invoice_id")
        .values_list("invoice_id", flat=True)
    )
    unfinished = ChargeAttempt.objects.filter(
        status=ChargeAttempt.Status.STARTED, profile__isnull=False
    ).values_list("invoice_id", flat=True)
    return due + sorted(set(unfinished) - set(due))


def run_day(*, day: dt.date) -> dict[str, Any]:
    """Steps 1, 2, 4 and the dunning rows of step 3, in one transaction; returns the invoices to
    charge today (their jobs are enqueued by the caller)."""
    with transaction.atomic():
        overdue = refresh_statuses(day)
        credited = 0
        for account_id in accounts_with_credit():
            credited += len(apply_account_credit(account=Account.objects.get(pk=account_id), day=day))
        scheduled = schedule_due(day)
        released = release_holds(day)
        due = due_invoice_ids(day)
        for invoice_id in due:
            enqueue(
                "charge_invoice",
                parameters={"invoice_id": invoice_id, "run_date": day.isoformat()},
                dedupe_key=f"charge_invoice:{invoice_id}:{day.isoformat()}",
            )
    return {
        "overdue": overdue,
        "credit_applied": credited,
        "scheduled": scheduled,
        "released": released,
        "due": due,
    }


def collect_invoice(*, invoice_id: int, day: dt.date) -> dict[str, Any]:
    """Charge one invoice whose dunning row is due (or resume its unfinished attempt)."""
    unfinished = ChargeAttempt.objects.filter(
        invoice_id=invoice_id, status=ChargeAttempt.Status.STARTED
    ).first()
    if unfinished is not None:  # a crashed run: same request, same key
        attempt = send_charge(unfinished)
        return {"attempt": attempt.idempotency_key, "status": attempt.status, "resumed": True}
    with transaction.atomic():
        dunning = (
            Dunning.objects.select_for_update(of=("self",))
            .select_related("invoice")
            .get(invoice_id=invoice_id)
        )
        invoice = dunning.invoice
        if dunning.status != Dunning.Status.SCHEDULED or dunning.next_date is None or dunning.next_date > day:
            return {"status": "not_due"}
        if invoice.balance <= 0 or invoice.status not in PAYABLE:
            dunning.status, dunning.next_date = Dunning.Status.DONE, None
            dunning.save()
            return {"status": "nothing_to_charge"}
        if ChargeAttempt.objects.filter(invoice=invoice, status=ChargeAttempt.Status.PENDING).exists():
            return {"status": "pending"}
        profile = profile_for(invoice)
        if profile is None:
            dunning.status, dunning.next_date = Dunning.Status.DONE, None
            dunning.save()
            number = ChargeAttempt.objects.filter(invoice=invoice).count() + 1
            ChargeAttempt.objects.create(
                invoice=invoice,
                number=number,
                idempotency_key=f"skip:{invoice.number}:{number}",
                trigger=ChargeAttempt.Trigger.AUTO,
                amount=invoice.balance,
                currency=invoice.currency,
                date=day,
                status=ChargeAttempt.Status.SKIPPED,
                code=NO_PAYMENT_METHOD,
                message="no active payment profile for the contract or the account",
            )
            record(invoice, "charge_skipped", message=NO_PAYMENT_METHOD)
            return {"status": "skipped", "code": NO_PAYMENT_METHOD}
        dunning.next_date = None  # set again by a failure
        dunning.save()
    attempt = start_charge(invoice=invoice, profile=profile, trigger=ChargeAttempt.Trigger.AUTO, day=day)
    attempt = send_charge(attempt)
    with transaction.atomic():
        Dunning.objects.filter(
            Q(invoice_id=invoice_id), Q(status=Dunning.Status.SCHEDULED), Q(next_date__isnull=True)
        ).update(status=Dunning.Status.DONE)
    return {"attempt": attempt.idempotency_key, "status": attempt.status, "code": attempt.code}
