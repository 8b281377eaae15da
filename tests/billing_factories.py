# SPDX-License-Identifier: AGPL-3.0-or-later
"""Small factories shared by the subscription, invoicing and payment tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.forms.models import model_to_dict

from seatline.audit.models import AuditEvent
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.customers.models import Account
from seatline.invoicing.models import ChangeLine, Invoice, InvoiceLine, InvoiceTax
from seatline.payments.models import Payment
from seatline.subscriptions.models import (
    LicenseChangeLog,
    NonRecurringItem,
    ScheduledLicenseChangeLog,
    Subscription,
    UsageRecord,
)

D = dt.date


def account(**fields: Any) -> Account:
    fields.setdefault("name", "Wingtip Toys")
    fields.setdefault("country", "US")
    fields.setdefault("region", "CA")
    return Account.objects.create(**fields)


def contract(owner: Account | None = None, **fields: Any) -> BillingContract:
    fields.setdefault("name", "Wingtip CSP")
    fields.setdefault("frequency", "quarterly")
    fields.setdefault("start_date", D(2018, 1, 1))
    if fields.get("type") == "non_recurring":
        fields["frequency"] = ""
    return BillingContract.objects.create(account=owner or account(), **fields)


def subscription(on: BillingContract, **fields: Any) -> Subscription:
    from seatline.subscriptions.services import create_subscription

    fields.setdefault("name", "Office 365 Business Premium")
    fields.setdefault("quantity", 10)
    fields.setdefault("price", Decimal("12.00"))
    fields.setdefault("start_date", on.start_date)
    return create_subscription(contract=on, **fields)


COUNTED = (
    LicenseChangeLog,
    ScheduledLicenseChangeLog,
    NonRecurringItem,
    UsageRecord,
    Invoice,
    InvoiceLine,
    InvoiceTax,
    ChangeLine,
    BillingSchedule,
    Payment,
    AuditEvent,
)


def db_state(*objects: Any) -> dict[str, Any]:
    """Row counts of the billing tables plus the stored values of `objects` (to compare before/after)."""
    state: dict[str, Any] = {model.__name__: model.objects.count() for model in COUNTED}
    for obj in objects:
        fresh = type(obj).objects.get(pk=obj.pk)
        state[f"{type(obj).__name__}:{obj.pk}"] = model_to_dict(fresh)
    return state
