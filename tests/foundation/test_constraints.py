# SPDX-License-Identifier: AGPL-3.0-or-later
"""Database constraints and model validation give clear, field-named errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from seatline.contracts.models import BillingSchedule
from seatline.invoicing.models import ImmutableInvoiceError
from seatline.payments.models import Payment
from tests.factories import make_contract, make_draft_invoice, make_subscription

pytestmark = pytest.mark.django_db


def test_one_billing_schedule_per_contract_cycle() -> None:
    contract = make_contract()
    values = {
        "contract": contract,
        "cycle_start": dt.date(2024, 1, 1),
        "cycle_end": dt.date(2024, 1, 31),
        "schedule_date": dt.date(2024, 1, 2),
    }
    BillingSchedule.objects.create(cycle_index=0, **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        BillingSchedule.objects.create(cycle_index=7, **values)
    assert BillingSchedule.objects.filter(contract=contract).count() == 1


def test_contract_end_before_start_is_a_field_error_and_refused_by_the_database() -> None:
    contract = make_contract()
    contract.end_date = dt.date(2023, 12, 31)
    with pytest.raises(ValidationError) as excinfo:
        contract.full_clean()
    assert "end_date" in excinfo.value.message_dict
    assert "before the start date" in excinfo.value.message_dict["end_date"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        contract.save()


@pytest.mark.parametrize("offset", [-29, 29, 100])
def test_offset_outside_range_is_a_field_error(offset: int) -> None:
    contract = make_contract()
    contract.invoice_offset_days = offset
    with pytest.raises(ValidationError) as excinfo:
        contract.full_clean()
    assert "invoice_offset_days" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        contract.save()


@pytest.mark.parametrize("offset", [-28, 0, 28])
def test_offsets_inside_range_are_accepted(offset: int) -> None:
    contract = make_contract(invoice_offset_days=offset)
    contract.full_clean()


def test_negative_quantity_is_a_field_error_and_refused_by_the_database() -> None:
    subscription = make_subscription()
    subscription.quantity = -1
    with pytest.raises(ValidationError) as excinfo:
        subscription.full_clean()
    assert "quantity" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        subscription.save()


def test_recurring_contract_needs_a_frequency() -> None:
    contract = make_contract()
    contract.frequency = ""
    with pytest.raises(ValidationError) as excinfo:
        contract.full_clean()
    assert "frequency" in excinfo.value.message_dict


def test_issued_invoice_cannot_be_edited_or_deleted() -> None:
    invoice = make_draft_invoice(total=Decimal("10.00"), balance=Decimal("10.00"))
    invoice.status = "billed"
    invoice.sequence = 1
    invoice.number = "INV-000001"
    invoice.save()
    invoice.refresh_from_db()
    invoice.total = Decimal("11.00")
    with pytest.raises(ImmutableInvoiceError, match="total"):
        invoice.save()
    invoice.refresh_from_db()
    with pytest.raises(ImmutableInvoiceError):
        invoice.delete()
    # Payment status and balance still move.
    invoice.balance = Decimal("0")
    invoice.status = "paid"
    invoice.save()


def test_issued_invoice_needs_a_number() -> None:
    invoice = make_draft_invoice()
    invoice.status = "billed"
    with pytest.raises(IntegrityError), transaction.atomic():
        invoice.save()


def test_one_payment_per_processor_transaction() -> None:
    invoice = make_draft_invoice()
    values = {
        "invoice": invoice,
        "amount": Decimal("5"),
        "currency": "USD",
        "date": dt.date(2024, 1, 5),
        "processor": "stripe",
        "processor_transaction_id": "ch_123",
    }
    Payment.objects.create(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(**values)


def test_payment_must_be_positive() -> None:
    invoice = make_draft_invoice()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            invoice=invoice,
            amount=Decimal("0"),
            currency="USD",
            date=dt.date(2024, 1, 5),
            processor_transaction_id="x",
        )
