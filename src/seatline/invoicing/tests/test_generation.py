# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests import billing_factories as factories
from tests.billing_factories import db_state

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.configuration.models import Configuration
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice, InvoiceLine
from seatline.invoicing.services import (
    generate_change_log_invoice,
    generate_manual_invoice,
    generate_regular_invoice,
    run_contract,
)
from seatline.subscriptions.models import LicenseChangeLog, NonRecurringItem, UsageRecord
from seatline.subscriptions.services import add_nri, change_quantity, record_usage

D = dt.date


def lines(invoice: Invoice) -> list[tuple]:
    return [
        (line.type, line.subscription_id, line.period_start, line.period_end, line.quantity, line.amount)
        for line in invoice.lines.order_by("position")
    ]


@pytest.mark.django_db
def test_first_regular_invoice(sub, contract, today):
    invoice = generate_regular_invoice(contract=contract, cycle_start=D(2018, 1, 1), run_date=today)
    assert (invoice.kind, invoice.status, invoice.number, invoice.generated_on) == (
        "regular",
        "billed",
        "INV-000001",
        D(2018, 1, 2),
    )
    assert (invoice.invoice_date, invoice.due_date, invoice.period_start, invoice.period_end) == (
        D(2018, 1, 1),
        D(2018, 1, 31),
        D(2018, 1, 1),
        D(2018, 3, 31),
    )
    assert lines(invoice) == [("proration", sub.pk, D(2018, 1, 15), D(2018, 3, 31), 10, Decimal("305.81"))]
    assert (invoice.subtotal, invoice.tax_total, invoice.total, invoice.balance) == (
        Decimal("305.81"),
        0,
        Decimal("305.81"),
        Decimal("305.81"),
    )
    assert (invoice.buyer_name, invoice.buyer_country, invoice.seller_name) == (
        "Wingtip Toys",
        "US",
        "Seatline Demo Partner",
    )
    schedule = BillingSchedule.objects.get(contract=contract)
    assert (
        schedule.status,
        schedule.invoice_id,
        schedule.run_type,
        schedule.run_date,
        schedule.schedule_date,
    ) == (
        "invoiced",
        invoice.pk,
        "automatic",
        today,
        D(2018, 1, 2),
    )
    contract.refresh_from_db()
    assert contract.next_invoice_date == D(2018, 4, 2)
    assert LicenseChangeLog.objects.get(subscription=sub).status == "archived"
    events = AuditEvent.objects.filter(
        object_id=str(invoice.pk), action__in=["invoice_generated", "invoice_issued"]
    )
    assert sorted(events.values_list("action", flat=True)) == ["invoice_generated", "invoice_issued"]


@pytest.mark.django_db
def test_regular_invoice_is_never_generated_twice(sub, contract, today):
    generate_regular_invoice(contract=contract, cycle_start=D(2018, 1, 1), run_date=today)
    before = db_state(contract, sub)
    with pytest.raises(SeatlineError) as err:
        generate_regular_invoice(contract=contract, cycle_start=D(2018, 1, 1), run_date=today)
    assert err.value.code == "cycle_already_invoiced"
    result = run_contract(contract_id=contract.pk, run_date=D(2018, 1, 5))
    assert (result.status, result.reason, result.invoice_ids) == ("skipped", "nothing due", [])
    assert db_state(contract, sub) == before


@pytest.mark.django_db
def test_manual_future_cycle_then_the_automatic_run_skips_it(sub, contract, today):
    first = run_contract(contract_id=contract.pk, run_date=today)
    assert first.status == "invoiced"
    with clock.frozen(D(2018, 2, 10)):
        manual = generate_manual_invoice(contract=contract, cycle_start=D(2018, 4, 1))
    assert (manual.kind, manual.generated_on, manual.invoice_date, manual.number) == (
        "manual",
        D(2018, 2, 10),
        D(2018, 2, 10),
        "INV-000002",
    )
    assert lines(manual) == [("recurring", sub.pk, D(2018, 4, 1), D(2018, 6, 30), 10, Decimal("360.00"))]
    schedule = BillingSchedule.objects.get(contract=contract, cycle_start=D(2018, 4, 1))
    assert (schedule.run_type, schedule.invoice_id) == ("manual", manual.pk)
    before = db_state(contract, sub)
    result = run_contract(contract_id=contract.pk, run_date=D(2018, 4, 2))
    assert (result.status, result.reason) == ("skipped", "nothing due")
    assert db_state(contract, sub) == before
    assert Invoice.objects.count() == 2
    contract.refresh_from_db()
    assert contract.next_invoice_date == D(2018, 7, 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cycle_start", "code"),
    [
        (D(2017, 10, 1), "cycle_before_contract_start"),
        (D(2018, 2, 1), "no_such_cycle"),
        (D(2018, 1, 1), "cycle_already_invoiced"),
    ],
)
def test_manual_run_refusals_change_nothing(sub, contract, today, cycle_start, code):
    run_contract(contract_id=contract.pk, run_date=today)
    before = db_state(contract, sub)
    with pytest.raises(SeatlineError) as err:
        generate_manual_invoice(contract=contract, cycle_start=cycle_start)
    assert err.value.code == code
    assert db_state(contract, sub) == before


