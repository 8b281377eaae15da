# SPDX-License-Identifier: AGPL-3.0-or-later
"""A tiny scenario through `run_scenario` on the test database (the real services and jobs)."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from seatline.simulate.runner import day_instant, run_scenario
from seatline.simulate.schema import parse_scenario

# Two contracts, the second in the file first: contract ids follow the file, so "second" is
# billed (and listed) before "first" on the same day.
TINY = textwrap.dedent("""\
    accounts:
      - {id: wingtip, name: Wingtip Toys, country: US}
    contracts:
      - {id: second, account: wingtip, type: recurring, frequency: monthly, policy: advance, start: 2024-01-01}
      - {id: first, account: wingtip, type: recurring, frequency: monthly, policy: advance, start: 2024-01-01}
    subscriptions:
      - {id: m365, contract: second, product: Microsoft 365, quantity: 3, price: "10.00", start: 2024-01-01}
      - {id: e3, contract: first, product: Office 365 E3, quantity: 1, price: "5.00", start: 2024-01-01}
    events:
      - {date: 2024-01-10, pay: {invoice: 1, amount: "10.00"}}
      - {date: 2024-01-15, generate_invoice: {contract: second, cycle_start: 2024-02-01}}
      - {date: 2024-01-15, pay: {invoice: 3, amount: "30.00"}}
      - {date: 2024-01-16, pay: {invoice: 5, amount: "1.00"}}
      - {date: 2024-01-20, change_quantity: {subscription: ghost, quantity: 2}}
      - {date: 2024-01-20, generate_invoice: {contract: second, cycle_start: 2024-01-01}}
    run: {from: 2024-01-01, to: 2024-02-05}
""")


def summary(invoice: dict) -> tuple:
    return (
        invoice["seq"],
        invoice["contract"],
        invoice["kind"],
        invoice["status"],
        invoice["generated_on"],
        invoice["invoice_date"],
        invoice["total"],
        invoice["balance"],
        [
            (line["type"], line["subscription"], line["period_start"], line["quantity"])
            for line in invoice["lines"]
        ],
    )


@pytest.mark.django_db
def test_a_tiny_scenario_runs_through_the_services():
    result = run_scenario(parse_scenario(TINY))
    # invoices 1 and 2 are due 2024-01-31 (net30): open on 02-05, they are overdue (docs/billing.md 12)
    assert [summary(invoice) for invoice in result["invoices"]] == [
        (1, "second", "regular", "overdue", "2024-01-02", "2024-01-01", "30.00", "20.00",
         [("recurring", "m365", "2024-01-01", "3")]),
        (2, "first", "regular", "overdue", "2024-01-02", "2024-01-01", "5.00", "5.00",
         [("recurring", "e3", "2024-01-01", "1")]),
        (3, "second", "manual", "paid", "2024-01-15", "2024-01-15", "30.00", "0.00",
         [("recurring", "m365", "2024-02-01", "3")]),
        (4, "first", "regular", "billed", "2024-02-02", "2024-02-01", "5.00", "5.00",
         [("recurring", "e3", "2024-02-01", "1")]),
    ]  # fmt: skip
    assert [(r["date"], r["event"], r["code"]) for r in result["rejected"]] == [
        ("2024-01-16", "pay", "unknown_reference"),
        ("2024-01-20", "change_quantity", "unknown_reference"),
        ("2024-01-20", "generate_invoice", "cycle_already_invoiced"),
    ]
    assert result["failed_merges"] == []
    assert result["subscriptions"] == [
        {"id": "m365", "quantity": 3, "status": "active", "price": "10.0000"},
        {"id": "e3", "quantity": 1, "status": "active", "price": "5.0000"},
    ]
    first = result["invoices"][0]
    assert first["lines"][0]["unit_price"] == "10.0000"
    assert first["lines"][0]["amount"] == "30.00"
    assert first["currency"] == "USD"
    assert first["due_date"] == "2024-01-31"


@pytest.mark.parametrize(
    ("zones", "expected"),
    [
        (("UTC",), dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)),
        (("Pacific/Kiritimati", "UTC"), dt.datetime(2024, 3, 1, 5, tzinfo=dt.UTC)),
        (("America/Los_Angeles", "UTC"), dt.datetime(2024, 3, 1, 16, tzinfo=dt.UTC)),
    ],
)
def test_day_instant_is_the_same_date_in_every_zone(zones, expected):
    assert day_instant(dt.date(2024, 3, 1), *zones) == expected
