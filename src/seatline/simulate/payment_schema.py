# SPDX-License-Identifier: AGPL-3.0-or-later
"""Scenario keys of payments (scenarios.md "Additions"): `payment_methods` and the dunning settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from seatline.simulate.yamlnodes import Node

PROCESSORS = ("stripe",)
BEHAVIOURS = ("succeed", "card_declined", "insufficient_funds", "expired_card", "authentication_required")


@dataclass(frozen=True)
class PaymentMethod:
    id: str
    account: str
    processor: str = "stripe"
    behaviour: str = "succeed"
    default: bool = False
    line: int | None = field(default=None, compare=False)


def read_payment_method(node: Node, account_ids: set[str]) -> PaymentMethod:
    m = node.mapping({"id", "account", "processor", "behaviour", "default"})
    account = m.need("account", Node.identifier)
    if account not in account_ids:
        raise m.required("account").error(f"unknown account {account!r} (not declared in accounts)")
    return PaymentMethod(
        id=m.need("id", Node.identifier),
        account=account,
        processor=m.get("processor", lambda n: n.enum(PROCESSORS), "stripe"),
        behaviour=m.get("behaviour", lambda n: n.enum(BEHAVIOURS), "succeed"),
        default=m.get("default", Node.boolean, False),
        line=node.line,
    )


def read_retry_days(node: Node) -> tuple[int, ...]:
    return tuple(item.integer(minimum=1, maximum=365) for item in node.sequence())