@pytest.mark.django_db
def test_a_late_run_catches_up_every_due_cycle(sub, contract, today):
    result = run_contract(contract_id=contract.pk, run_date=D(2018, 7, 5))
    assert result.status == "invoiced"
    assert result.cycles == [D(2018, 1, 1), D(2018, 4, 1), D(2018, 7, 1)]
    invoices = Invoice.objects.filter(pk__in=result.invoice_ids).order_by("id")
    assert [(i.number, i.generated_on, i.invoice_date, i.total) for i in invoices] == [
        ("INV-000001", D(2018, 7, 5), D(2018, 1, 1), Decimal("305.81")),
        ("INV-000002", D(2018, 7, 5), D(2018, 4, 1), Decimal("360.00")),
        ("INV-000003", D(2018, 7, 5), D(2018, 7, 1), Decimal("360.00")),
    ]
    assert run_contract(contract_id=contract.pk, run_date=D(2018, 7, 5)).status == "skipped"


@pytest.mark.django_db
def test_generation_basis_dates_a_caught_up_cycle_on_the_day_it_is_generated(db):
    # docs/billing.md 3: under INVOICE_DATE_BASIS = generation the invoice date is generated_on,
    # never the earlier scheduled generation date of a cycle caught up late
    Configuration.objects.update_or_create(pk=1, defaults={"invoice_date_basis": "generation"})
    contract = factories.contract(
        frequency="monthly", start_date=D(2018, 1, 1), invoice_offset_days=-5, payment_terms="net15"
    )
    with clock.frozen(D(2017, 12, 20)):
        factories.subscription(contract)
    # January is scheduled for Dec 27 (start - 5) but the first run is on Jan 3
    result = run_contract(contract_id=contract.pk, run_date=D(2018, 1, 3))
    january = Invoice.objects.get(pk=result.invoice_ids[0])
    assert (january.generated_on, january.invoice_date, january.due_date) == (
        D(2018, 1, 3),
        D(2018, 1, 3),
        D(2018, 1, 18),
    )
    assert BillingSchedule.objects.get(contract=contract, cycle_start=D(2018, 1, 1)).schedule_date == D(
        2017, 12, 27
    )
    # February on its scheduled day (Jan 27): dated that day
    result = run_contract(contract_id=contract.pk, run_date=D(2018, 1, 27))
    february = Invoice.objects.get(pk=result.invoice_ids[0])
    assert (february.generated_on, february.invoice_date, february.due_date) == (
        D(2018, 1, 27),
        D(2018, 1, 27),
        D(2018, 2, 11),
    )


@pytest.mark.django_db
def test_nothing_to_bill_creates_no_document_but_marks_the_cycle(contract, today):
    result = run_contract(contract_id=contract.pk, run_date=today)
    assert (result.status, result.invoice_ids, result.cycles, result.reason) == (
        "invoiced",
        [],
        [D(2018, 1, 1)],
        "nothing to bill",
    )
    assert Invoice.objects.count() == 0
    assert BillingSchedule.objects.get(contract=contract).status == "invoiced"


@pytest.mark.django_db
def test_change_log_invoice_bills_a_mid_cycle_increase_once(sub, contract, today):
    run_contract(contract_id=contract.pk, run_date=today)
    with clock.frozen(D(2018, 2, 10)):
        change_quantity(subscription=sub, quantity=15)
    invoice = generate_change_log_invoice(contract=contract, run_date=D(2018, 2, 16))
    assert (invoice.kind, invoice.generated_on, invoice.invoice_date, invoice.number) == (
        "change_log",
        D(2018, 2, 16),
        D(2018, 2, 16),
        "INV-000002",
    )
    assert [(t, q, a, b) for t, _, a, b, q, _ in lines(invoice)] == [
        ("proration", 5, D(2018, 2, 10), D(2018, 3, 31))
    ]
    assert LicenseChangeLog.objects.filter(subscription=sub, status="active").count() == 0
    before = db_state(contract, sub)
    assert generate_change_log_invoice(contract=contract, run_date=D(2018, 2, 23)) is None
    assert db_state(contract, sub) == before


@pytest.mark.django_db
def test_change_log_invoice_refused_while_an_earlier_cycle_is_not_invoiced(sub, contract, today):
    with clock.frozen(D(2018, 2, 10)):
        generate_manual_invoice(contract=contract, cycle_start=D(2018, 4, 1))
        change_quantity(subscription=sub, quantity=12, effective=D(2018, 4, 10))
    before = db_state(contract, sub)
    with pytest.raises(SeatlineError) as err:
        generate_change_log_invoice(contract=contract, run_date=D(2018, 2, 16))
    assert err.value.code == "earlier_cycle_not_invoiced"
    assert db_state(contract, sub) == before


