# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from tests import billing_factories as factories
from tests.billing_factories import db_state

from seatline import clock
from seatline.invoicing.models import Invoice

D = dt.date


def invoice_run(*args: str) -> str:
    out = StringIO()
    call_command("invoice_run", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_dry_run_prints_the_documents_and_writes_nothing():
    contract = factories.contract()
    empty = factories.contract(name="Empty")
    with clock.frozen(D(2018, 1, 1)):
        sub = factories.subscription(contract, start_date=D(2018, 1, 15))
    before = db_state(contract, sub, empty)
    output = invoice_run("--date", "2018-01-02", "--dry-run")
    assert db_state(contract, sub, empty) == before
    assert "regular invoices: 2 contract(s) considered, 2 invoiced, 0 skipped, 0 failed" in output
    assert "INV-000001 regular 2018-01-01 total 305.81 USD (1 line(s))" in output
    assert "dry run: nothing was written" in output


@pytest.mark.django_db
def test_run_for_one_contract_then_again():
    contract = factories.contract()
    other = factories.contract(name="Other")
    with clock.frozen(D(2018, 1, 1)):
        factories.subscription(contract)
        factories.subscription(other)
    output = invoice_run("--date", "2018-01-02", "--contract", str(contract.pk))
    assert "1 contract(s) considered, 1 invoiced" in output
    assert list(Invoice.objects.values_list("contract_id", flat=True)) == [contract.pk]
    again = invoice_run("--date", "2018-01-02", "--contract", str(contract.pk))
    assert f"contract {contract.pk}: skipped (nothing due)" in again


def test_bad_arguments():
    with pytest.raises(CommandError):
        invoice_run("--date", "02/01/2018")


def five_contracts() -> list[int]:
    ids = []
    with clock.frozen(D(2018, 1, 1)):
        for n in range(5):
            contract = factories.contract(name=f"C{n}")
            factories.subscription(contract)
            ids.append(contract.pk)
    return ids


@pytest.mark.django_db
def test_dry_run_in_chunks_prints_numbers_that_follow_each_other_and_writes_nothing():
    ids = five_contracts()
    before = db_state()
    output = invoice_run("--date", "2018-01-02", "--dry-run", "--chunk-size", "2")
    assert db_state() == before
    assert [line.split()[0] for line in output.splitlines() if line.startswith("    INV-")] == [
        f"INV-{n:06d}" for n in range(1, 6)
    ]
    assert "regular invoices: 5 contract(s) considered, 5 invoiced, 0 skipped, 0 failed" in output
    assert f"  contract {ids[4]}: invoiced (cycles 2018-01-01)" in output
    assert "dry run: 5/5 contracts, 5 invoiced, 0 failed" in output


@pytest.mark.django_db(transaction=True)
def test_one_transaction_per_chunk_and_plain_progress_lines(monkeypatch):
    from django.db import connection

    from seatline.invoicing.management.commands import invoice_run as command

    ids = five_contracts()
    depths: list[int] = []
    real = command.run_chunk

    def chunk(**kwargs):
        depths.append(len(connection.atomic_blocks))  # the chunk's own transaction, nothing around it
        if len(depths) == 3:
            raise RuntimeError("the machine dies during the third chunk")
        return real(**kwargs)

    monkeypatch.setattr(command, "run_chunk", chunk)
    out = StringIO()
    with pytest.raises(RuntimeError):
        call_command("invoice_run", "--date", "2018-01-02", "--chunk-size", "2", stdout=out)
    assert depths == [1, 1, 1]
    # the first two chunks committed: their invoices, numbers and report rows stay
    assert sorted(Invoice.objects.values_list("contract_id", "number")) == [
        (ids[0], "INV-000001"),
        (ids[1], "INV-000002"),
        (ids[2], "INV-000003"),
        (ids[3], "INV-000004"),
    ]
    assert out.getvalue().splitlines()[1:3] == [
        line for line in out.getvalue().splitlines() if line.startswith("regular invoices: ")
    ]
    assert "regular invoices: 2/5 contracts, 2 invoiced, 0 failed" in out.getvalue()
    assert "regular invoices: 4/5 contracts, 4 invoiced, 0 failed" in out.getvalue()
    monkeypatch.setattr(command, "run_chunk", real)
    again = invoice_run("--date", "2018-01-02", "--chunk-size", "2")  # the rerun bills the rest
    assert "regular invoices: 1 contract(s) considered, 1 invoiced" in again
    assert Invoice.objects.get(contract_id=ids[4]).number == "INV-000005"
    from seatline.invoicing.models import InvoiceRun

    (report,) = InvoiceRun.objects.all()
    assert sorted(report.items.values_list("contract_id", "status")) == [(pk, "invoiced") for pk in ids]


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.django_db
def test_a_progress_bar_on_a_terminal():
    five_contracts()
    out = Terminal()
    call_command("invoice_run", "--date", "2018-01-02", "--chunk-size", "2", stdout=out)
    text = out.getvalue()
    assert "\x1b[" in text  # drawn with terminal control sequences
    assert "5/5" in text and "5 invoiced" in text and "ETA" in text
    assert "regular invoices: 2/5 contracts" not in text  # no plain lines
    assert Invoice.objects.count() == 5
