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
