# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writing a planned invoice run chunk (`chunks.py`) with one statement per table.

In this order (the order `save_proposal` and `issue_invoices` write in, so ids and the audit
trail come out the same as contract by contract): the draft invoices (one multi-row INSERT,
ids back), their lines and taxes (COPY on PostgreSQL), the billing schedules (one INSERT ... ON
CONFLICT), the NRIs and usage billed and the change logs archived (one UPDATE each), the next
invoice dates (one UPDATE ... FROM (VALUES ...)); then, when invoices are issued automatically,
the numbers of the whole chunk (the sequence row locked for this last step only), the invoices
numbered (one UPDATE ... FROM (VALUES ...)), the follow-up jobs (one INSERT per job type), the
`invoice.issued` events; and the audit records of all of it (one COPY).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType

from seatline import clock, core
from seatline.audit.context import current_actor
from seatline.audit.models import AuditEvent
from seatline.audit.services import jsonable
from seatline.common import events
from seatline.common.bulk import insert_rows, update_ids, update_rows, upsert_rows
from seatline.configuration.models import Configuration
from seatline.configuration.selectors import configuration
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.core.money import minor_units, quantize, unit_price4
from seatline.core.types import ContractTerms, Cycle, Proposal
from seatline.invoicing.events import invoice_data
from seatline.invoicing.issuing import FOLLOW_UP_JOBS
from seatline.invoicing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceTax, Series
from seatline.invoicing.numbering import next_numbers
from seatline.invoicing.runs import ContractRunResult
from seatline.jobs.registry import has_handler
from seatline.jobs.services import enqueue_rows
from seatline.subscriptions.models import LicenseChangeLog, NonRecurringItem, UsageRecord

logger = logging.getLogger("seatline.invoicing")

FOUR_PLACES = Decimal("0.0001")  # money columns read back from the database have 4 decimals
_AUDITED = [f.attname for f in Invoice._meta.concrete_fields if f.attname not in Invoice.audit_exclude]
_ISSUE_CHANGES = [name for name in _AUDITED if name in {"status", "sequence", "number", "issued_at"}]


@dataclass
class Document:
    """One saved proposal of the chunk: what `documents.save_proposal` would write for it."""

    contract: BillingContract
    terms: ContractTerms
    proposal: Proposal
    cycle: Cycle | None
    run_type: str
    run_date: dt.date
    warnings: list[str]
    now: dt.datetime
    invoice: dict[str, Any] | None  # the draft invoice's column values; None: nothing to bill
    nri_ids: list[int]
    usage_ids: list[int]
    archived: list[int]  # change logs this document archives
    invoice_id: int | None = None
    config: Configuration | None = None  # the configuration the state was loaded with


@dataclass
class ContractPlan:
    result: ContractRunResult
    documents: list[Document] = field(default_factory=list)
    next_invoice_date_changed: bool = False


_places = functools.lru_cache(maxsize=64)(minor_units)


def _money(amount: Decimal, currency: str) -> Decimal:
    """`quantize(amount, currency)`; an amount the core already rounded to the currency's minor
    units (every line amount) is returned as it is (the same value and exponent)."""
    if (
        isinstance(amount, Decimal)
        and amount.as_tuple().exponent == -_places(currency)
        and not (amount.is_signed() and not amount)
    ):
        return amount
    return quantize(amount, currency)


