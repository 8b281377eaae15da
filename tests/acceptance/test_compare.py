# SPDX-License-Identifier: AGPL-3.0-or-later
"""The acceptance compare function itself (docs/scenarios.md, compare rules)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from tests.acceptance.compare import compare

HERE = Path(__file__).parent


def _expected() -> dict:
    return {
        "invoices": [
            {
                "contract": "c",
                "kind": "regular",
                "generated_on": "2024-01-02",
                "invoice_date": "2024-01-01",
                "due_date": "2024-01-31",
                "lines": [
                    {
                        "type": "recurring",
                        "subscription": "a",
                        "period_start": "2024-01-01",
                        "period_end": "2024-01-31",
                        "quantity": "10",
                        "amount": "100.00",
                    },
                    {
                        "type": "nri",
                        "subscription": None,
                        "period_start": None,
                        "period_end": None,
                        "quantity": "1",
                        "amount": "50.00",
                    },
                ],
                "subtotal": "150.00",
                "tax": "0.00",
                "total": "150.00",
            },
            {
                "contract": "c",
                "kind": "change_log",
                "generated_on": "2024-01-05",
                "invoice_date": "2024-01-05",
                "due_date": "2024-02-04",
                "lines": [
                    {
                        "type": "credit",
                        "subscription": "a",
                        "period_start": "2024-01-05",
                        "period_end": "2024-01-31",
                        "quantity": "-2",
                        "amount": "-17.42",
                    }
                ],
                "subtotal": "-17.42",
                "tax": "0.00",
                "total": "-17.42",
            },
        ],
        "rejected": [{"date": "2024-01-20", "event": "change_quantity", "code": "qrb_violation"}],
        "subscriptions": [{"id": "a", "quantity": 8, "status": "active"}],
    }


def _actual() -> dict:
    """What a simulator prints: every key of docs/scenarios.md, a superset of the expected file."""
    actual = copy.deepcopy(_expected())
    for n, inv in enumerate(actual["invoices"], start=1):
        inv.update(seq=n, number=f"INV-{n:06d}", status="billed", currency="USD", balance=inv["total"])
        inv["taxes"] = []
        for line in inv["lines"]:
            line.update(description="Something", unit_price="10.0000", discount="0.00")
    actual["rejected"][0]["message"] = "outside the reduction window"
    actual["failed_merges"] = []
    actual["subscriptions"][0]["price"] = "10.0000"
    return actual


def test_equal_outputs_have_no_difference():
    assert compare(_expected(), _actual()) == []


def test_identical_dicts_have_no_difference():
    assert compare(_expected(), _expected()) == []


def test_changed_amount_is_reported():
    actual = _actual()
    actual["invoices"][0]["lines"][0]["amount"] = "100.01"
    diffs = compare(_expected(), actual)
    assert len(diffs) == 2
    assert "invoice 1" in diffs[0] and "missing line" in diffs[0] and "'100.00'" in diffs[0]
    assert "unexpected line" in diffs[1] and "'100.01'" in diffs[1]


def test_changed_invoice_field_is_reported():
    actual = _actual()
    actual["invoices"][1]["due_date"] = "2024-02-05"
    actual["invoices"][1]["total"] = "-17.43"
    assert compare(_expected(), actual) == [
        "invoice 2 (change_log c 2024-01-05): due_date is '2024-02-05', expected '2024-02-04'",
        "invoice 2 (change_log c 2024-01-05): total is '-17.43', expected '-17.42'",
    ]


def test_missing_line_is_reported():
    actual = _actual()
    del actual["invoices"][0]["lines"][1]
    diffs = compare(_expected(), actual)
    assert len(diffs) == 1
    assert diffs[0].startswith("invoice 1 (regular c 2024-01-02): missing line (type='nri'")


def test_extra_line_is_reported():
    actual = _actual()
    actual["invoices"][0]["lines"].append(dict(actual["invoices"][0]["lines"][0]))
    diffs = compare(_expected(), actual)
    assert len(diffs) == 1 and "unexpected line (type='recurring'" in diffs[0]


def test_duplicate_lines_are_a_multiset():
    expected = _expected()
    expected["invoices"][0]["lines"].append(dict(expected["invoices"][0]["lines"][0]))
    diffs = compare(expected, _actual())
    assert len(diffs) == 1 and "missing line (type='recurring'" in diffs[0]


def test_line_order_number_and_description_are_ignored():
    actual = _actual()
    actual["invoices"][0]["lines"].reverse()
    actual["invoices"][0]["number"] = "INV-999999"
    actual["invoices"][0]["lines"][0]["description"] = "Other text"
    assert compare(_expected(), actual) == []


def test_extra_invoice_is_reported():
    actual = _actual()
    actual["invoices"].append(copy.deepcopy(actual["invoices"][0]))
    diffs = compare(_expected(), actual)
    assert diffs == [
        "invoice count is 3, expected 2",
        "invoice 3: unexpected (regular invoice of c generated 2024-01-02 total 150.00)",
    ]


def test_missing_invoice_is_reported():
    actual = _actual()
    del actual["invoices"][1]
    diffs = compare(_expected(), actual)
    assert diffs == [
        "invoice count is 1, expected 2",
        "invoice 2: missing (change_log invoice of c generated 2024-01-05 total -17.42)",
    ]


def test_invoices_are_matched_by_position():
    actual = _actual()
    actual["invoices"].reverse()
    diffs = compare(_expected(), actual)
    assert any("invoice 1 (regular c 2024-01-02): kind is 'change_log'" in d for d in diffs)


def test_numbers_compare_as_decimals():
    actual = _actual()
    actual["invoices"][0]["subtotal"] = "150"
    actual["invoices"][0]["lines"][0]["amount"] = 100
    actual["invoices"][0]["lines"][0]["quantity"] = 10
    assert compare(_expected(), actual) == []


def test_status_and_balance_only_when_expected():
    actual = _actual()
    actual["invoices"][0]["status"] = "partially_paid"
    actual["invoices"][0]["balance"] = "100.00"
    assert compare(_expected(), actual) == []
    expected = _expected()
    expected["invoices"][0].update(status="paid", balance="0.00")
    assert compare(expected, actual) == [
        "invoice 1 (regular c 2024-01-02): status is 'partially_paid', expected 'paid'",
        "invoice 1 (regular c 2024-01-02): balance is '100.00', expected '0.00'",
    ]


def test_discount_only_when_expected():
    actual = _actual()
    actual["invoices"][0]["lines"][0]["discount"] = "10.00"
    assert compare(_expected(), actual) == []
    expected = _expected()
    expected["invoices"][0]["lines"][0]["discount"] = "9.00"
    diffs = compare(expected, actual)
    assert len(diffs) == 1 and "has discount '10.00', expected '9.00'" in diffs[0]


def test_taxes_only_when_expected_and_by_name_and_amount():
    actual = _actual()
    actual["invoices"][0]["taxes"] = [
        {"name": "County", "percent": "3", "amount": "4.50"},
        {"name": "State", "percent": "5", "amount": "7.50"},
    ]
    assert compare(_expected(), actual) == []
    expected = _expected()
    expected["invoices"][0]["taxes"] = [
        {"name": "State", "amount": "7.50"},
        {"name": "County", "amount": "4.51"},
    ]
    diffs = compare(expected, actual)
    assert diffs == [
        "invoice 1 (regular c 2024-01-02): missing tax {'name': 'County', 'amount': Decimal('4.51')}",
        "invoice 1 (regular c 2024-01-02): unexpected tax {'name': 'County', 'amount': Decimal('4.50')}",
    ]
    expected["invoices"][0]["taxes"] = []
    assert len(compare(expected, actual)) == 2


def test_rejected_compared_by_date_event_and_code():
    actual = _actual()
    actual["rejected"][0]["message"] = "a different wording"
    assert compare(_expected(), actual) == []
    actual["rejected"][0]["code"] = "invalid_quantity"
    assert compare(_expected(), actual) == [
        "rejected: missing event {'date': '2024-01-20', 'event': 'change_quantity', 'code': 'qrb_violation'}",
        "rejected: unexpected event {'date': '2024-01-20', 'event': 'change_quantity', 'code': 'invalid_quantity'}",
    ]


def test_unexpected_rejection_is_reported_even_when_expected_has_none():
    expected = _expected()
    del expected["rejected"]
    diffs = compare(expected, _actual())
    assert diffs == [
        "rejected: unexpected event {'date': '2024-01-20', 'event': 'change_quantity', 'code': 'qrb_violation'}"
    ]


def test_failed_merges_compared_by_date_subscription_and_code():
    expected = _expected()
    expected["failed_merges"] = [{"date": "2024-02-20", "subscription": "a", "code": "qrb_violation"}]
    actual = _actual()
    assert compare(expected, actual) == [
        "failed_merges: missing merge {'date': '2024-02-20', 'subscription': 'a', 'code': 'qrb_violation'}"
    ]
    actual["failed_merges"] = [dict(expected["failed_merges"][0], message="not allowed")]
    assert compare(expected, actual) == []


def test_subscriptions_by_id_quantity_status_and_price_when_given():
    actual = _actual()
    actual["subscriptions"][0].update(quantity=9, status="suspended")
    actual["subscriptions"].append({"id": "b", "quantity": 1, "status": "active"})
    assert compare(_expected(), actual) == [
        "subscription a: quantity is 9, expected 8",
        "subscription a: status is 'suspended', expected 'active'",
        "subscription b: unexpected in the output",
    ]
    expected = _expected()
    expected["subscriptions"][0]["price"] = "12.6000"
    expected["subscriptions"].append({"id": "zz", "quantity": 1, "status": "active"})
    assert compare(expected, _actual()) == [
        "subscription a: price is '10.0000', expected '12.6000'",
        "subscription zz: missing from the output",
    ]


def test_shared_examples_equal_themselves():
    for path in sorted(HERE.glob("*.expected.json")):
        data = json.loads(path.read_text())
        assert compare(data, copy.deepcopy(data)) == [], path.name


def test_provider_invoices_compare_the_last_attempt_of_each_number():
    actual = {
        "provider_invoices": [
            {"number": "G1", "status": "error", "difference": "1.25", "code": "checksum_failed", "lines": 3},
            {"number": "G1", "status": "active", "difference": "1.250", "code": None, "lines": 3},
            {"number": "G2", "status": "refused", "difference": None, "code": "invalid_tolerance"},
        ]
    }
    expected = {
        "provider_invoices": [
            {"number": "G1", "status": "active", "difference": "1.25", "code": None, "lines": 3},
            {"number": "G2", "status": "refused", "difference": None, "code": "invalid_tolerance"},
        ]
    }
    assert compare(expected, actual) == []

    expected["provider_invoices"][0]["lines"] = 4
    expected["provider_invoices"][1]["code"] = "provider_invoice_active"
    assert compare(expected, actual) == [
        "provider invoice G1: lines is 3, expected 4",
        "provider invoice G2: code is 'invalid_tolerance', expected 'provider_invoice_active'",
    ]
    assert compare({"provider_invoices": []}, actual) == [
        "provider invoice G1: unexpected in the output",
        "provider invoice G2: unexpected in the output",
    ]


def test_payments_and_refunds_are_multisets_by_every_key_shown_accounts_by_id():
    actual = {
        "payments": [
            {
                "invoice": 1,
                "date": "2024-01-16",
                "amount": "100.00",
                "status": "failed",
                "code": "card_declined",
                "processor": "stripe",
            },
            {
                "invoice": 1,
                "date": "2024-01-19",
                "amount": "100.0",
                "status": "succeeded",
                "processor": "stripe",
            },
        ],
        "refunds": [{"invoice": 1, "date": "2024-01-20", "amount": "10.00"}],
        "accounts": [{"id": "fab", "credit_hold": True}],
    }
    expected = copy.deepcopy(actual)
    assert compare(expected, actual) == []
    expected["payments"][0]["code"] = "insufficient_funds"
    expected["refunds"] = []
    expected["accounts"][0]["credit_hold"] = False
    assert compare(expected, actual) == [
        "payments: missing payment {'amount': Decimal('100.00'), 'code': 'insufficient_funds', 'date': "
        "'2024-01-16', 'invoice': '1', 'processor': 'stripe', 'status': 'failed'}",
        "payments: unexpected payment {'amount': Decimal('100.00'), 'code': 'card_declined', 'date': "
        "'2024-01-16', 'invoice': '1', 'processor': 'stripe', 'status': 'failed'}",
        "refunds: unexpected refund {'amount': Decimal('10.00'), 'date': '2024-01-20', 'invoice': '1'}",
        "account fab: credit_hold is True, expected False",
    ]


def test_reconciliation_groups_compare_by_invoice_and_subscriptions():
    group = {
        "provider_invoice": "G1",
        "subscriptions": ["b", "a"],
        "status": "matched",
        "margin": "10.00",
        "flags": ["negative_margin"],
    }
    same = {**group, "subscriptions": ["a", "b"], "margin": "10", "extra": 1}
    assert compare({"reconciliation": [group]}, {"reconciliation": [same]}) == []
    other = {**same, "margin": "9.99"}
    assert compare({"reconciliation": [group]}, {"reconciliation": [other]}) == [
        "reconciliation ('G1', ('a', 'b')): margin is '9.99', expected '10.00'"
    ]
    more = {"provider_invoice": "G1", "subscriptions": ["c"], "status": "missing_at_provider"}
    assert compare({"reconciliation": [group]}, {"reconciliation": [same, more]}) == [
        "reconciliation ('G1', ('c',)): unexpected group (missing_at_provider)"
    ]


def test_unmapped_compares_as_a_multiset():
    row = {"provider_invoice": "G1", "row": 3, "reason": "unknown_customer"}
    assert compare({"unmapped": [row]}, {"unmapped": [row]}) == []
    assert compare({"unmapped": [row]}, {"unmapped": []}) == [
        "unmapped ('G1', 3, 'unknown_customer'): missing"
    ]
