# SPDX-License-Identifier: AGPL-3.0-or-later
"""Scenario keys for provider invoices (scenarios.md "Additions"): `providers`, `products`,
`provider_invoices`, and the account / subscription keys `provider`, `tenant_id`,
`provider_subscription_id`. Files of `provider_invoices` are relative to the scenario file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from seatline.simulate.yamlnodes import Node, ScenarioError

PROVIDER_KINDS = ("partner_center", "distributor", "manual")


@dataclass(frozen=True)
class Provider:
    id: str
    kind: str = "partner_center"
    usage_mismatch_tolerance: Decimal = Decimal(0)
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Product:
    name: str
    provider_product: str = ""
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ProviderInvoiceImport:
    date: dt.date
    provider: str
    number: str
    period_start: dt.date
    period_end: dt.date
    total: Decimal
    file: Path
    template: str
    tax: Decimal = Decimal(0)
    currency: str = ""
    invoice_date: dt.date | None = None
    override_tolerance: str | None = None
    line: int | None = field(default=None, compare=False)


def read_provider(node: Node) -> Provider:
    m = node.mapping({"id", "kind", "usage_mismatch_tolerance"})
    tolerance = m.get("usage_mismatch_tolerance", Node.decimal, Decimal(0))
    if tolerance < 0:
        raise m.required("usage_mismatch_tolerance").error("must not be negative")
    return Provider(
        id=m.need("id", Node.identifier),
        kind=m.get("kind", lambda n: n.enum(PROVIDER_KINDS), "partner_center"),
        usage_mismatch_tolerance=tolerance,
        line=node.line,
    )


def read_product(node: Node) -> Product:
    m = node.mapping({"name", "provider_product"})
    return Product(
        name=m.need("name", Node.text),
        provider_product=m.get("provider_product", Node.text, ""),
        line=node.line,
    )


def provider_reference(node: Node, providers: set[str]) -> str:
    value = node.identifier()
    if value not in providers:
        raise node.error(f"unknown provider {value!r} (not declared in providers)")
    return value


def read_provider_invoice(
    node: Node, providers: set[str], base: Path, run_from: dt.date, run_to: dt.date
) -> ProviderInvoiceImport:
    m = node.mapping(
        {"date", "provider", "number", "invoice_date", "period", "currency", "total", "tax",
         "override_tolerance", "file", "template"}
    )  # fmt: skip
    date = m.need("date", Node.date)
    if not run_from <= date <= run_to:
        raise m.required("date").error(f"{date} is outside the run ({run_from}..{run_to})")
    period = m.required("period").mapping({"start", "end"})
    start, end = period.need("start", Node.date), period.need("end", Node.date)
    if end < start:
        raise period.required("end").error(f"the period ends ({end}) before it starts ({start})")
    file_node = m.required("file")
    path = (base / file_node.text()).resolve()
    if not path.is_file():
        raise file_node.error(f"no such file {file_node.text()!r} (relative to the scenario file)")
    override = m.get("override_tolerance", Node.text)
    return ProviderInvoiceImport(
        date=date,
        provider=m.need("provider", lambda n: provider_reference(n, providers)),
        number=m.need("number", Node.text),
        period_start=start,
        period_end=end,
        total=m.need("total", Node.decimal),
        tax=m.get("tax", Node.decimal, Decimal(0)),
        currency=m.get("currency", Node.text, ""),
        invoice_date=m.get("invoice_date", Node.date),
        override_tolerance=override,
        file=path,
        template=m.need("template", Node.text),
        line=node.line,
    )


def unique(items: list[Provider], nodes: list[Node]) -> None:
    seen: set[str] = set()
    for item, node in zip(items, nodes, strict=True):
        if item.id in seen:
            raise ScenarioError(f"duplicate id {item.id!r}", f"{node.path}.id", node.line)
        seen.add(item.id)
