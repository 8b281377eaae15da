# SPDX-License-Identifier: AGPL-3.0-or-later
"""Saving what the core proposed: the invoice with its lines, taxes and snapshots (an invoice
line that carries a pending change line points to it, which makes that change line no longer
pending), the billing schedule, the billed NRIs and usage, the contract's next invoice date and
the archived change logs. Runs inside the caller's transaction, with the contract row already
locked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from seatline import clock, core
from seatline.audit.models import AuditEvent
from seatline.audit.services import AuditEntry, record_many
from seatline.configuration.models import Configuration
from seatline.configuration.selectors import configuration
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.core.money import quantize, unit_price4
from seatline.core.types import ContractTerms, Cycle, Proposal
from seatline.invoicing.issuing import issue_or_defer
from seatline.invoicing.models import Invoice, InvoiceLine, InvoiceStatus, InvoiceTax, Series
from seatline.subscriptions.models import LicenseChangeLog, NonRecurringItem, UsageRecord
from seatline.subscriptions.selectors import unbilled_nris

ONE_DAY = dt.timedelta(days=1)


def _money(amount: Decimal, currency: str) -> Decimal:
    return quantize(amount, currency)


def save_proposal(
    contract: BillingContract,
    proposal: Proposal,
    *,
    cycle: Cycle | None,
    run_type: str,
    run_date: dt.date,
    warnings: Iterable[str] = (),
    invoiced: frozenset[dt.date] | None = None,
    config: Configuration | None = None,
) -> Invoice | None:
    """Persist `proposal` (nothing when it has no lines) and mark `cycle` invoiced.

    `invoiced` (the contract's invoiced cycle starts before this one) and `config` spare their
    queries when the caller has them.
    """
    config = config or configuration()
    terms = contract.terms()
    all_warnings = [*warnings, *proposal.warnings]
    now = clock.now()
    events: list[AuditEntry] = []
    invoice = (
        _create_invoice(
            contract, proposal, cycle=cycle, warnings=all_warnings, config=config, now=now, events=events
        )
        if proposal.lines
        else None
    )
    if cycle is not None:
        _mark_cycle_invoiced(
            contract, terms, cycle, invoice=invoice, run_type=run_type, run_date=run_date, now=now
        )
    nri_ids = [line.nri_id for line in proposal.lines if line.nri_id is not None]
    usage_ids = [line.usage_id for line in proposal.lines if line.usage_id is not None]
    if nri_ids:
        NonRecurringItem.objects.filter(pk__in=nri_ids).update(status=NonRecurringItem.Status.BILLED)
    if usage_ids:
        UsageRecord.objects.filter(pk__in=usage_ids).update(invoiced=True)
    if invoiced is None:
        invoiced = invoiced_starts_of(contract)
    elif cycle is not None:
        invoiced = invoiced | {cycle.start}
    archived = archive_billed_changes(contract, terms, invoiced)
    refresh_next_invoice_date(contract, terms=terms, invoiced=invoiced)
    summary = (
        f"{proposal.kind} {invoice.pk}: {len(proposal.lines)} line(s), total {invoice.total} {invoice.currency}"
        if invoice
        else "nothing to bill"
    )
    details = (
        f"; cycle {cycle.start.isoformat()}..{cycle.end.isoformat()} ({run_type})" if cycle else ""
    ) + f"; {len(nri_ids)} NRI(s), {len(usage_ids)} usage record(s) billed; {archived} change log(s) archived"
    events.append(AuditEntry(invoice or contract, "invoice_generated", message=summary + details))
    record_many(events, at=now)
    if invoice is not None and config.auto_issue_invoices:
        invoice = issue_or_defer(invoice)
    return invoice


def _mark_cycle_invoiced(
    contract: BillingContract,
    terms: ContractTerms,
    cycle: Cycle,
    *,
    invoice: Invoice | None,
    run_type: str,
    run_date: dt.date,
    now: Any,
) -> None:
    """The cycle's BillingSchedule row, invoiced (created, or a pending/error row updated): one
    INSERT ... ON CONFLICT on (contract, cycle_start)."""
    values = {
        "cycle_index": cycle.index,
        "cycle_end": cycle.end,
        "schedule_date": core.generation_date(terms, cycle),
        "status": BillingSchedule.Status.INVOICED,
        "invoice": invoice,
        "run_type": run_type,
        "run_date": run_date,
        "message": "" if invoice else "nothing to bill",
        "updated_at": now,
    }
    BillingSchedule.objects.bulk_create(
        [BillingSchedule(contract=contract, cycle_start=cycle.start, created_at=now, **values)],
        update_conflicts=True,
        unique_fields=["contract", "cycle_start"],
        update_fields=[name for name in values],
    )


def _create_invoice(
    contract: BillingContract,
    proposal: Proposal,
    *,
    cycle: Cycle | None,
    warnings: list[str],
    config: Configuration,
    now: Any,
    events: list[AuditEntry],
) -> Invoice:
    """The draft invoice with its lines and taxes; its audit "create" event is added to `events`
    (what AuditedModel.save would record, written in one insert with the others)."""
    account = contract.account
    currency = proposal.currency
    periods = [line for line in proposal.lines if line.period_start and line.period_end]
    period_start = cycle.start if cycle else min((line.period_start for line in periods), default=None)
    period_end = cycle.end if cycle else max((line.period_end for line in periods), default=None)
    total = _money(proposal.total, currency)
    invoice = Invoice(
        contract=contract,
        account=account,
        kind=proposal.kind,
        status=InvoiceStatus.DRAFT,
        series=Series.INVOICE,
        currency=currency,
        generated_on=proposal.generated_on,
        invoice_date=proposal.invoice_date,
        due_date=proposal.due_date,
        period_start=period_start,
        period_end=period_end,
        subtotal=_money(proposal.subtotal, currency),
        tax_total=_money(proposal.tax, currency),
        total=total,
        balance=total,
        seller_name=config.seller_name,
        seller_address=config.seller_address,
        seller_tax_id=config.seller_tax_id,
        buyer_name=account.name,
        buyer_address="\n".join(account.address_lines()),
        buyer_country=account.country,
        buyer_region=account.region,
        buyer_tax_exempt=account.tax_exempt,
        warnings=list(warnings),
        created_at=now,
        updated_at=now,
    )
    Invoice.objects.bulk_create([invoice])  # a new draft: nothing for Invoice.save to check
    audited = invoice._audit_values()
    invoice._audit_loaded = audited
    events.append(
        AuditEntry(
            invoice,
            AuditEvent.CREATE,
            changes={name: (None, value) for name, value in audited.items() if value not in (None, "")},
        )
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            type=line.type,
            subscription_id=line.subscription_id,
            nri_id=line.nri_id,
            usage_id=line.usage_id,
            change_line_id=line.change_line_id,
            description=line.description[:300],
            quantity=line.quantity,
            unit_price=unit_price4(line.unit_price),
            unit_months=line.unit_months,
            period_start=line.period_start,
            period_end=line.period_end,
            amount=_money(line.amount, currency),
            discount=_money(line.discount, currency),
            net=_money(line.net, currency),
            taxable=line.taxable,
            tax_category=line.tax_category or "",
        )
        for position, line in enumerate(proposal.lines, start=1)
    )
    if proposal.taxes:
        InvoiceTax.objects.bulk_create(
            InvoiceTax(
                invoice=invoice,
                position=position,
                name=tax.name,
                percent=tax.percent,
                amount=_money(tax.amount, currency),
            )
            for position, tax in enumerate(proposal.taxes, start=1)
        )
    return invoice


def invoiced_starts_of(contract: BillingContract) -> frozenset[dt.date]:
    return frozenset(
        BillingSchedule.objects.filter(contract=contract, status=BillingSchedule.Status.INVOICED).values_list(
            "cycle_start", flat=True
        )
    )


def archive_billed_changes(
    contract: BillingContract, terms: ContractTerms, invoiced: frozenset[dt.date]
) -> int:
    """Archive the active change logs whose every affected day is now invoiced and billed: those
    effective within the unbroken run of invoiced cycles that ends with the latest invoiced one."""
    if terms.type != "recurring" or not invoiced:
        return 0
    cycles = core.contract_cycles(terms, through=max(invoiced))
    j = len(cycles)
    while j > 0 and cycles[j - 1].start in invoiced:
        j -= 1
    if j == len(cycles):
        return 0
    changes = LicenseChangeLog.objects.filter(
        subscription__contract=contract,
        status=LicenseChangeLog.Status.ACTIVE,
        effective_date__lte=cycles[-1].end,
    )
    if j > 0:
        changes = changes.filter(effective_date__gte=cycles[j].start)
    return changes.update(status=LicenseChangeLog.Status.ARCHIVED)


def next_invoice_date(
    contract: BillingContract, *, terms: ContractTerms, invoiced: frozenset[dt.date]
) -> dt.date | None:
    """Generation date of the first cycle without its regular invoice (non-recurring contracts: the
    day after the earliest unbilled NRI); None when nothing is left to bill."""
    if terms.type != "recurring":
        first = unbilled_nris(contract_id=contract.pk).values_list("date", flat=True).first()
        return first + ONE_DAY if first else None
    last = max(invoiced, default=terms.start)
    for cycle in core.contract_cycles(terms, through=core.add_months(last, terms.period_months)):
        if cycle.start not in invoiced:
            return core.generation_date(terms, cycle)
    return None


def refresh_next_invoice_date(
    contract: BillingContract,
    *,
    terms: ContractTerms | None = None,
    invoiced: frozenset[dt.date] | None = None,
) -> dt.date | None:
    terms = terms or contract.terms()
    invoiced = invoiced_starts_of(contract) if invoiced is None else invoiced
    value = next_invoice_date(contract, terms=terms, invoiced=invoiced)
    if value != contract.next_invoice_date:
        BillingContract.objects.filter(pk=contract.pk).update(next_invoice_date=value)
        contract.next_invoice_date = value
    return value
