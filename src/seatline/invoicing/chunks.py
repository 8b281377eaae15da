# SPDX-License-Identifier: AGPL-3.0-or-later
"""An invoice run chunk, set-based: propose everything first, then write everything at once.

`run_chunk(contract_ids=..., run_date=...)` runs inside the chunk's transaction (the job's):

1. locks the chunk's contracts (id order, one statement) and loads their state with one query
   per kind of row (`snapshots.contract_states`), plus their active change logs;
2. plans every contract in memory with the pure core (`plan_contract`): its due cycles oldest
   first, each cycle's proposal, and what saving it changes (the invoice, its lines and taxes,
   the billing schedule, the NRIs and usage billed, the change logs archived, the next invoice
   date), the state advanced in memory from one cycle to the next exactly as re-reading it would;
   a contract whose planning fails is set aside (reported failed, nothing of it written);
3. writes the chunk with one statement per table (`chunk_writes.write_chunk`) and issues its
   invoices together (numbers, audit records, follow-up jobs, events).

Same rows, same audit trail, same order as `run_chunk_per_contract` (the per-contract path: a
savepoint and one INSERT per table per contract, `runs.run_contract`), which stays the fallback:
if the set-based write fails (a constraint, a row changed under us), the chunk's writes are
rolled back to their savepoint and the chunk is billed again contract by contract, so a contract
whose rows cannot be written is isolated and reported failed as before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.db import transaction

from seatline import clock, core
from seatline.configuration.models import Configuration
from seatline.contracts.models import BillingContract, ContractType
from seatline.core.money import quantize, unit_price4
from seatline.core.types import REGULAR, BilledLine, ContractTerms, Cycle, Proposal
from seatline.invoicing.chunk_writes import ContractPlan, Document, write_chunk
from seatline.invoicing.generation import _cycle_for, propose_regular
from seatline.invoicing.issuing import issuing_deferred
from seatline.invoicing.models import InvoiceStatus, Series
from seatline.invoicing.runs import FAILED, INVOICED, SKIPPED, ContractRunResult, _failed, run_contract
from seatline.invoicing.snapshots import BILLED_TYPES, ContractState, contract_states, prefetched

logger = logging.getLogger("seatline.invoicing")

ONE_DAY = dt.timedelta(days=1)


def _money(amount: Decimal, currency: str) -> Decimal:
    return quantize(amount, currency)


def invoice_values(
    contract: BillingContract,
    proposal: Proposal,
    *,
    cycle: Cycle | None,
    warnings: list[str],
    config: Configuration,
    now: dt.datetime,
) -> dict[str, Any]:
    """The draft invoice's columns, as `documents._create_invoice` sets them."""
    account = contract.account
    currency = proposal.currency
    periods = [line for line in proposal.lines if line.period_start and line.period_end]
    period_start = cycle.start if cycle else min((line.period_start for line in periods), default=None)  # type: ignore[type-var]
    period_end = cycle.end if cycle else max((line.period_end for line in periods), default=None)  # type: ignore[type-var]
    total = _money(proposal.total, currency)
    return {
        "contract_id": contract.pk,
        "account_id": account.pk,
        "kind": proposal.kind,
        "status": InvoiceStatus.DRAFT.value,
        "series": Series.INVOICE.value,
        "sequence": None,
        "number": None,
        "currency": currency,
        "generated_on": proposal.generated_on,
        "invoice_date": proposal.invoice_date,
        "due_date": proposal.due_date,
        "period_start": period_start,
        "period_end": period_end,
        "subtotal": _money(proposal.subtotal, currency),
        "tax_total": _money(proposal.tax, currency),
        "total": total,
        "balance": total,
        "credited_invoice_id": None,
        "issued_at": None,
        "seller_name": config.seller_name,
        "seller_address": config.seller_address,
        "seller_tax_id": config.seller_tax_id,
        "buyer_name": account.name,
        "buyer_address": "\n".join(account.address_lines()),
        "buyer_country": account.country,
        "buyer_region": account.region,
        "buyer_tax_exempt": account.tax_exempt,
        "warnings": list(warnings),
        "created_at": now,
        "updated_at": now,
    }


