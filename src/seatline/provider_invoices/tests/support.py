# SPDX-License-Identifier: AGPL-3.0-or-later
"""Test helpers: a provider, a usage subscription, NCE reconciliation / daily usage CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from seatline.contracts.models import BillingContract
from seatline.customers.models import Account
from seatline.provider_invoices.models import ProviderInvoiceSettings
from seatline.providers.models import Provider, ProviderAccount
from seatline.subscriptions.models import Subscription

TENANT = "5e1c0000-0000-4000-8000-00000000c0de"
NCE_HEADER = [
    "PartnerId", "CustomerId", "CustomerName", "InvoiceNumber", "ProductId", "SkuId", "SkuName", "ProductName",
    "ChargeType", "UnitPrice", "Quantity", "Subtotal", "TaxTotal", "Total", "Currency", "SubscriptionId",
    "ChargeStartDate", "ChargeEndDate", "TermAndBillingCycle", "EffectiveUnitPrice", "BillableQuantity",
    "BillingFrequency", "PCToBCExchangeRate", "ReferenceID",
]  # fmt: skip


def provider(tolerance: str | None = None, **fields: Any) -> Provider:
    fields.setdefault("name", "Microsoft")
    fields.setdefault("type", Provider.Type.DO_NOTHING)
    made = Provider.objects.create(**fields)
    if tolerance is not None:
        ProviderInvoiceSettings.objects.create(provider=made, usage_mismatch_tolerance=Decimal(tolerance))
    return made


def customer(on: Provider, tenant: str = TENANT) -> tuple[Account, BillingContract]:
    account = Account.objects.create(name="Contoso", country="US", currency="USD")
    ProviderAccount.objects.create(provider=on, account=account, provider_customer_id=tenant)
    contract = BillingContract.objects.create(
        name="Contoso Azure",
        account=account,
        frequency="monthly",
        policy="arrears",
        start_date=dt.date(2024, 1, 1),
        currency="USD",
    )
    return account, contract


def usage_subscription(
    contract: BillingContract, on: Provider, provider_id: str, markup: str = "15"
) -> Subscription:
    from seatline.subscriptions.services import create_subscription

    subscription = create_subscription(
        contract=contract,
        name="Azure plan",
        quantity=1,
        price=Decimal(0),
        kind="usage",
        start_date=contract.start_date,
        provider=on,
        markup_percent=Decimal(markup),
    )
    Subscription.objects.filter(pk=subscription.pk).update(provider_subscription_id=provider_id)
    subscription.refresh_from_db()
    return subscription


def nce_row(**values: Any) -> dict[str, Any]:
    row = {
        "PartnerId": "p1",
        "CustomerId": TENANT,
        "CustomerName": "Contoso",
        "InvoiceNumber": "G000000001",
        "ProductId": "CFQ7TTC0LH18",
        "SkuId": "0001",
        "SkuName": "Microsoft 365 Business Basic",
        "ProductName": "Microsoft 365 Business Basic",
        "ChargeType": "cycleCharge",
        "UnitPrice": "6.00",
        "Quantity": "10",
        "Subtotal": "60.00",
        "TaxTotal": "0.00",
        "Total": "60.00",
        "Currency": "USD",
        "SubscriptionId": "sub-licence-1",
        "ChargeStartDate": "2024-01-01",
        "ChargeEndDate": "2024-01-31",
        "TermAndBillingCycle": "One-Year commitment for monthly/yearly billing",
        "EffectiveUnitPrice": "6.00",
        "BillableQuantity": "10",
        "BillingFrequency": "Monthly",
        "PCToBCExchangeRate": "1",
        "ReferenceID": "ref-1",
    }
    row.update(values)
    return row


def csv_file(path: Path, header: list[str], rows: list[dict[str, Any]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path