@pytest.mark.django_db
def test_nris_and_usage_go_on_the_next_regular_invoice_of_a_monthly_contract(db):
    monthly = factories.contract(frequency="monthly")
    with clock.frozen(D(2018, 1, 1)):
        azure = factories.subscription(monthly, name="Azure plan", kind="usage", price=Decimal(0))
        nri = add_nri(contract=monthly, description="Setup", quantity=1, unit_price="150.00")
        usage = record_usage(
            subscription=azure,
            cost="85.00",
            markup_percent=Decimal("17.647"),
            period_start=D(2017, 12, 1),
            period_end=D(2017, 12, 31),
        )
    result = run_contract(contract_id=monthly.pk, run_date=D(2018, 1, 2))
    (invoice,) = Invoice.objects.filter(pk__in=result.invoice_ids)
    assert sorted((line.type, line.amount) for line in invoice.lines.all()) == [
        ("nri", Decimal("150.00")),
        ("usage", Decimal("100.00")),
    ]
    assert NonRecurringItem.objects.get(pk=nri.pk).status == "billed"
    assert UsageRecord.objects.get(pk=usage.pk).invoiced is True
    second = run_contract(contract_id=monthly.pk, run_date=D(2018, 2, 2))
    assert (second.status, second.invoice_ids) == ("invoiced", [])


@pytest.mark.django_db
def test_non_recurring_contract_bills_nris_the_day_after_their_date(db):
    once = factories.contract(type="non_recurring")
    with clock.frozen(D(2018, 3, 5)):
        add_nri(contract=once, description="Migration", quantity=2, unit_price="500.00")
    assert run_contract(contract_id=once.pk, run_date=D(2018, 3, 5)).status == "skipped"
    result = run_contract(contract_id=once.pk, run_date=D(2018, 3, 6))
    (invoice,) = Invoice.objects.filter(pk__in=result.invoice_ids)
    assert (invoice.kind, invoice.invoice_date, invoice.total) == (
        "regular",
        D(2018, 3, 6),
        Decimal("1000.00"),
    )


@pytest.mark.django_db
def test_drafts_when_auto_issue_is_off(sub, contract, today):
    Configuration.objects.update_or_create(pk=1, defaults={"auto_issue_invoices": False})
    invoice = generate_regular_invoice(contract=contract, cycle_start=D(2018, 1, 1), run_date=today)
    assert (invoice.status, invoice.number, invoice.sequence) == ("draft", None, None)
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 1


@pytest.mark.django_db
def test_unknown_contract_and_run_type_are_refused(sub, contract, today):
    before = db_state(contract, sub)
    with pytest.raises(SeatlineError) as err:
        generate_regular_invoice(
            contract=BillingContract(pk=999_999), cycle_start=D(2018, 1, 1), run_date=today
        )
    assert err.value.code == "unknown_reference"
    with pytest.raises(SeatlineError) as err:
        generate_regular_invoice(
            contract=contract, cycle_start=D(2018, 1, 1), run_date=today, run_type="cron"
        )
    assert err.value.code == "invalid_run_type"
    assert db_state(contract, sub) == before


@pytest.mark.django_db
def test_run_contract_reports_an_unknown_contract_as_failed(db):
    before = db_state()
    result = run_contract(contract_id=424242, run_date=D(2018, 1, 2))
    assert (result.status, result.error_code) == ("failed", "unknown_reference")
    assert db_state() == before


@pytest.mark.django_db
def test_discount_is_shown_per_line(db):
    discounted = factories.contract(discount_percent=Decimal("10"))
    with clock.frozen(D(2018, 1, 1)):
        factories.subscription(discounted)
    invoice = generate_regular_invoice(contract=discounted, cycle_start=D(2018, 1, 1), run_date=D(2018, 1, 2))
    line = invoice.lines.get()
    assert (line.amount, line.discount, line.net, invoice.subtotal) == (
        Decimal("360.00"),
        Decimal("36.00"),
        Decimal("324.00"),
        Decimal("324.00"),
    )


def test_contract_fixture_is_recurring(contract: BillingContract) -> None:
    assert contract.type == "recurring"


@pytest.mark.django_db
def test_due_and_change_log_contract_ids(db):
    from seatline.invoicing.services import change_log_contract_ids, due_contract_ids

    weekly = factories.contract(name="Weekly")  # quarterly: change-log invoices on Fridays
    monthly_change_log = factories.contract(name="Monthly change log", change_log_invoices="monthly")
    ended = factories.contract(name="Ended", frequency="monthly", end_date=D(2018, 1, 31))
    future = factories.contract(name="Future", start_date=D(2018, 6, 1))
    assert due_contract_ids(run_date=D(2018, 1, 2)) == [weekly.pk, monthly_change_log.pk, ended.pk]
    run_contract(contract_id=ended.pk, run_date=D(2018, 1, 2))
    assert ended.pk not in due_contract_ids(run_date=D(2018, 6, 1))
    assert future.pk in due_contract_ids(run_date=D(2018, 6, 1))
    assert change_log_contract_ids(run_date=D(2018, 1, 5)) == [weekly.pk]  # a Friday
    assert change_log_contract_ids(run_date=D(2018, 2, 1)) == [monthly_change_log.pk]
