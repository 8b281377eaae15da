# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from decimal import Decimal

import pytest
from tests.billing_factories import db_state

from seatline.audit.models import AuditEvent
from seatline.configuration.models import Configuration
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice
from seatline.invoicing.services import create_credit_note
from seatline.payments.models import Payment
from seatline.payments.selectors import paid_amount
from seatline.payments.services import record_payment


@pytest.mark.django_db
def test_partial_then_full_payment(invoice, today):
    first = record_payment(invoice=invoice, amount=Decimal("100.00"), transaction_id="tx-1")
    assert (first.date, first.currency, invoice.status, invoice.balance) == (
        today,
        "USD",
        "partially_paid",
        Decimal("260.00"),
    )
    record_payment(invoice=invoice, amount="260.00", processor="stripe", transaction_id="ch_2")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == ("paid", 0)
    assert paid_amount(invoice) == Decimal("360.00")
    assert AuditEvent.objects.filter(object_id=str(invoice.pk), action="payment_recorded").count() == 2


@pytest.mark.django_db
def test_payments_are_idempotent_per_processor_transaction(invoice, today):
    first = record_payment(
        invoice=invoice, amount=Decimal("100.00"), processor="stripe", transaction_id="ch_1"
    )
    before = db_state(invoice)
    again = record_payment(
        invoice=invoice, amount=Decimal("100.00"), processor="stripe", transaction_id="ch_1"
    )
    assert again.pk == first.pk
    assert db_state(invoice) == before
    other = record_payment(
        invoice=invoice, amount=Decimal("100.00"), processor="gocardless", transaction_id="ch_1"
    )
    assert other.pk != first.pk
    assert Invoice.objects.get(pk=invoice.pk).balance == Decimal("160.00")


@pytest.mark.django_db
def test_payments_without_transaction_id_are_separate(invoice, today):
    record_payment(invoice=invoice, amount=Decimal("10.00"))
    record_payment(invoice=invoice, amount=Decimal("10.00"))
    assert Payment.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("360.01"), "abc"])
def test_payment_exceeding_the_balance_changes_nothing(invoice, today, amount):
    before = db_state(invoice)
    with pytest.raises(SeatlineError) as err:
        record_payment(invoice=invoice, amount=amount, transaction_id="tx")
    assert err.value.code == "payment_exceeds_balance"
    assert db_state(invoice) == before


@pytest.mark.django_db
def test_paid_void_and_draft_invoices_refuse_payments(invoice, today):
    record_payment(invoice=invoice, amount=Decimal("360.00"))
    before = db_state(invoice)
    with pytest.raises(SeatlineError) as err:
        record_payment(invoice=invoice, amount=Decimal("1.00"))
    assert err.value.code == "payment_exceeds_balance"
    assert db_state(invoice) == before
    create_credit_note(invoice=invoice)
    before = db_state(invoice)
    with pytest.raises(SeatlineError) as err:
        record_payment(invoice=invoice, amount=Decimal("1.00"))
    assert err.value.code == "invoice_not_payable"
    assert db_state(invoice) == before


@pytest.mark.django_db
def test_other_payment_refusals_change_nothing(invoice, today):
    before = db_state(invoice)
    for arguments, code in (
        ({"amount": Decimal("1.005")}, "invalid_amount"),
        ({"amount": Decimal("1.00"), "processor": "paypal"}, "invalid_processor"),
    ):
        with pytest.raises(SeatlineError) as err:
            record_payment(invoice=invoice, **arguments)
        assert err.value.code == code
    assert db_state(invoice) == before


@pytest.mark.django_db
def test_draft_invoice_refuses_payments(db, today):
    Configuration.objects.update_or_create(pk=1, defaults={"auto_issue_invoices": False})
    from tests import billing_factories as factories

    from seatline.invoicing.services import generate_regular_invoice

    contract = factories.contract()
    factories.subscription(contract)
    draft = generate_regular_invoice(contract=contract, cycle_start=contract.start_date, run_date=today)
    before = db_state(draft)
    with pytest.raises(SeatlineError) as err:
        record_payment(invoice=draft, amount=Decimal("1.00"))
    assert err.value.code == "invoice_not_issued"
    assert db_state(draft) == before


@pytest.mark.django_db
def test_credit_note_of_a_partly_paid_invoice_owes_the_paid_part(invoice, today):
    record_payment(invoice=invoice, amount=Decimal("100.00"))
    note = create_credit_note(invoice=Invoice.objects.get(pk=invoice.pk))
    assert (note.total, note.balance) == (Decimal("-360.00"), Decimal("-100.00"))
