# SPDX-License-Identifier: AGPL-3.0-or-later
"""Change lines computed when a change is recorded (docs/billing.md 6).

`record_change_lines` is the invoicing app's `after_change` hook (`subscriptions.hooks`,
installed in `InvoicingConfig.ready()`): every LCL is made by `subscriptions.changes.new_change`
inside the caller's transaction, with the contract row locked, and this hook loads the
contract's invoiced cycles and the subscription's billed record, lets the core compute the
change's lines (`core.lines_for_change`) and stores them as pending `ChangeLine` rows with an
audit event, in that same transaction. The contract's next change-log or regular invoice
carries them unchanged.
"""

from __future__ import annotations

from seatline import clock, core
from seatline.audit.services import record
from seatline.contracts.models import ContractType
from seatline.core.types import CoreError
from seatline.errors import SeatlineError
from seatline.invoicing.models import ChangeLine
from seatline.invoicing.snapshots import invoiced_starts, subscription_record, subscription_snapshot
from seatline.subscriptions.models import LicenseChangeLog, Subscription


def record_change_lines(subscription: Subscription, change: LicenseChangeLog) -> list[ChangeLine]:
    """Compute and store the lines of `change`, just recorded on `subscription` (module doc)."""
    contract = subscription.contract
    if contract.type != ContractType.RECURRING or subscription.kind == Subscription.Kind.USAGE:
        return []
    invoiced = invoiced_starts(contract)
    if not invoiced:
        return []
    snapshot = subscription_snapshot(subscription)
    recorded = next(c for c in snapshot.changes if c.id == change.pk)
    try:
        lines = core.lines_for_change(
            contract.terms(),
            invoiced_starts=invoiced,
            subscription=snapshot,
            change=recorded,
            billed=subscription_record(subscription),
        )
    except CoreError as exc:  # the change is refused: the caller's transaction rolls it back
        raise SeatlineError(
            "invalid_quantity",
            f"{subscription.name}: a change effective {change.effective_date.isoformat()} is refused: "
            f"{exc.message} (a change recorded earlier takes effect later)",
            field="effective",
        ) from exc
    if not lines:
        return []
    now = clock.now()
    rows = ChangeLine.objects.bulk_create(
        ChangeLine(
            contract=contract,
            subscription=subscription,
            change=change,
            type=line.type,
            description=line.description[:300],
            quantity=int(line.quantity),
            unit_price=line.unit_price,
            unit_months=line.unit_months or subscription.unit_months,
            period_start=line.period_start,
            period_end=line.period_end,
            amount=line.amount,
            discount=line.discount,
            currency=contract.currency,
            taxable=line.taxable,
            tax_category=line.tax_category or "",
            created_at=now,
        )
        for line in lines
    )
    record(
        change,
        "change_lines_computed",
        message="; ".join(
            f"{line.type} {int(line.quantity):+d} {line.period_start}..{line.period_end} {line.amount}"
            for line in lines
        ),
    )
    return rows
