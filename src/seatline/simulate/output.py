# SPDX-License-Identifier: AGPL-3.0-or-later
"""The simulation's JSON output (docs/scenarios.md "Output"), read back from the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from seatline.core.money import minor_units
from seatline.invoicing.models import Invoice
from seatline.subscriptions.models import ScheduledLicenseChangeLog, Subscription

# Documents of one day: manual ones (user actions, in their order), then regular ones by
# contract id, then change-log ones by contract id (docs/billing.md 3); credit notes last.
KIND_RANK = {"manual": 0, "regular": 1, "change_log": 2, "credit_note": 3}


def day_order_key(kind: str, contract_id: int, invoice_id: int) -> tuple[int, int, int]:
    return (KIND_RANK.get(kind, len(KIND_RANK)), contract_id, invoice_id)


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def money(value: Decimal | None, currency: str) -> str | None:
    """An amount with the currency's minor units: "305.81", JPY "1200", KWD "1.235"."""
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal(1).scaleb(-minor_units(currency))), "f")


def unit_price(value: Decimal) -> str:
    return format(Decimal(value).quantize(Decimal("0.0001")), "f")


def number(value: Decimal | int) -> str:
    """A quantity or percentage without trailing zeros: "10", "-15", "1.5", "5"."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def invoice_json(
    invoice: Any, seq: int, contract_ids: Mapping[int, str], subscription_ids: Mapping[int, str]
) -> dict[str, Any]:
    currency = invoice.currency
    lines = [
        {
            "type": line.type,
            "subscription": subscription_ids.get(line.subscription_id) if line.subscription_id else None,
            "description": line.description,
            "quantity": number(line.quantity),
            "unit_price": unit_price(line.unit_price),
            "period_start": iso(line.period_start),
            "period_end": iso(line.period_end),
            "amount": money(line.amount, currency),
            "discount": money(line.discount, currency),
        }
        for line in sorted(invoice.lines.all(), key=lambda line: (line.position, line.id))
    ]
    taxes = [
        {"name": tax.name, "percent": number(tax.percent), "amount": money(tax.amount, currency)}
        for tax in sorted(invoice.taxes.all(), key=lambda tax: (tax.position, tax.id))
    ]
    return {
        "seq": seq,
        "number": invoice.number,
        "contract": contract_ids.get(invoice.contract_id),
        "kind": invoice.kind,
        "status": invoice.status,
        "generated_on": iso(invoice.generated_on),
        "invoice_date": iso(invoice.invoice_date),
        "due_date": iso(invoice.due_date),
        "currency": currency,
        "period_start": iso(invoice.period_start),
        "period_end": iso(invoice.period_end),
        "lines": lines,
        "taxes": taxes,
        "subtotal": money(invoice.subtotal, currency),
        "tax": money(invoice.tax_total, currency),
        "total": money(invoice.total, currency),
        "balance": money(invoice.balance, currency),
    }


def invoices_json(
    invoice_ids: Sequence[int], contract_ids: Mapping[int, str], subscription_ids: Mapping[int, str]
) -> list[dict[str, Any]]:
    by_id = {
        invoice.pk: invoice
        for invoice in Invoice.objects.filter(pk__in=list(invoice_ids)).prefetch_related("lines", "taxes")
    }
    return [
        invoice_json(by_id[pk], seq, contract_ids, subscription_ids)
        for seq, pk in enumerate(invoice_ids, start=1)
    ]


def failed_merges_json(subscription_ids: Mapping[int, str]) -> list[dict[str, Any]]:
    failed = ScheduledLicenseChangeLog.objects.filter(
        status=ScheduledLicenseChangeLog.Status.MERGE_FAILED, subscription_id__in=list(subscription_ids)
    ).order_by("effective_date", "id")
    return [
        {
            "date": iso(change.effective_date),
            "subscription": subscription_ids[change.subscription_id],
            "code": change.failure_code,
            "message": change.failure_message,
        }
        for change in failed
    ]


def subscriptions_json(scenario_ids: Mapping[str, int]) -> list[dict[str, Any]]:
    by_pk = Subscription.objects.in_bulk(list(scenario_ids.values()))
    result = []
    for scenario_id, pk in scenario_ids.items():
        subscription = by_pk[pk]
        result.append(
            {
                "id": scenario_id,
                "quantity": subscription.quantity,
                "status": subscription.status,
                "price": unit_price(subscription.price),
            }
        )
    return result
