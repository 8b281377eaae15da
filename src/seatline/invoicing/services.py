# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writes on invoices: regular, manual and change-log invoices, issuing, credit notes.

The pure core (`seatline.core`) proposes; these services lock the contract, load its state
(`snapshots.py`), call the core with the run date and save the proposal (`documents.py`) in one
transaction. A cycle gets its regular invoice once, ever: the `BillingSchedule` row of the cycle
is marked invoiced in the same transaction (and is unique per contract and cycle). Contract runs
(`run_contract`, ...) are in `runs.py` and re-exported here (the API of docs/dev/services-api.md);
payments are recorded by `seatline.payments.services` (the payments app sits above invoicing).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from seatline import clock, core
from seatline.audit.services import record
from seatline.common import events
from seatline.contracts.models import BillingContract
from seatline.core.types import MANUAL, REGULAR, Proposal
from seatline.errors import SeatlineError
from seatline.invoicing.events import invoice_data
from seatline.invoicing.generation import (
    change_log_invoice_locked,
    propose_regular,
    regular_invoice_locked,
)
from seatline.invoicing.issuing import enqueue_follow_ups, issue_invoice
from seatline.invoicing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceTax, Series
from seatline.invoicing.numbering import next_number
from seatline.invoicing.runs import (
    ContractRunResult,
    change_log_contract_ids,
    due_contract_ids,
    run_change_log_for_contract,
    run_contract,
)
from seatline.invoicing.snapshots import contract_state
from seatline.subscriptions.lock_objects import lock_contract

__all__ = [
    "ContractRunResult",
    "change_log_contract_ids",
    "create_credit_note",
    "due_contract_ids",
    "generate_change_log_invoice",
    "generate_manual_invoice",
    "generate_regular_invoice",
    "issue_invoice",
    "preview_next_invoice",
    "run_change_log_for_contract",
    "run_contract",
]

ONE_DAY = dt.timedelta(days=1)


def generate_regular_invoice(
    *, contract: BillingContract, cycle_start: dt.date, run_date: dt.date, run_type: str = "automatic"
) -> Invoice | None:
    """The cycle's regular invoice generated on `run_date` (None when there is nothing to bill;
    the cycle is marked invoiced all the same). `cycle_already_invoiced` the second time."""
    if run_type not in ("automatic", "manual"):
        raise SeatlineError("invalid_run_type", f"unknown run type {run_type!r}", field="run_type")
    with transaction.atomic():
        locked = lock_contract(contract.pk)
        return regular_invoice_locked(locked, cycle_start=cycle_start, run_date=run_date, run_type=run_type)


def generate_manual_invoice(*, contract: BillingContract, cycle_start: dt.date) -> Invoice | None:
    """A manual run today for the cycle starting `cycle_start` (also a future one): what the
    automatic run would bill today, as a `manual` document; the automatic run then skips the cycle."""
    today = clock.today()
    with transaction.atomic():
        locked = lock_contract(contract.pk)
        return regular_invoice_locked(
            locked, cycle_start=cycle_start, run_date=today, run_type="manual", kind=MANUAL
        )


def generate_change_log_invoice(*, contract: BillingContract, run_date: dt.date) -> Invoice | None:
    """A change-log invoice of every unbilled mid-term change line (and eligible NRI); None when
    there is nothing to bill; `earlier_cycle_not_invoiced` while an earlier cycle has no invoice."""
    with transaction.atomic():
        locked = lock_contract(contract.pk)
        return change_log_invoice_locked(locked, run_date=run_date)


