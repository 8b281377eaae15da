# SPDX-License-Identifier: AGPL-3.0-or-later
"""Compare rules of the `reconciliation` and `unmapped` keys (docs/scenarios.md "Additions").

- `reconciliation`: groups by (provider_invoice, sorted subscriptions); every key the expected
  group shows must be equal (amounts and seat-days as decimals, `flags` as a set); a group of the
  actual output that the expected one lacks is a difference too.
- `unmapped`: a multiset of (provider_invoice, row, reason).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any


def _value(key: str, value: Any) -> Any:
    if key == "flags":
        return tuple(sorted(value or ()))
    if value is None or isinstance(value, bool) or key in ("provider_invoice", "status"):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value


def _key(group: dict) -> tuple[str, tuple[str, ...]]:
    return (str(group.get("provider_invoice")), tuple(sorted(group.get("subscriptions") or ())))


def compare_reconciliation(expected: list[dict], actual: list[dict]) -> list[str]:
    diffs: list[str] = []
    by_key = {_key(group): group for group in actual}
    for group in expected:
        key = _key(group)
        found = by_key.pop(key, None)
        if found is None:
            diffs.append(f"reconciliation {key}: missing")
            continue
        for name, want in group.items():
            if name in ("provider_invoice", "subscriptions"):
                continue
            if _value(name, want) != _value(name, found.get(name)):
                diffs.append(f"reconciliation {key}: {name} is {found.get(name)!r}, expected {want!r}")
    diffs += [
        f"reconciliation {key}: unexpected group ({group.get('status')})" for key, group in by_key.items()
    ]
    return diffs


def compare_unmapped(expected: list[dict], actual: list[dict]) -> list[str]:
    def keys(items: list[dict]) -> Counter:
        return Counter(
            (str(i.get("provider_invoice")), int(i.get("row") or 0), str(i.get("reason"))) for i in items
        )

    want, got = keys(expected), keys(actual)
    diffs = [f"unmapped {item}: missing" for item in sorted((want - got).elements())]
    diffs += [f"unmapped {item}: unexpected" for item in sorted((got - want).elements())]
    return diffs
