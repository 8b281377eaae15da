# SPDX-License-Identifier: AGPL-3.0-or-later
"""Seatline's pure billing core (docs/billing.md): no Django, snapshots in, proposals out."""

from seatline.core.change_record import lines_for_change, pending_at_upgrade
from seatline.core.invariants import as_billed, check_proposal
from seatline.core.money import minor_units, quantize, to_fraction, usage_amount
from seatline.core.periods import add_months, days_inclusive
from seatline.core.proposal import billed_lines_of, propose_change_log, propose_non_recurring, propose_regular
from seatline.core.proration import months_fraction, musp
from seatline.core.rules import indexed_price, reduction_allowed, refund_applies
from seatline.core.schedule import (
    anchored_months,
    contract_cycles,
    cycle_containing,
    cycle_starting,
    due_cycles,
    due_date_for,
    generation_date,
    invoice_date_for,
    is_change_log_day,
    term_end_on,
)
from seatline.core.taxes import compute_taxes
from seatline.core.timeline import price_on, quantity_on
from seatline.core.types import CoreError, InvariantViolation

__all__ = [
    "CoreError",
    "InvariantViolation",
    "add_months",
    "anchored_months",
    "as_billed",
    "billed_lines_of",
    "check_proposal",
    "compute_taxes",
    "contract_cycles",
    "cycle_containing",
    "cycle_starting",
    "days_inclusive",
    "due_cycles",
    "due_date_for",
    "generation_date",
    "indexed_price",
    "invoice_date_for",
    "is_change_log_day",
    "lines_for_change",
    "minor_units",
    "months_fraction",
    "musp",
    "pending_at_upgrade",
    "price_on",
    "propose_change_log",
    "propose_non_recurring",
    "propose_regular",
    "quantity_on",
    "quantize",
    "reduction_allowed",
    "refund_applies",
    "term_end_on",
    "to_fraction",
    "usage_amount",
]