def _archive(terms: ContractTerms, invoiced: frozenset[dt.date], active: dict[int, dt.date]) -> list[int]:
    """`documents.archive_billed_changes` on the contract's active change logs (id -> effective
    date) held in memory: the ids archived, removed from `active`."""
    if terms.type != "recurring" or not invoiced:
        return []
    cycles = core.contract_cycles(terms, through=max(invoiced))
    j = len(cycles)
    while j > 0 and cycles[j - 1].start in invoiced:
        j -= 1
    if j == len(cycles):
        return []
    low = cycles[j].start if j > 0 else None
    high = cycles[-1].end
    ids = sorted(pk for pk, eff in active.items() if eff <= high and (low is None or eff >= low))
    for pk in ids:
        del active[pk]
    return ids


def _next_invoice_date(
    terms: ContractTerms, state: ContractState, invoiced: frozenset[dt.date]
) -> dt.date | None:
    """`documents.next_invoice_date` from the state in memory (its NRIs are the unbilled ones)."""
    if terms.type != "recurring":
        first = min(((nri.date, nri.id) for nri in state.nris), default=None)
        return first[0] + ONE_DAY if first else None
    last = max(invoiced, default=terms.start)
    for cycle in core.contract_cycles(terms, through=core.add_months(last, terms.period_months)):
        if cycle.start not in invoiced:
            return core.generation_date(terms, cycle)
    return None


def _advance(state: ContractState, proposal: Proposal, cycle: Cycle | None) -> ContractState:
    """The contract's state after `proposal` is saved, as `snapshots.contract_state` would read it."""
    carried = {line.change_line_id for line in proposal.lines if line.change_line_id is not None}
    pending_billed = len(core.as_billed(item.line for item in state.pending))
    documents = state.billed[: len(state.billed) - pending_billed]
    new = tuple(
        BilledLine(
            subscription_id=line.subscription_id,
            type=line.type,
            period_start=line.period_start,
            period_end=line.period_end,
            quantity=int(line.quantity),
            unit_price=unit_price4(line.unit_price),
            unit_months=line.unit_months or 1,
        )
        for line in proposal.lines
        if line.type in BILLED_TYPES
        and line.subscription_id is not None
        and line.period_start is not None
        and line.period_end is not None
    )
    pending = tuple(item for item in state.pending if item.id not in carried)
    nris = {line.nri_id for line in proposal.lines if line.nri_id is not None}
    usage = {line.usage_id for line in proposal.lines if line.usage_id is not None}
    return dataclasses.replace(
        state,
        billed=(*documents, *new, *core.as_billed(item.line for item in pending)),
        pending=pending,
        invoiced_starts=state.invoiced_starts | {cycle.start} if cycle else state.invoiced_starts,
        nris=tuple(nri for nri in state.nris if nri.id not in nris),
        usage=tuple(record for record in state.usage if record.id not in usage),
    )


def _document(
    plan: ContractPlan,
    contract: BillingContract,
    state: ContractState,
    proposal: Proposal,
    *,
    cycle: Cycle | None,
    run_type: str,
    run_date: dt.date,
    active: dict[int, dt.date],
) -> tuple[Document, ContractState]:
    """What `save_proposal` does for `proposal`, in memory (the contract's next date included),
    and the contract's state after it."""
    config = state.configuration
    assert config is not None  # contract_states always loads it
    terms = contract.terms()
    warnings = [*state.warnings, *proposal.warnings]
    now = clock.now()
    invoice = (
        invoice_values(contract, proposal, cycle=cycle, warnings=warnings, config=config, now=now)
        if proposal.lines
        else None
    )
    invoiced = state.invoiced_starts | {cycle.start} if cycle is not None else state.invoiced_starts
    document = Document(
        contract=contract,
        terms=terms,
        proposal=proposal,
        cycle=cycle,
        run_type=run_type,
        run_date=run_date,
        warnings=warnings,
        now=now,
        invoice=invoice,
        nri_ids=[line.nri_id for line in proposal.lines if line.nri_id is not None],
        usage_ids=[line.usage_id for line in proposal.lines if line.usage_id is not None],
        archived=_archive(terms, invoiced, active),
        config=config,
    )
    after = _advance(state, proposal, cycle)
    value = _next_invoice_date(terms, after, invoiced)
    if value != contract.next_invoice_date:
        contract.next_invoice_date = value
        plan.next_invoice_date_changed = True
    plan.documents.append(document)
    return document, after


