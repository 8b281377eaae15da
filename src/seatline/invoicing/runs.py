# SPDX-License-Identifier: AGPL-3.0-or-later
"""Contract runs: which contracts are due on a date, and billing one contract (its own
transaction, the contract row locked) with a result the jobs and the CLI report."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from seatline import core
from seatline.contracts.models import BillingContract, BillingSchedule, ContractType
from seatline.errors import SeatlineError
from seatline.invoicing.generation import (
    change_log_invoice_locked,
    non_recurring_invoice_locked,
    regular_invoice_locked,
)
from seatline.invoicing.snapshots import billing_settings, invoiced_starts_for, locked_contract
from seatline.subscriptions.lock_objects import lock_contract
from seatline.subscriptions.models import NonRecurringItem

logger = logging.getLogger("seatline.invoicing")

INVOICED = "invoiced"
SKIPPED = "skipped"
FAILED = "failed"
MAX_OFFSET = dt.timedelta(days=28)


@dataclass
class ContractRunResult:
    contract_id: int
    run_date: dt.date
    status: str  # invoiced | skipped | failed
    invoice_ids: list[int] = field(default_factory=list)
    cycles: list[dt.date] = field(default_factory=list)  # cycle starts marked invoiced
    reason: str = ""  # why skipped
    error_code: str = ""  # why failed
    error: str = ""
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["run_date"] = self.run_date.isoformat()
        data["cycles"] = [start.isoformat() for start in self.cycles]
        return data


def due_contract_ids(*, run_date: dt.date) -> list[int]:
    """Contracts that may have something to bill on `run_date` (a superset; `run_contract` decides):
    active recurring contracts started (within the largest offset) whose next invoice date is
    unknown or on/before the run date, and non-recurring contracts with an NRI dated before it."""
    recurring = BillingContract.objects.filter(
        type=ContractType.RECURRING,
        status=BillingContract.Status.ACTIVE,
        start_date__lte=run_date + MAX_OFFSET,
    ).filter(Q(next_invoice_date__isnull=True) | Q(next_invoice_date__lte=run_date))
    # Ended contracts already billed through their end (no next date left) are not considered again.
    finished = BillingSchedule.objects.filter(contract=OuterRef("pk"), status=BillingSchedule.Status.INVOICED)
    # (an empty next invoice date after a first invoice means: no cycle left before the end date;
    # changing the end date recomputes it through the update_next_invoice_date job).
    recurring = recurring.exclude(
        Q(next_invoice_date__isnull=True, auto_renew=False, end_date__isnull=False) & Exists(finished)
    )
    non_recurring = NonRecurringItem.objects.filter(
        contract__type=ContractType.NON_RECURRING,
        status=NonRecurringItem.Status.UNBILLED,
        date__lt=run_date,
    ).values_list("contract_id", flat=True)
    return sorted(set(recurring.values_list("id", flat=True)) | set(non_recurring))


def change_log_contract_ids(*, run_date: dt.date) -> list[int]:
    """Active recurring contracts whose change-log invoice day is `run_date`."""
    settings = billing_settings()
    contracts = BillingContract.objects.filter(
        type=ContractType.RECURRING, status=BillingContract.Status.ACTIVE, start_date__lte=run_date
    ).order_by("id")
    return [
        contract.pk for contract in contracts if core.is_change_log_day(contract.terms(), run_date, settings)
    ]


def _failed(result: ContractRunResult, exc: Exception) -> ContractRunResult:
    result.status = FAILED
    result.invoice_ids, result.cycles = [], []
    if isinstance(exc, SeatlineError):
        result.error_code, result.error = exc.code, exc.message
    else:
        logger.exception("contract %s: run of %s failed", result.contract_id, result.run_date)
        result.error_code, result.error = type(exc).__name__, str(exc)
    return result


def run_contract(*, contract_id: int, run_date: dt.date) -> ContractRunResult:
    """Bill every due cycle of the contract (oldest first), in one transaction; nothing else."""
    result = ContractRunResult(contract_id=contract_id, run_date=run_date, status=SKIPPED)
    try:
        with transaction.atomic():
            contract = locked_contract(contract_id)
            if contract.type != ContractType.RECURRING:
                invoice = non_recurring_invoice_locked(contract, run_date=run_date)
                if invoice is None:
                    result.reason = "nothing due"
                    return result
                result.status, result.invoice_ids = INVOICED, [invoice.pk]
                result.warnings = list(invoice.warnings)
                return result
            terms = contract.terms()
            due = core.due_cycles(terms, run_date=run_date, invoiced_starts=invoiced_starts_for(contract))
            if not due:
                result.reason = "nothing due"
                return result
            for cycle in due:
                invoice = regular_invoice_locked(
                    contract, cycle_start=cycle.start, run_date=run_date, run_type="automatic"
                )
                result.cycles.append(cycle.start)
                if invoice is not None:
                    result.invoice_ids.append(invoice.pk)
                    result.warnings.extend(w for w in invoice.warnings if w not in result.warnings)
            result.status = INVOICED
            if not result.invoice_ids:
                result.reason = "nothing to bill"
            return result
    except Exception as exc:  # one contract's failure never stops the run of the others
        return _failed(result, exc)


def run_change_log_for_contract(*, contract_id: int, run_date: dt.date) -> ContractRunResult:
    """The contract's change-log invoice, only on its change-log day (weekly / monthly setting)."""
    result = ContractRunResult(contract_id=contract_id, run_date=run_date, status=SKIPPED)
    try:
        with transaction.atomic():
            contract = lock_contract(contract_id)
            if not core.is_change_log_day(contract.terms(), run_date, billing_settings()):
                result.reason = "not a change-log invoice day"
                return result
            invoice = change_log_invoice_locked(contract, run_date=run_date)
            if invoice is None:
                result.reason = "nothing to bill"
                return result
            result.status, result.invoice_ids = INVOICED, [invoice.pk]
            result.warnings = list(invoice.warnings)
            return result
    except Exception as exc:
        return _failed(result, exc)
