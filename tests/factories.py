# SPDX-License-Identifier: AGPL-3.0-or-later
"""Small factories for tests: plain functions with keyword overrides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from seatline.contracts.models import BillingContract
from seatline.customers.models import Account
from seatline.invoicing.models import Invoice
from seatline.subscriptions.models import Subscription


def make_account(**overrides: Any) -> Account:
    values: dict[str, Any] = {"name": "Wingtip Toys", "country": "US", "region": "CA", "currency": "USD"}
    values.update(overrides)
    return Account.objects.create(**values)


def make_contract(account: Account | None = None, **overrides: Any) -> BillingContract:
    values: dict[str, Any] = {
        "name": "Wingtip CSP",
        "account": account or make_account(),
        "type": "recurring",
        "frequency": "monthly",
        "policy": "advance",
        "start_date": dt.date(2024, 1, 1),
        "currency": "USD",
    }
    values.update(overrides)
    return BillingContract.objects.create(**values)


def make_subscription(contract: BillingContract | None = None, **overrides: Any) -> Subscription:
    contract = contract or make_contract()
    values: dict[str, Any] = {
        "contract": contract,
        "account": contract.account,
        "name": "Microsoft 365 Business Standard",
        "quantity": 10,
        "price": Decimal("12.50"),
        "start_date": contract.start_date,
    }
    values.update(overrides)
    return Subscription.objects.create(**values)


def make_draft_invoice(contract: BillingContract | None = None, **overrides: Any) -> Invoice:
    contract = contract or make_contract()
    values: dict[str, Any] = {
        "contract": contract,
        "account": contract.account,
        "kind": "regular",
        "currency": contract.currency,
        "generated_on": dt.date(2024, 1, 2),
        "invoice_date": dt.date(2024, 1, 1),
        "due_date": dt.date(2024, 1, 31),
    }
    values.update(overrides)
    return Invoice.objects.create(**values)
