# SPDX-License-Identifier: AGPL-3.0-or-later
"""Generating documents for a contract the caller has locked: load its state, let the core
propose, save the proposal (used by the services and by the contract runs)."""

from __future__ import annotations

import datetime as dt

from seatline import core
from seatline.contracts.models import BillingContract
from seatline.core.types import REGULAR, CoreError, Cycle, Proposal
from seatline.errors import SeatlineError
from seatline.invoicing.documents import save_proposal
from seatline.invoicing.models import Invoice
from seatline.invoicing.snapshots import ContractState, contract_state


def _cycle_for(contract: BillingContract, state: ContractState, cycle_start: dt.date) -> Cycle:
    """The contract cycle starting on `cycle_start`, not yet invoiced, else the refusal."""
    if contract.type != "recurring":
        raise SeatlineError(
            "no_such_cycle", f"contract {contract} has no billing cycles", field="cycle_start"
        )
    if cycle_start < contract.start_date:
        raise SeatlineError(
            "cycle_before_contract_start",
            f"{cycle_start.isoformat()} is before the contract start {contract.start_date.isoformat()}",
            field="cycle_start",
        )
    cycle = core.cycle_starting(state.terms, cycle_start)
    if cycle is None:
        raise SeatlineError(
            "no_such_cycle",
            f"{cycle_start.isoformat()} is not the start of one of the contract's cycles",
            field="cycle_start",
        )
    if cycle.start in state.invoiced_starts:
        raise SeatlineError(
            "cycle_already_invoiced",
            f"the cycle starting {cycle.start.isoformat()} already has its invoice",
            field="cycle_start",
        )
    return cycle


def propose_regular(state: ContractState, cycle: Cycle, *, today: dt.date, kind: str) -> Proposal:
    try:
        return core.propose_regular(
            state.terms,
            cycle,
            subscriptions=state.subscriptions,
            billed=state.billed,
            invoiced_starts=state.invoiced_starts,
            nris=state.nris,
            usage=state.usage,
            taxes=state.taxes,
            settings=state.settings,
            today=today,
            kind=kind,
            pending=state.pending,
        )
    except CoreError as exc:
        raise SeatlineError(exc.code, exc.message) from exc


def regular_invoice_locked(
    contract: BillingContract, *, cycle_start: dt.date, run_date: dt.date, run_type: str, kind: str = REGULAR
) -> Invoice | None:
    """The regular (or manual) invoice of a cycle, for a contract the caller has locked."""
    state = contract_state(contract)
    cycle = _cycle_for(contract, state, cycle_start)
    proposal = propose_regular(state, cycle, today=run_date, kind=kind)
    return save_proposal(
        contract,
        proposal,
        cycle=cycle,
        run_type=run_type,
        run_date=run_date,
        warnings=state.warnings,
        invoiced=state.invoiced_starts,
        config=state.configuration,
    )


def change_log_invoice_locked(contract: BillingContract, *, run_date: dt.date) -> Invoice | None:
    state = contract_state(contract)
    try:
        proposal = core.propose_change_log(
            state.terms,
            subscriptions=state.subscriptions,
            billed=state.billed,
            invoiced_starts=state.invoiced_starts,
            nris=state.nris,
            taxes=state.taxes,
            settings=state.settings,
            today=run_date,
            pending=state.pending,
        )
    except CoreError as exc:
        raise SeatlineError(exc.code, exc.message) from exc
    if proposal.empty:
        return None
    return save_proposal(
        contract,
        proposal,
        cycle=None,
        run_type="",
        run_date=run_date,
        warnings=state.warnings,
        invoiced=state.invoiced_starts,
        config=state.configuration,
    )


def non_recurring_invoice_locked(contract: BillingContract, *, run_date: dt.date) -> Invoice | None:
    state = contract_state(contract)
    proposal = core.propose_non_recurring(
        state.terms, nris=state.nris, taxes=state.taxes, settings=state.settings, today=run_date
    )
    if proposal.empty:
        return None
    return save_proposal(
        contract,
        proposal,
        cycle=None,
        run_type="automatic",
        run_date=run_date,
        warnings=state.warnings,
        invoiced=state.invoiced_starts,
        config=state.configuration,
    )
