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
from seatline.errors import SeatlineError
from seatline.invoicing.models import ImmutableInvoiceError, Invoice, InvoiceLine, NumberSequence
from seatline.invoicing.services import (
    create_credit_note,
    generate_regular_invoice,
    issue_invoice,
    preview_next_invoice,
    run_contract,
)
from seatline.subscriptions.services import change_quantity

D = dt.date


def _invoices(count: int) -> list[Invoice]:
    """`count` regular invoices of as many contracts (cycle starting 2018-01-01)."""
    out = []
    for n in range(count):
        contract = factories.contract(name=f"Contract {n}")
        with clock.frozen(D(2018, 1, 1)):
            factories.subscription(contract)
        out.append(
            generate_regular_invoice(contract=contract, cycle_start=D(2018, 1, 1), run_date=D(2018, 1, 2))
        )
    return out


@pytest.mark.django_db
def test_numbers_are_gapless_per_series(db):
    first, second, third = _invoices(3)
    with clock.frozen(D(2018, 1, 10)):
        note_one = create_credit_note(invoice=second, reason="wrong quantity")
        fourth = _invoices(1)[0]
        note_two = create_credit_note(invoice=first)
    assert [i.number for i in (first, second, third, fourth)] == [
        "INV-000001",
        "INV-000002",
        "INV-000003",
        "INV-000004",
    ]
    assert [(n.number, n.sequence, n.series) for n in (note_one, note_two)] == [
        ("CN-000001", 1, "credit_note"),
        ("CN-000002", 2, "credit_note"),
    ]
    assert dict(NumberSequence.objects.values_list("series", "last_number")) == {
        "invoice": 4,
        "credit_note": 2,
    }


@pytest.mark.django_db
def test_drafts_get_their_number_when_issued_in_issue_order(db):
    Configuration.objects.update_or_create(
        pk=1, defaults={"auto_issue_invoices": False, "invoice_number_format": "F{number:04d}"}
    )
    first, second = _invoices(2)
    assert (first.number, second.number) == (None, None)
    assert issue_invoice(invoice=second).number == "F0001"
    assert issue_invoice(invoice=first).number == "F0002"
    before = db_state(first)
    with pytest.raises(SeatlineError) as err:
        issue_invoice(invoice=first)
    assert err.value.code == "invoice_not_draft"
    assert db_state(first) == before


@pytest.mark.django_db
def test_issued_invoice_cannot_be_edited(db):
    (invoice,) = _invoices(1)
    invoice = Invoice.objects.get(pk=invoice.pk)
    invoice.total = Decimal("1.00")
    with pytest.raises(ImmutableInvoiceError):
        invoice.save()
    line = InvoiceLine.objects.get(invoice_id=invoice.pk)
    line.amount = Decimal("1.00")
    with pytest.raises(ImmutableInvoiceError):
        line.save()
    with pytest.raises(ImmutableInvoiceError):
        Invoice.objects.get(pk=invoice.pk).delete()
    assert Invoice.objects.get(pk=invoice.pk).total == Decimal("360.00")


@pytest.mark.django_db
def test_credit_note_negates_the_invoice_and_voids_it(db):
    (invoice,) = _invoices(1)
    with clock.frozen(D(2018, 1, 10)):
        note = create_credit_note(invoice=invoice, reason="cancelled")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == ("void", 0)
    assert (
        note.kind,
        note.status,
        note.total,
        note.balance,
        note.credited_invoice_id,
        note.invoice_date,
    ) == (
        "credit_note",
        "billed",
        Decimal("-360.00"),
        0,
        invoice.pk,
        D(2018, 1, 10),
    )
    assert [(line.quantity, line.amount) for line in note.lines.all()] == [(-10, Decimal("-360.00"))]
    actions = set(
        AuditEvent.objects.filter(action__in=["invoice_credited", "credit_note_issued"]).values_list(
            "action", flat=True
        )
    )
    assert actions == {"invoice_credited", "credit_note_issued"}


@pytest.mark.django_db
def test_credit_note_refusals_change_nothing(db):
    Configuration.objects.update_or_create(pk=1, defaults={"auto_issue_invoices": False})
    (draft,) = _invoices(1)
    before = db_state(draft)
    with pytest.raises(SeatlineError) as err:
        create_credit_note(invoice=draft)
    assert err.value.code == "invoice_not_issued"
    assert db_state(draft) == before
    issued = issue_invoice(invoice=draft)
    note = create_credit_note(invoice=issued)
    before = db_state(issued, note)
    for target, code in ((issued, "invoice_void"), (note, "invalid_invoice")):
        with pytest.raises(SeatlineError) as err:
            create_credit_note(invoice=target)
        assert err.value.code == code
    assert db_state(issued, note) == before


@pytest.mark.django_db
def test_preview_writes_nothing_and_matches_the_run(sub, contract, today):
    before = db_state(contract, sub)
    counts = (Configuration.objects.count(), NumberSequence.objects.count())
    proposal = preview_next_invoice(contract=contract, as_of=today)
    assert db_state(contract, sub) == before
    assert (Configuration.objects.count(), NumberSequence.objects.count()) == counts
    assert (proposal.kind, proposal.cycle.start, proposal.total) == (
        "regular",
        D(2018, 1, 1),
        Decimal("305.81"),
    )
    invoice = Invoice.objects.get(pk=run_contract(contract_id=contract.pk, run_date=today).invoice_ids[0])
    assert invoice.total == proposal.total
    upcoming = preview_next_invoice(contract=contract, as_of=today)
    assert (upcoming.cycle.start, upcoming.generated_on, upcoming.total) == (
        D(2018, 4, 1),
        D(2018, 4, 2),
        Decimal("360.00"),
    )


@pytest.mark.django_db
def test_next_regular_invoice_bills_earlier_unbilled_changes(sub, contract, today):
    run_contract(contract_id=contract.pk, run_date=today)
    with clock.frozen(D(2018, 3, 1)):
        change_quantity(subscription=sub, quantity=12)
    result = run_contract(contract_id=contract.pk, run_date=D(2018, 4, 2))
    invoice = Invoice.objects.get(pk=result.invoice_ids[0])
    assert sorted((line.type, int(line.quantity), line.period_start) for line in invoice.lines.all()) == [
        ("proration", 2, D(2018, 3, 1)),
        ("recurring", 12, D(2018, 4, 1)),
    ]
