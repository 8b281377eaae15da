# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline reconcile --provider-invoice NUMBER [--format json|csv]`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tests.reconciliation.support import scenario

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("reconcile", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_json_and_csv_print_groups_and_unmapped_lines() -> None:
    scenario("49-")
    code, out, _ = run("--provider-invoice", "G000490001")
    assert code == 0
    document = json.loads(out)
    assert document["totals"]["provider_cost"] == "50.00"
    assert document["totals"]["unmapped_amount"] == "68.00"
    (group,) = document["groups"]
    assert (group["status"], group["provider_seat_days"], group["margin_percent"]) == (
        "matched",
        310,
        "16.67",
    )
    assert [(u["row"], u["reason"], u["amount"]) for u in document["unmapped"]] == [
        (3, "unknown_customer", "15.00"),
        (4, "unknown_product", "20.00"),
        (5, "unknown_subscription", "33.00"),
    ]
    code, out, _ = run("--provider-invoice", "G000490001", "--format", "csv", "--rerun")
    groups, unmapped = out.split("\n\n")
    assert groups.splitlines()[0].startswith("provider_invoice,group,customer,product,subscriptions,status")
    assert ",matched,310,310,0,50.00,60.00,10.00,16.67,0.00,," in groups.splitlines()[1]
    assert len(unmapped.strip().splitlines()) == 4


def test_an_unknown_number_is_refused() -> None:
    code, _, err = run("--provider-invoice", "NOPE")
    assert code == 2
    assert err.startswith("refused: [unknown_reference]")


def test_the_cancellation_audit_names_a_provider_credit_not_passed_on() -> None:
    scenario("48-")
    code, out, _ = run("--provider-invoice", "G000480001")
    assert code == 0
    # cancelImmediate on Jan 5: 10 seats credited for Jan 5..31 (-43.50), still billed all month
    document = json.loads(out)
    key = next(g["group"] for g in document["groups"] if g["status"] == "overbilled_seats")
    assert document["cancellation_audit"] == [
        {"provider_invoice": "G000480001", "group": key,
         "customer": "Contoso: Microsoft 365 Business Basic", "kind": "not_passed_on", "start": "2024-01-05",
         "end": "2024-01-31", "seats": 10, "seat_days": 270, "amount": "43.50"}
    ]  # fmt: skip


def test_the_expected_charge_replay_names_the_unexplained_seat() -> None:
    scenario("47-")
    code, out, _ = run("--provider-invoice", "G000470001")
    assert code == 0
    # Seatline has no change on Jan 16: the provider's addQuantity pair (rows 3 and 4) is unexplained
    found = [(d["kind"], d["charge_type"], d["start"], d["quantity"], d["change"], d["row"])
             for d in json.loads(out)["expected_charges"]]  # fmt: skip
    assert found == [
        ("unexpected", "addQuantity", "2024-01-16", -10, None, 3),
        ("unexpected", "addQuantity", "2024-01-16", 11, None, 4),
    ]
