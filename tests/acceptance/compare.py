# SPDX-License-Identifier: AGPL-3.0-or-later
"""The compare rules of `seatline simulate` output (docs/scenarios.md, "compare rules").

`compare(expected, actual)` returns human-readable differences; an empty list means equal.

- Invoices are matched by position, and their count must match. For each: `contract`, `kind`,
  `generated_on`, `invoice_date`, `due_date`, `subtotal`, `tax`, `total`, and the multiset of
  lines by (`type`, `subscription`, `period_start`, `period_end`, `quantity`, `amount`).
  `number`, `description` and line order are not compared.
- Only when the expected output has them: `status` and `balance` of an invoice, `discount` of a
  line, `taxes` of an invoice (multiset by name and amount).
- `rejected` by (`date`, `event`, `code`) and `failed_merges` by (`date`, `subscription`,
  `code`), as multisets; a missing list counts as empty.
- `subscriptions` (when expected lists them) by id: quantity, status, and price when given.

- `provider_invoices` (when expected lists them): by number, against the last attempt of each
  number: `status`, `code` and `difference` (as a decimal; null when absent), and `lines` /
  `unmapped` when the expected attempt has them.

Amounts and quantities compare as decimal numbers ("50.00" equals "50" and 50), so a
formatting difference is not a billing difference; dates and names compare as strings.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from tests.acceptance.compare_reconciliation import compare_reconciliation, compare_unmapped

INVOICE_TEXT_KEYS = ("contract", "kind", "generated_on", "invoice_date", "due_date")
INVOICE_MONEY_KEYS = ("subtotal", "tax", "total")
LINE_KEYS = ("type", "subscription", "period_start", "period_end", "quantity", "amount")
NUMERIC_LINE_KEYS = {"quantity", "amount", "discount"}


def _num(value: Any) -> Any:
    """A number as Decimal (for equality and hashing); anything else unchanged."""
    if value is None or isinstance(value, bool):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _line_key(line: dict, with_discount: bool = False) -> tuple:
    keys = (*LINE_KEYS, "discount") if with_discount else LINE_KEYS
    return tuple(_num(line.get(k)) if k in NUMERIC_LINE_KEYS else _text(line.get(k)) for k in keys)


def _show_line(line: dict, with_discount: bool = False) -> str:
    keys = (*LINE_KEYS, "discount") if with_discount else LINE_KEYS
    return "(" + ", ".join(f"{k}={line.get(k)!r}" for k in keys) + ")"


def _show_invoice(inv: dict) -> str:
    return (
        f"{inv.get('kind')} invoice of {inv.get('contract')} generated {inv.get('generated_on')} "
        f"total {inv.get('total')}"
    )


def _compare_lines(label: str, expected: list[dict], actual: list[dict]) -> list[str]:
    diffs: list[str] = []
    remaining = list(actual)
    unmatched: list[dict] = []
    # Lines whose expected discount is given must match it too; match those first so a
    # discount-less expectation cannot take the line a discounted one needs.
    ordered = sorted(expected, key=lambda ln: "discount" not in ln)
    for line in ordered:
        with_discount = "discount" in line
        want = _line_key(line, with_discount)
        for i, cand in enumerate(remaining):
            if _line_key(cand, with_discount) == want:
                del remaining[i]
                break
        else:
            unmatched.append(line)
    for line in unmatched:
        with_discount = "discount" in line
        # Explain a near miss (same line but another discount) precisely.
        near = [c for c in remaining if _line_key(c) == _line_key(line)]
        if with_discount and near:
            diffs.append(
                f"{label}: line {_show_line(line)} has discount {near[0].get('discount')!r}, "
                f"expected {line.get('discount')!r}"
            )
            remaining.remove(near[0])
        else:
            diffs.append(f"{label}: missing line {_show_line(line, with_discount)}")
    for cand in remaining:
        diffs.append(f"{label}: unexpected line {_show_line(cand)}")
    return diffs


def _multiset(label: str, what: str, keys: tuple[str, ...], expected: list, actual: list) -> list[str]:
    def key(item: dict) -> tuple:
        return tuple(_num(item.get(k)) if k == "amount" else _text(item.get(k)) for k in keys)

    exp, act = Counter(key(x) for x in expected), Counter(key(x) for x in actual)
    diffs = []
    for item, n in (exp - act).items():
        diffs.append(
            f"{label}: missing {what} {dict(zip(keys, item, strict=True))}" + (f" (x{n})" if n > 1 else "")
        )
    for item, n in (act - exp).items():
        diffs.append(
            f"{label}: unexpected {what} {dict(zip(keys, item, strict=True))}" + (f" (x{n})" if n > 1 else "")
        )
    return diffs


def _compare_invoice(n: int, exp: dict, act: dict) -> list[str]:
    label = f"invoice {n} ({exp.get('kind')} {exp.get('contract')} {exp.get('generated_on')})"
    diffs = []
    for key in INVOICE_TEXT_KEYS:
        if _text(exp.get(key)) != _text(act.get(key)):
            diffs.append(f"{label}: {key} is {act.get(key)!r}, expected {exp.get(key)!r}")
    for key in INVOICE_MONEY_KEYS:
        if _num(exp.get(key)) != _num(act.get(key)):
            diffs.append(f"{label}: {key} is {act.get(key)!r}, expected {exp.get(key)!r}")
    if "status" in exp and _text(exp["status"]) != _text(act.get("status")):
        diffs.append(f"{label}: status is {act.get('status')!r}, expected {exp['status']!r}")
    if "balance" in exp and _num(exp["balance"]) != _num(act.get("balance")):
        diffs.append(f"{label}: balance is {act.get('balance')!r}, expected {exp['balance']!r}")
    diffs += _compare_lines(label, exp.get("lines") or [], act.get("lines") or [])
    if "taxes" in exp:
        diffs += _multiset(label, "tax", ("name", "amount"), exp["taxes"] or [], act.get("taxes") or [])
    return diffs


def _compare_subscriptions(expected: list[dict], actual: list[dict]) -> list[str]:
    diffs = []
    by_id = {}
    for sub in actual:
        by_id.setdefault(_text(sub.get("id")), sub)
    seen = set()
    for exp in expected:
        sid = _text(exp.get("id"))
        seen.add(sid)
        act = by_id.get(sid)
        if act is None:
            diffs.append(f"subscription {sid}: missing from the output")
            continue
        if _num(exp.get("quantity")) != _num(act.get("quantity")):
            diffs.append(
                f"subscription {sid}: quantity is {act.get('quantity')!r}, expected {exp.get('quantity')!r}"
            )
        if _text(exp.get("status")) != _text(act.get("status")):
            diffs.append(
                f"subscription {sid}: status is {act.get('status')!r}, expected {exp.get('status')!r}"
            )
        if "price" in exp and _num(exp["price"]) != _num(act.get("price")):
            diffs.append(f"subscription {sid}: price is {act.get('price')!r}, expected {exp['price']!r}")
    for sid in by_id:
        if sid not in seen:
            diffs.append(f"subscription {sid}: unexpected in the output")
    return diffs


def _compare_provider_invoices(expected: list[dict], actual: list[dict]) -> list[str]:
    diffs = []
    last: dict[str, dict] = {}
    for attempt in actual:
        last[_text(attempt.get("number"))] = attempt  # type: ignore[index]
    wanted: dict[str, dict] = {}
    for attempt in expected:
        wanted[_text(attempt.get("number"))] = attempt  # type: ignore[index]
    for number, exp in wanted.items():
        act = last.get(number)
        if act is None:
            diffs.append(f"provider invoice {number}: missing from the output")
            continue
        for key in ("status", "code"):
            if _text(exp.get(key)) != _text(act.get(key)):
                diffs.append(
                    f"provider invoice {number}: {key} is {act.get(key)!r}, expected {exp.get(key)!r}"
                )
        keys = ["difference", *(key for key in ("lines", "unmapped") if key in exp)]
        for key in keys:
            if _num(exp.get(key)) != _num(act.get(key)):
                diffs.append(
                    f"provider invoice {number}: {key} is {act.get(key)!r}, expected {exp.get(key)!r}"
                )
    for number in last:
        if number not in wanted:
            diffs.append(f"provider invoice {number}: unexpected in the output")
    return diffs


def compare(expected: dict, actual: dict) -> list[str]:
    """Differences between an expected and an actual `seatline simulate` output ([] = equal)."""
    diffs: list[str] = []
    exp_inv = expected.get("invoices") or []
    act_inv = actual.get("invoices") or []
    if len(exp_inv) != len(act_inv):
        diffs.append(f"invoice count is {len(act_inv)}, expected {len(exp_inv)}")
    for n, (exp, act) in enumerate(zip(exp_inv, act_inv, strict=False), start=1):
        diffs += _compare_invoice(n, exp, act)
    for n, exp in enumerate(exp_inv[len(act_inv) :], start=len(act_inv) + 1):
        diffs.append(f"invoice {n}: missing ({_show_invoice(exp)})")
    for n, act in enumerate(act_inv[len(exp_inv) :], start=len(exp_inv) + 1):
        diffs.append(f"invoice {n}: unexpected ({_show_invoice(act)})")
    diffs += _multiset(
        "rejected",
        "event",
        ("date", "event", "code"),
        expected.get("rejected") or [],
        actual.get("rejected") or [],
    )
    diffs += _multiset(
        "failed_merges",
        "merge",
        ("date", "subscription", "code"),
        expected.get("failed_merges") or [],
        actual.get("failed_merges") or [],
    )
    if "subscriptions" in expected:
        diffs += _compare_subscriptions(expected["subscriptions"] or [], actual.get("subscriptions") or [])
    for section, what in (("payments", "payment"), ("refunds", "refund")):
        if section in expected:
            shown = tuple(
                sorted({key for item in expected[section] or actual.get(section) or [] for key in item})
            )
            diffs += _multiset(section, what, shown, expected[section] or [], actual.get(section) or [])
    if "accounts" in expected:
        by_id = {_text(item.get("id")): item for item in actual.get("accounts") or []}
        for exp in expected["accounts"] or []:
            act = by_id.get(_text(exp.get("id")), {})
            for key, value in exp.items():
                if act.get(key) != value:
                    diffs.append(f"account {exp.get('id')}: {key} is {act.get(key)!r}, expected {value!r}")
    if "provider_invoices" in expected:
        diffs += _compare_provider_invoices(
            expected["provider_invoices"] or [], actual.get("provider_invoices") or []
        )
    if "reconciliation" in expected:
        diffs += compare_reconciliation(expected["reconciliation"] or [], actual.get("reconciliation") or [])
    if "unmapped" in expected:
        diffs += compare_unmapped(expected["unmapped"] or [], actual.get("unmapped") or [])
    return diffs