def plan_contract(
    plan: ContractPlan,
    contract: BillingContract,
    state: ContractState,
    *,
    run_date: dt.date,
    active: dict[int, dt.date],
) -> ContractPlan:
    """Fill `plan` with what `runs.run_contract` would bill for the contract (module doc, step
    2); raises what it would fail with. Changes `contract.next_invoice_date` and `active` (in
    memory only)."""
    result = plan.result
    if contract.type != ContractType.RECURRING:
        proposal = core.propose_non_recurring(
            state.terms, nris=state.nris, taxes=state.taxes, settings=state.settings, today=run_date
        )
        if proposal.empty:
            result.reason = "nothing due"
            return plan
        document, _ = _document(
            plan,
            contract,
            state,
            proposal,
            cycle=None,
            run_type="automatic",
            run_date=run_date,
            active=active,
        )
        result.status = INVOICED
        result.warnings = list(document.warnings)
        return plan
    terms = contract.terms()
    due = core.due_cycles(terms, run_date=run_date, invoiced_starts=state.invoiced_starts)
    if not due:
        result.reason = "nothing due"
        return plan
    for due_cycle in due:
        cycle = _cycle_for(contract, state, due_cycle.start)
        proposal = propose_regular(state, cycle, today=run_date, kind=REGULAR)
        document, after = _document(
            plan,
            contract,
            state,
            proposal,
            cycle=cycle,
            run_type="automatic",
            run_date=run_date,
            active=active,
        )
        result.cycles.append(due_cycle.start)
        if document.invoice is not None:
            result.warnings.extend(w for w in document.warnings if w not in result.warnings)
        state = after
    result.status = INVOICED
    if not any(document.invoice is not None for document in plan.documents):
        result.reason = "nothing to bill"
    return plan


def plan_chunk(contract_ids: list[int], run_date: dt.date) -> list[ContractPlan | None]:
    """Lock and plan the chunk's contracts (module doc, steps 1-2); None for an id that is not a
    contract (left to `run_contract`, which reports it)."""
    contracts = list(
        BillingContract.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(pk__in=list(contract_ids))
        .order_by("pk")
    )
    active: dict[int, dict[int, dt.date]] = {}
    states = contract_states(contracts, active_changes=active)
    by_id = {contract.pk: contract for contract in contracts}
    plans: list[ContractPlan | None] = []
    for pk in contract_ids:
        contract = by_id.get(pk)
        if contract is None:
            plans.append(None)
            continue
        plan = ContractPlan(ContractRunResult(contract_id=pk, run_date=run_date, status=SKIPPED))
        try:
            plans.append(
                plan_contract(plan, contract, states[pk], run_date=run_date, active=dict(active.get(pk, {})))
            )
        except Exception as exc:  # one contract's failure never stops the others: set aside
            plans.append(ContractPlan(_failed(plan.result, exc)))  # as run_contract reports it
    return plans


def run_chunk_per_contract(*, contract_ids: list[int], run_date: dt.date) -> list[ContractRunResult]:
    """The per-contract path: each contract in its savepoint (`run_contract`), the chunk's
    documents issued together at the end. Must run inside the chunk's transaction."""
    with issuing_deferred(), prefetched(contract_ids):
        return [run_contract(contract_id=pk, run_date=run_date) for pk in contract_ids]


def run_chunk(*, contract_ids: list[int], run_date: dt.date) -> list[ContractRunResult]:
    """Bill the chunk set-based (module doc); must run inside the chunk's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("run_chunk must run inside the chunk's transaction")
    plans = plan_chunk(contract_ids, run_date)
    if any(plan is None for plan in plans):
        return run_chunk_per_contract(contract_ids=contract_ids, run_date=run_date)
    billed = [plan for plan in plans if plan is not None and plan.result.status != FAILED]
    try:
        with transaction.atomic():  # one savepoint for the chunk's writes, not one per contract
            write_chunk(billed)
    except Exception:
        logger.exception(
            "set-based write of a chunk of %s contract(s) failed; billing them one by one", len(billed)
        )
        return run_chunk_per_contract(contract_ids=contract_ids, run_date=run_date)
    return [plan.result for plan in plans if plan is not None]
