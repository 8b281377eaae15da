# SPDX-License-Identifier: AGPL-3.0-or-later
"""Change lines fixed when the change is recorded (docs/billing.md 6), through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests import billing_factories as factories
from tests.billing_factories import db_state

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.configuration.models import Configuration
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.invoicing.models import ChangeLine, ImmutableChangeLineError, Invoice
from seatline.invoicing.services import (
    create_credit_note,
    generate_change_log_invoice,
    generate_regular_invoice,
    preview_next_invoice,
    run_contract,
)
from seatline.invoicing.snapshots import contract_states
from seatline.subscriptions.models import Subscription
from seatline.subscriptions.services import (
    activate_subscription,
    change_price,
    change_quantity,
    deactivate_subscription,
    index_prices,
    merge_due_scheduled_changes,
    schedule_change,
)

D = dt.date


def change_lines(subscription: Subscription) -> list[tuple]:
    return [
        (line.type, line.quantity, line.period_start, line.period_end, line.amount, line.change.kind)
        for line in ChangeLine.objects.filter(subscription=subscription)
        .select_related("change")
        .order_by("id")
    ]


def pending(contract: BillingContract) -> int:
    return ChangeLine.objects.filter(contract=contract, invoice_line__isnull=True).count()


def document_lines(invoice: Invoice) -> list[tuple]:
    return [
        (line.type, int(line.quantity), line.period_start, line.period_end, line.amount, line.change_line_id)
        for line in invoice.lines.order_by("position")
    ]


@pytest.fixture
def visio(db: None) -> Subscription:
    """Issue 8's example: annual advance from 2023-09-01, days, refunds off, offset 0, monthly
    change-log invoices; Visio 15 seats at 36.00 per year, its first cycle invoiced."""
    contract = factories.contract(
        frequency="annual",
        start_date=D(2023, 9, 1),
        process_refunds="no",
        invoice_offset_days=0,
        change_log_invoices="monthly",
    )
    with clock.frozen(D(2023, 9, 1)):
        sub = factories.subscription(
            contract, name="Visio Plan 2", quantity=15, price=Decimal("36.00"), sales_unit="annual"
        )
        generate_regular_invoice(contract=contract, cycle_start=D(2023, 9, 1), run_date=D(2023, 9, 1))
    return sub


@pytest.mark.django_db
def test_the_lines_of_a_change_are_fixed_when_it_is_recorded(visio):
    with clock.frozen(D(2023, 9, 9)):
        up = change_quantity(subscription=visio, quantity=25)
    assert change_lines(visio) == [
        ("proration", 10, D(2023, 9, 9), D(2024, 8, 31), Decimal("352.00"), "increase")
    ]
    event = AuditEvent.objects.get(action="change_lines_computed")
    assert (event.object_id, event.message) == (str(up.pk), "proration +10 2023-09-09..2024-08-31 352.00")
    with clock.frozen(D(2023, 9, 29)):
        change_quantity(subscription=visio, quantity=20)  # no refund: below the 25 billed, no line
    cli = generate_change_log_invoice(contract=visio.contract, run_date=D(2023, 10, 1))
    (line,) = ChangeLine.objects.filter(subscription=visio)
    assert document_lines(cli) == [
        ("proration", 10, D(2023, 9, 9), D(2024, 8, 31), Decimal("352.00"), line.pk)
    ]
    assert (cli.total, line.invoice_line.invoice_id, pending(visio.contract)) == (
        Decimal("352.00"),
        cli.pk,
        0,
    )
    with clock.frozen(D(2023, 11, 18)):
        change_quantity(subscription=visio, quantity=21)  # still below the 25 billed: nothing, ever
    assert ChangeLine.objects.count() == 1
    assert generate_change_log_invoice(contract=visio.contract, run_date=D(2023, 12, 1)) is None
    # a change line is never revised
    line.amount = Decimal("1.00")
    with pytest.raises(ImmutableChangeLineError):
        line.save()
    with pytest.raises(ImmutableChangeLineError):
        line.delete()


@pytest.mark.django_db
def test_a_later_change_counts_pending_lines_as_billed(contract, sub, today):
    # quarterly from 2018-01-01, 10 x 12.00 monthly from Jan 15; refunds processed
    BillingContract.objects.filter(pk=contract.pk).update(process_refunds="yes")
    run_contract(contract_id=contract.pk, run_date=today)
    with clock.frozen(D(2018, 2, 6)):
        change_quantity(subscription=sub, quantity=5)
    with clock.frozen(D(2018, 2, 7)):
        change_quantity(subscription=sub, quantity=8)
    # -5 from Feb 6 (refunded), then +3 from Feb 7 against the record that already holds the credit
    assert change_lines(sub) == [
        ("credit", -5, D(2018, 2, 6), D(2018, 3, 31), Decimal("-109.29"), "decrease"),
        ("proration", 3, D(2018, 2, 7), D(2018, 3, 31), Decimal("64.29"), "increase"),
    ]
    # the preview of the next regular invoice carries them, the run too
    proposal = preview_next_invoice(contract=contract, as_of=D(2018, 4, 2))
    assert [(line.type, int(line.quantity), str(line.amount)) for line in proposal.lines] == [
        ("credit", -5, "-109.29"),
        ("proration", 3, "64.29"),
        ("recurring", 8, "288.00"),
    ]
    invoice = Invoice.objects.get(
        pk=run_contract(contract_id=contract.pk, run_date=D(2018, 4, 2)).invoice_ids[0]
    )
    assert invoice.total == proposal.total == Decimal("243.00")
    assert pending(contract) == 0


@pytest.mark.django_db
def test_merges_indexation_and_activation_record_their_lines(contract, sub, today):
    BillingContract.objects.filter(pk=contract.pk).update(process_refunds="yes")
    run_contract(contract_id=contract.pk, run_date=today)
    with clock.frozen(D(2018, 1, 20)):
        schedule_change(subscription=sub, effective=D(2018, 2, 1), quantity=12)
    with clock.frozen(D(2018, 2, 1)):
        merge_due_scheduled_changes(run_date=D(2018, 2, 1))  # lines when it merges, not before
    with clock.frozen(D(2018, 2, 10)):
        index_prices(contract=contract, percent=Decimal(10))  # 13.20 from Feb 10: nothing to bill now
    with clock.frozen(D(2018, 2, 14)):
        deactivate_subscription(subscription=sub, refund=True)
    with clock.frozen(D(2018, 3, 1)):
        activate_subscription(subscription=Subscription.objects.get(pk=sub.pk))
    assert change_lines(sub) == [
        ("proration", 2, D(2018, 2, 1), D(2018, 3, 31), Decimal("48.00"), "increase"),
        # 12 seats of Feb 15..Mar 31 billed at 12.00 (2 by the merge's line, 10 by the cycle's):
        # 12 x 12.00 x (14/28 + 1)
        ("credit", -12, D(2018, 2, 15), D(2018, 3, 31), Decimal("-216.00"), "deactivate"),
        ("proration", 12, D(2018, 3, 1), D(2018, 3, 31), Decimal("158.40"), "activate"),
    ]
    with clock.frozen(D(2018, 3, 5)):
        change_price(subscription=Subscription.objects.get(pk=sub.pk), price=Decimal("14.00"))
    assert ChangeLine.objects.count() == 3  # a price change never re-prices billed days


@pytest.mark.django_db
def test_credit_notes_take_carried_change_lines_out_of_the_record(contract, sub, today):
    run_contract(contract_id=contract.pk, run_date=today)
    with clock.frozen(D(2018, 2, 10)):
        change_quantity(subscription=sub, quantity=12)
    cli = generate_change_log_invoice(contract=contract, run_date=D(2018, 2, 16))
    with clock.frozen(D(2018, 2, 17)):
        create_credit_note(invoice=cli)
    # the voided +2 is no longer billed: the next change bills what is in force from its own day,
    # 3 x 12.00 x (9/28 + 1)
    with clock.frozen(D(2018, 2, 20)):
        change_quantity(subscription=sub, quantity=13)
    assert change_lines(sub)[-1] == (
        "proration",
        3,
        D(2018, 2, 20),
        D(2018, 3, 31),
        Decimal("47.57"),
        "increase",
    )


@pytest.mark.django_db
def test_a_chunk_loads_its_pending_lines_in_one_query(db):
    contracts = []
    for n in range(3):
        contract = factories.contract(name=f"C{n}")
        with clock.frozen(D(2018, 1, 1)):
            sub = factories.subscription(contract)
        run_contract(contract_id=contract.pk, run_date=D(2018, 1, 2))
        for day, quantity in ((D(2018, 2, 1), 12 + n), (D(2018, 2, 10), 15 + n)):
            with clock.frozen(day):
                change_quantity(subscription=sub, quantity=quantity)
        contracts.append(BillingContract.objects.select_related("account").get(pk=contract.pk))
    Configuration.get()
    with CaptureQueriesContext(connection) as one:
        contract_states(contracts[:1])
    with CaptureQueriesContext(connection) as three:
        states = contract_states(contracts)
    assert len(three) == len(one)
    for n, contract in enumerate(contracts):
        state = states[contract.pk]
        assert [int(item.line.quantity) for item in state.pending] == [2 + n, 3]
        # the billed record: the regular invoice's line, then the pending lines
        assert [(line.type, line.quantity) for line in state.billed] == [
            ("recurring", 10),
            ("proration", 2 + n),
            ("proration", 3),
        ]


@pytest.mark.django_db
def test_upgrade_carries_over_the_differences_of_changes_recorded_before(contract, sub, today):
    from django.db.migrations.loader import MigrationLoader

    from seatline.invoicing.upgrade import carry_over_pending_differences
    from seatline.subscriptions import hooks

    BillingContract.objects.filter(pk=contract.pk).update(process_refunds="yes")
    run_contract(contract_id=contract.pk, run_date=today)
    # changes recorded by a Seatline that did not store change lines (no hook installed)
    with hooks.override(hooks.ChangeHooks(name="change_lines")):
        with clock.frozen(D(2018, 2, 10)):
            change_quantity(subscription=sub, quantity=15)
        with clock.frozen(D(2018, 2, 20)):
            change_quantity(subscription=sub, quantity=13)
    assert ChangeLine.objects.count() == 0
    # the models as the migration sees them
    apps = MigrationLoader(connection).project_state(("invoicing", "0003_change_lines")).apps
    # what the next document would have billed under the former rule, netted over the changes
    assert carry_over_pending_differences(apps) == 2
    latest = sub.change_logs.order_by("-id").first()
    assert [line[:5] for line in change_lines(sub)] == [
        ("proration", 5, D(2018, 2, 10), D(2018, 2, 19), Decimal("21.43")),
        ("proration", 3, D(2018, 2, 20), D(2018, 3, 31), Decimal("47.57")),
    ]
    assert set(ChangeLine.objects.values_list("change_id", flat=True)) == {latest.pk}
    event = AuditEvent.objects.get(action="change_lines_computed")
    assert (event.object_id, event.actor) == (str(latest.pk), "migration invoicing.0003_change_lines")
    assert carry_over_pending_differences(apps) == 0  # nothing left once they are stored
    cli = generate_change_log_invoice(contract=contract, run_date=D(2018, 2, 23))
    assert cli.total == Decimal("69.00")
    # later changes follow the new rule
    with clock.frozen(D(2018, 3, 1)):
        change_quantity(subscription=sub, quantity=14)
    assert change_lines(sub)[-1][:5] == ("proration", 1, D(2018, 3, 1), D(2018, 3, 31), Decimal("12.00"))


@pytest.mark.django_db
def test_a_change_leaving_a_negative_quantity_on_invoiced_days_is_refused(contract, sub, today):
    run_contract(contract_id=contract.pk, run_date=today)
    with clock.frozen(D(2018, 2, 1)):
        change_quantity(subscription=sub, quantity=14, effective=D(2018, 3, 20))  # recorded ahead
    before = db_state(contract, sub)
    # deactivated on Feb 10: -14 from Feb 11, but the +4 only counts from Mar 20: -4 in between
    with clock.frozen(D(2018, 2, 10)), pytest.raises(SeatlineError) as err:
        deactivate_subscription(subscription=Subscription.objects.get(pk=sub.pk))
    assert (err.value.code, err.value.field) == ("invalid_quantity", "effective")
    assert "would be -4 from 2018-02-11 to 2018-03-19" in err.value.message
    assert db_state(contract, sub) == before