class _Audit:
    """Audit rows, each exactly what `audit.services.record_many` writes."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.actor = current_actor()
        self.invoice_type = ContentType.objects.get_for_model(Invoice).pk
        self.contract_type = ContentType.objects.get_for_model(BillingContract).pk

    def add(
        self,
        content_type: int,
        object_id: int,
        object_repr: str,
        action: str,
        at: dt.datetime,
        changes: dict[str, list[Any]] | None = None,
        message: str = "",
    ) -> None:
        self.rows.append(
            {
                "at": at,
                "actor": self.actor,
                "action": action,
                "content_type_id": content_type,
                "object_id": str(object_id),
                "object_repr": object_repr[:200],
                "changes": changes or {},
                "message": message,
            }
        )


def _line_rows(document: Document) -> list[dict[str, Any]]:
    currency = document.proposal.currency
    return [
        {
            "invoice_id": document.invoice_id,
            "position": position,
            "type": line.type,
            "subscription_id": line.subscription_id,
            "nri_id": line.nri_id,
            "usage_id": line.usage_id,
            "change_line_id": line.change_line_id,
            "description": line.description[:300],
            "quantity": line.quantity,
            "unit_price": unit_price4(line.unit_price),
            "unit_months": line.unit_months,
            "period_start": line.period_start,
            "period_end": line.period_end,
            "amount": _money(line.amount, currency),
            "discount": _money(line.discount, currency),
            "net": _money(line.net, currency),
            "taxable": line.taxable,
            "tax_category": line.tax_category or "",
        }
        for position, line in enumerate(document.proposal.lines, start=1)
    ]


def _tax_rows(document: Document) -> list[dict[str, Any]]:
    currency = document.proposal.currency
    return [
        {
            "invoice_id": document.invoice_id,
            "position": position,
            "name": tax.name,
            "percent": tax.percent,
            "amount": _money(tax.amount, currency),
        }
        for position, tax in enumerate(document.proposal.taxes, start=1)
    ]


def _schedule_row(document: Document) -> dict[str, Any]:
    cycle = document.cycle
    assert cycle is not None
    return {
        "contract_id": document.contract.pk,
        "cycle_start": cycle.start,
        "created_at": document.now,
        "cycle_index": cycle.index,
        "cycle_end": cycle.end,
        "schedule_date": core.generation_date(document.terms, cycle),
        "status": BillingSchedule.Status.INVOICED.value,
        "invoice_id": document.invoice_id,
        "run_type": document.run_type,
        "run_date": document.run_date,
        "message": "" if document.invoice_id else "nothing to bill",
        "updated_at": document.now,
    }


_SCHEDULE_UPDATES = (
    "cycle_index",
    "cycle_end",
    "schedule_date",
    "status",
    "invoice_id",
    "run_type",
    "run_date",
    "message",
    "updated_at",
)


def _kind_label(kind: str) -> str:
    return str(InvoiceKind(kind).label).lower()


def _audit_generation(audit: _Audit, document: Document) -> None:
    """The `create` record of the draft (what AuditedModel.save would write) and `invoice_generated`."""
    proposal, invoice, pk = document.proposal, document.invoice, document.invoice_id
    if invoice is not None and pk is not None:
        values = {"id": pk, **invoice}
        changes = {
            name: [None, jsonable(values[name])] for name in _AUDITED if values[name] not in (None, "")
        }
        audit.add(
            audit.invoice_type,
            pk,
            f"Draft {_kind_label(invoice['kind'])} #{pk}",
            "create",
            document.now,
            changes,
        )
    summary = (
        f"{proposal.kind} {pk}: {len(proposal.lines)} line(s), total {invoice['total']} {invoice['currency']}"
        if invoice is not None
        else "nothing to bill"
    )
    cycle = document.cycle
    details = (
        f"; cycle {cycle.start.isoformat()}..{cycle.end.isoformat()} ({document.run_type})" if cycle else ""
    ) + (
        f"; {len(document.nri_ids)} NRI(s), {len(document.usage_ids)} usage record(s) billed; "
        f"{len(document.archived)} change log(s) archived"
    )
    if invoice is not None and pk is not None:
        target = (audit.invoice_type, pk, f"Draft {_kind_label(invoice['kind'])} #{pk}")
    else:
        target = (audit.contract_type, document.contract.pk, str(document.contract))
    audit.add(*target, "invoice_generated", document.now, message=summary + details)


def write_chunk(plans: Sequence[ContractPlan]) -> None:
    """Write the planned contracts' documents (module doc) and fill their results' invoice ids."""
    documents = [document for plan in plans for document in plan.documents]
    if not documents:
        return
    drafts = [document for document in documents if document.invoice is not None]
    ids = insert_rows(Invoice, [document.invoice for document in drafts if document.invoice], returning=True)
    for document, pk in zip(drafts, ids, strict=True):
        document.invoice_id = pk
    insert_rows(InvoiceLine, [row for document in drafts for row in _line_rows(document)])
    insert_rows(InvoiceTax, [row for document in drafts for row in _tax_rows(document)])
    upsert_rows(
        BillingSchedule,
        [_schedule_row(document) for document in documents if document.cycle is not None],
        unique=("contract_id", "cycle_start"),
        update=_SCHEDULE_UPDATES,
    )
    nri_ids = [pk for document in documents for pk in document.nri_ids]
    update_ids(NonRecurringItem, nri_ids, status=NonRecurringItem.Status.BILLED.value)
    usage_ids = [pk for document in documents for pk in document.usage_ids]
    update_ids(UsageRecord, usage_ids, invoiced=True)
    archived = [pk for document in documents for pk in document.archived]
    update_ids(LicenseChangeLog, archived, status=LicenseChangeLog.Status.ARCHIVED.value)
    update_rows(
        BillingContract,
        key="id",
        columns=["next_invoice_date"],
        rows=[
            (plan.result.contract_id, plan.documents[0].contract.next_invoice_date)
            for plan in plans
            if plan.next_invoice_date_changed and plan.documents
        ],
    )
    audit = _Audit()
    for document in documents:
        _audit_generation(audit, document)
    for plan in plans:
        plan.result.invoice_ids = [d.invoice_id for d in plan.documents if d.invoice_id is not None]
    config = documents[0].config or configuration()
    if drafts and config.auto_issue_invoices:
        _issue(sorted(drafts, key=lambda d: d.invoice_id or 0), audit)
    insert_rows(AuditEvent, audit.rows)


def _issue(drafts: Sequence[Document], audit: _Audit) -> None:
    """`issuing.issue_invoices` for the chunk's drafts (id order): numbers, audit, jobs, events."""
    now = clock.now()
    numbers = next_numbers(Series.INVOICE, len(drafts))
    update_rows(
        Invoice,
        key="id",
        columns=["sequence", "number"],
        rows=[
            (d.invoice_id, sequence, number) for d, (sequence, number) in zip(drafts, numbers, strict=True)
        ],
        constants={"status": InvoiceStatus.BILLED.value, "issued_at": now, "updated_at": now},
    )
    issued: list[Invoice] = []
    for document, (sequence, number) in zip(drafts, numbers, strict=True):
        invoice, pk = document.invoice, document.invoice_id
        assert invoice is not None and pk is not None
        after = {
            "status": InvoiceStatus.BILLED.value,
            "sequence": sequence,
            "number": number,
            "issued_at": now,
        }
        before = {"status": invoice["status"], "sequence": None, "number": None, "issued_at": None}
        changes = {name: [jsonable(before[name]), jsonable(after[name])] for name in _ISSUE_CHANGES}
        audit.add(audit.invoice_type, pk, number, "update", now, changes)
        total = invoice["total"].quantize(FOUR_PLACES)
        audit.add(
            audit.invoice_type,
            pk,
            number,
            "invoice_issued",
            now,
            message=f"{number}: total {total} {invoice['currency']}",
        )
        issued.append(
            Invoice(**{**invoice, **after, "id": pk, "total": total, "balance": total, "updated_at": now})
        )
    for job_type in FOLLOW_UP_JOBS:
        if not has_handler(job_type):
            logger.debug("no %s job for %s document(s): no handler installed", job_type, len(issued))
            continue
        enqueue_rows(job_type, Invoice, [({"invoice_id": i.pk, "number": i.number}, i.pk) for i in issued])
    events.emit_many("invoice.issued", [({"invoice": invoice_data(i)}, i) for i in issued])
