# SPDX-License-Identifier: AGPL-3.0-or-later
"""Scenario events: `{date: ..., <kind>: {...}}`, one kind per event, validated strictly.

References to subscriptions, contracts and invoices are not checked here: an event naming an
unknown id is refused when it runs (`unknown_reference`), like any other refused event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from seatline.simulate.payment_schema import BEHAVIOURS
from seatline.simulate.yamlnodes import Node, ScenarioError


@dataclass(frozen=True)
class ChangeQuantity:
    subscription: str
    quantity: int | Decimal


@dataclass(frozen=True)
class Deactivate:
    subscription: str
    refund: bool = False


@dataclass(frozen=True)
class Activate:
    subscription: str


@dataclass(frozen=True)
class ScheduleChange:
    subscription: str
    effective: dt.date
    quantity: int | Decimal | None = None
    price: Decimal | None = None


@dataclass(frozen=True)
class IndexPrice:
    contract: str
    percent: Decimal
    apply_on: dt.date | None = None


@dataclass(frozen=True)
class AddNri:
    contract: str
    description: str
    quantity: Decimal
    price: Decimal
    id: str | None = None
    discount_percent: Decimal = Decimal(0)
    taxable: bool = True
    cost: Decimal = Decimal(0)


@dataclass(frozen=True)
class AddUsage:
    subscription: str
    cost: Decimal
    period_start: dt.date
    period_end: dt.date
    markup_percent: Decimal | None = None
    description: str = ""


@dataclass(frozen=True)
class GenerateInvoice:
    contract: str
    cycle_start: dt.date


@dataclass(frozen=True)
class Pay:
    invoice: int
    amount: Decimal


@dataclass(frozen=True)
class DeactivateProviderInvoice:
    number: str
    provider: str | None = None


@dataclass(frozen=True)
class SetPaymentBehaviour:
    method: str
    behaviour: str


@dataclass(frozen=True)
class RefundEvent:
    invoice: int
    amount: Decimal | None = None


@dataclass(frozen=True)
class CreditInvoice:
    invoice: int  # nth document of the output, 1-based
    reason: str = ""


EventArgs = (
    ChangeQuantity
    | Deactivate
    | Activate
    | ScheduleChange
    | IndexPrice
    | AddNri
    | AddUsage
    | GenerateInvoice
    | Pay
    | DeactivateProviderInvoice
    | SetPaymentBehaviour
    | RefundEvent
    | CreditInvoice
)


@dataclass(frozen=True)
class Event:
    date: dt.date
    kind: str
    args: EventArgs
    line: int | None = None


def _quantity(node: Node) -> int | Decimal:
    value = node.decimal()
    return int(value) if value == value.to_integral_value() else value


def _change_quantity(n: Node) -> ChangeQuantity:
    m = n.mapping({"subscription", "quantity"})
    return ChangeQuantity(
        subscription=m.need("subscription", Node.identifier), quantity=m.need("quantity", _quantity)
    )


def _deactivate(n: Node) -> Deactivate:
    m = n.mapping({"subscription", "refund"})
    return Deactivate(
        subscription=m.need("subscription", Node.identifier), refund=m.get("refund", Node.boolean, False)
    )


def _activate(n: Node) -> Activate:
    m = n.mapping({"subscription"})
    return Activate(subscription=m.need("subscription", Node.identifier))


def _schedule_change(n: Node) -> ScheduleChange:
    m = n.mapping({"subscription", "effective", "quantity", "price"})
    change = ScheduleChange(
        subscription=m.need("subscription", Node.identifier),
        effective=m.need("effective", Node.date),
        quantity=m.get("quantity", _quantity),
        price=m.get("price", Node.decimal),
    )
    if change.quantity is None and change.price is None:
        raise n.error("a scheduled change needs a quantity, a price or both")
    return change


def _index_price(n: Node) -> IndexPrice:
    m = n.mapping({"contract", "percent", "apply_on"})
    return IndexPrice(
        contract=m.need("contract", Node.identifier),
        percent=m.need("percent", Node.decimal),
        apply_on=m.get("apply_on", Node.date),
    )


def _add_nri(n: Node) -> AddNri:
    m = n.mapping(
        {"id", "contract", "description", "quantity", "price", "discount_percent", "taxable", "cost"}
    )
    return AddNri(
        contract=m.need("contract", Node.identifier),
        description=m.need("description", Node.text),
        quantity=m.need("quantity", Node.decimal),
        price=m.need("price", Node.decimal),
        id=m.get("id", Node.identifier),
        discount_percent=m.get("discount_percent", Node.decimal, Decimal(0)),
        taxable=m.get("taxable", Node.boolean, True),
        cost=m.get("cost", Node.decimal, Decimal(0)),
    )


def _add_usage(n: Node) -> AddUsage:
    m = n.mapping({"subscription", "cost", "markup_percent", "period_start", "period_end", "description"})
    usage = AddUsage(
        subscription=m.need("subscription", Node.identifier),
        cost=m.need("cost", Node.decimal),
        period_start=m.need("period_start", Node.date),
        period_end=m.need("period_end", Node.date),
        markup_percent=m.get("markup_percent", Node.decimal),
        description=m.get("description", Node.text, ""),
    )
    if usage.period_end < usage.period_start:
        raise m.required("period_end").error("the period ends before it starts")
    return usage


def _generate_invoice(n: Node) -> GenerateInvoice:
    m = n.mapping({"contract", "cycle_start"})
    return GenerateInvoice(
        contract=m.need("contract", Node.identifier), cycle_start=m.need("cycle_start", Node.date)
    )


def _pay(n: Node) -> Pay:
    m = n.mapping({"invoice", "amount"})
    return Pay(
        invoice=m.need("invoice", lambda v: v.integer(minimum=1)), amount=m.need("amount", Node.decimal)
    )


def _deactivate_provider_invoice(n: Node) -> DeactivateProviderInvoice:
    m = n.mapping({"number", "provider"})
    return DeactivateProviderInvoice(
        number=m.need("number", Node.text), provider=m.get("provider", Node.identifier)
    )


def _set_payment_behaviour(n: Node) -> SetPaymentBehaviour:
    m = n.mapping({"method", "behaviour"})
    return SetPaymentBehaviour(
        method=m.need("method", Node.identifier), behaviour=m.need("behaviour", lambda v: v.enum(BEHAVIOURS))
    )


def _refund(n: Node) -> RefundEvent:
    m = n.mapping({"invoice", "amount"})
    return RefundEvent(
        invoice=m.need("invoice", lambda v: v.integer(minimum=1)), amount=m.get("amount", Node.decimal)
    )


def _credit_invoice(n: Node) -> CreditInvoice:
    m = n.mapping({"invoice", "reason"})
    return CreditInvoice(
        invoice=m.need("invoice", lambda v: v.integer(minimum=1)), reason=m.get("reason", Node.text, "")
    )


EVENT_KINDS: dict[str, Callable[[Node], EventArgs]] = {
    "change_quantity": _change_quantity,
    "deactivate": _deactivate,
    "activate": _activate,
    "schedule_change": _schedule_change,
    "index_price": _index_price,
    "add_nri": _add_nri,
    "add_usage": _add_usage,
    "generate_invoice": _generate_invoice,
    "pay": _pay,
    "deactivate_provider_invoice": _deactivate_provider_invoice,
    "set_payment_behaviour": _set_payment_behaviour,
    "refund": _refund,
    "credit_invoice": _credit_invoice,
}


def read_event(node: Node, run_from: dt.date, run_to: dt.date) -> Event:
    m = node.mapping({"date", *EVENT_KINDS})
    date = m.need("date", Node.date)
    if not run_from <= date <= run_to:
        raise m.required("date").error(f"{date} is outside the run ({run_from}..{run_to})")
    kinds = [key for key in m if key != "date"]
    if len(kinds) != 1:
        found = ", ".join(kinds) or "none"
        raise ScenarioError(
            f"an event has a date and exactly one of {', '.join(EVENT_KINDS)} (found: {found})",
            node.path,
            node.line,
        )
    kind = kinds[0]
    return Event(date=date, kind=kind, args=EVENT_KINDS[kind](m.required(kind)), line=node.line)