def preview_next_invoice(*, contract: BillingContract, as_of: dt.date | None = None) -> Proposal:
    """Dry run: the next document the runs would generate (the first due or upcoming cycle's
    regular invoice; non-recurring contracts: the next NRI invoice). Writes nothing."""
    as_of = as_of or clock.today()
    state = contract_state(contract)
    terms = state.terms
    if terms.type != "recurring":
        first = min((nri.date for nri in state.nris), default=None)
        today = max(as_of, first + ONE_DAY) if first else as_of
        return core.propose_non_recurring(
            terms, nris=state.nris, taxes=state.taxes, settings=state.settings, today=today
        )
    due = core.due_cycles(terms, run_date=as_of, invoiced_starts=state.invoiced_starts)
    if due:
        return propose_regular(state, due[0], today=as_of, kind=REGULAR)
    last = max(state.invoiced_starts | {as_of})
    for cycle in core.contract_cycles(terms, through=core.add_months(last, terms.period_months)):
        if cycle.start not in state.invoiced_starts:
            today = max(as_of, core.generation_date(terms, cycle))
            return propose_regular(state, cycle, today=today, kind=REGULAR)
    return Proposal(
        kind=REGULAR,
        currency=terms.currency,
        generated_on=as_of,
        invoice_date=as_of,
        due_date=as_of,
        cycle=None,
        lines=(),
    )


def create_credit_note(*, invoice: Invoice, reason: str = "") -> Invoice:
    """A negated copy of an issued invoice (series credit_note, issued at once); the original
    becomes void with balance 0. The credit note's balance is what was already paid (negative:
    owed to the customer)."""
    today = clock.today()
    with transaction.atomic():
        lock_contract(invoice.contract_id)
        original = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if original.status == InvoiceStatus.DRAFT:
            raise SeatlineError(
                "invoice_not_issued", f"{original} is a draft: edit or delete it", field="invoice"
            )
        if original.status == InvoiceStatus.VOID:
            raise SeatlineError("invoice_void", f"{original} is already credited", field="invoice")
        if original.kind == InvoiceKind.CREDIT_NOTE:
            raise SeatlineError("invalid_invoice", "a credit note cannot be credited", field="invoice")
        paid = original.total - original.balance
        note = Invoice(
            contract_id=original.contract_id,
            account_id=original.account_id,
            kind=InvoiceKind.CREDIT_NOTE,
            status=InvoiceStatus.DRAFT,
            series=Series.CREDIT_NOTE,
            currency=original.currency,
            generated_on=today,
            invoice_date=today,
            due_date=today,
            period_start=original.period_start,
            period_end=original.period_end,
            subtotal=-original.subtotal,
            tax_total=-original.tax_total,
            total=-original.total,
            balance=-paid,
            credited_invoice=original,
            seller_name=original.seller_name,
            seller_address=original.seller_address,
            seller_tax_id=original.seller_tax_id,
            buyer_name=original.buyer_name,
            buyer_address=original.buyer_address,
            buyer_country=original.buyer_country,
            buyer_region=original.buyer_region,
            buyer_tax_exempt=original.buyer_tax_exempt,
            warnings=[f"credit note of {original.number}" + (f": {reason}" if reason else "")],
        )
        note.save()
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=note,
                position=line.position,
                type=line.type,
                subscription_id=line.subscription_id,
                nri_id=line.nri_id,
                usage_id=line.usage_id,
                description=line.description,
                quantity=-line.quantity,
                unit_price=line.unit_price,
                unit_months=line.unit_months,
                period_start=line.period_start,
                period_end=line.period_end,
                amount=-line.amount,
                discount=-line.discount,
                net=-line.net,
                taxable=line.taxable,
                tax_category=line.tax_category,
            )
            for line in original.lines.all()
        )
        InvoiceTax.objects.bulk_create(
            InvoiceTax(
                invoice=note, position=tax.position, name=tax.name, percent=tax.percent, amount=-tax.amount
            )
            for tax in original.taxes.all()
        )
        sequence, number = next_number(Series.CREDIT_NOTE)
        note.sequence, note.number = sequence, number
        note.status = InvoiceStatus.BILLED
        note.issued_at = clock.now()
        note.save()
        original.status = InvoiceStatus.VOID
        original.balance = Decimal(0)
        original.save()
        record(
            original, "invoice_credited", message=f"credit note {number}" + (f": {reason}" if reason else "")
        )
        record(note, "credit_note_issued", message=f"{number} credits {original.number}, total {note.total}")
        enqueue_follow_ups([note])
        events.emit("invoice.issued", {"invoice": invoice_data(note)}, related=note)
    return note
