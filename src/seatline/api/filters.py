# SPDX-License-Identifier: AGPL-3.0-or-later
"""Filter sets of the API (django-filter): `?account=12&status=active&invoice_date_after=...`."""

from __future__ import annotations

from typing import Any

from django import forms
from django_filters import rest_framework as filters

from seatline.catalog.models import PriceList, Product
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.customers.models import Account, Contact
from seatline.invoicing.models import Invoice
from seatline.jobs.models import Job
from seatline.payments.models import Payment
from seatline.subscriptions.models import LicenseChangeLog, ScheduledLicenseChangeLog, Subscription

MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):
    """An object id (a whole number), compared without loading the object."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class AccountFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")
    parent = IdFilter(field_name="parent_id")

    class Meta:
        model = Account
        fields = ["name", "country", "currency", "active", "credit_hold", "tax_exempt", "parent"]


class ContactFilter(filters.FilterSet):
    account = IdFilter(field_name="account_id")
    email = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Contact
        fields = ["account", "email", "role", "is_primary"]


class ContractFilter(filters.FilterSet):
    account = IdFilter(field_name="account_id")
    next_invoice_date = filters.DateFromToRangeFilter()

    class Meta:
        model = BillingContract
        fields = ["account", "type", "frequency", "policy", "status", "currency", "next_invoice_date"]


class BillingScheduleFilter(filters.FilterSet):
    contract = IdFilter(field_name="contract_id")
    schedule_date = filters.DateFromToRangeFilter()

    class Meta:
        model = BillingSchedule
        fields = ["contract", "status", "schedule_date"]


class SubscriptionFilter(filters.FilterSet):
    account = IdFilter(field_name="account_id")
    contract = IdFilter(field_name="contract_id")
    product = IdFilter(field_name="product_id")
    provider = IdFilter(field_name="provider_id")
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Subscription
        fields = [
            "account",
            "contract",
            "product",
            "provider",
            "status",
            "kind",
            "provisioning_status",
            "name",
        ]


class LicenseChangeLogFilter(filters.FilterSet):
    subscription = IdFilter(field_name="subscription_id")
    account = IdFilter(field_name="subscription__account_id")
    effective_date = filters.DateFromToRangeFilter()

    class Meta:
        model = LicenseChangeLog
        fields = ["subscription", "account", "kind", "status", "provisioning_status", "effective_date"]


class ScheduledChangeFilter(filters.FilterSet):
    subscription = IdFilter(field_name="subscription_id")
    effective_date = filters.DateFromToRangeFilter()

    class Meta:
        model = ScheduledLicenseChangeLog
        fields = ["subscription", "status", "effective_date"]


class ProductFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Product
        fields = ["name", "kind", "part_number", "active"]


class PriceListFilter(filters.FilterSet):
    class Meta:
        model = PriceList
        fields = ["currency", "is_default"]


class InvoiceFilter(filters.FilterSet):
    account = IdFilter(field_name="account_id")
    contract = IdFilter(field_name="contract_id")
    invoice_date = filters.DateFromToRangeFilter()
    due_date = filters.DateFromToRangeFilter()
    number = filters.CharFilter()

    class Meta:
        model = Invoice
        fields = ["account", "contract", "status", "kind", "currency", "number", "invoice_date", "due_date"]


class PaymentFilter(filters.FilterSet):
    invoice = IdFilter(field_name="invoice_id")
    account = IdFilter(field_name="invoice__account_id")
    date = filters.DateFromToRangeFilter()

    class Meta:
        model = Payment
        fields = ["invoice", "account", "processor", "currency", "date"]


class JobFilter(filters.FilterSet):
    job_type = filters.CharFilter()
    parent = IdFilter(field_name="parent_id")

    class Meta:
        model = Job
        fields = ["status", "job_type", "parent"]
