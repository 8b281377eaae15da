# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures of the API tests: a small tenant (two accounts), a user and a token per security role,
"today" frozen at 2018-02-10."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient
from tests import billing_factories as factories

from seatline import clock
from seatline.api.models import ApiToken
from seatline.api.services import create_token
from seatline.catalog.models import PriceList, PriceListItem, Product
from seatline.configuration.roles import ROLES, ensure_roles
from seatline.contracts.models import BillingContract
from seatline.customers.models import Account, Contact
from seatline.invoicing.models import Invoice
from seatline.invoicing.services import generate_regular_invoice
from seatline.jobs.models import Job, JobStatus
from seatline.jobs.services import enqueue
from seatline.payments.models import Payment
from seatline.payments.services import record_payment
from seatline.subscriptions.models import ScheduledLicenseChangeLog, Subscription
from seatline.subscriptions.services import deactivate_subscription, schedule_change

TODAY = dt.date(2018, 2, 10)
ROLE_NAMES = tuple(ROLES)  # Billing administrator, Billing manager, Sales, Read-only


@pytest.fixture
def today() -> Iterator[dt.date]:
    with clock.frozen(TODAY):
        yield TODAY


@dataclass
class Tenant:
    account: Account
    contact: Contact
    contract: BillingContract
    sub: Subscription  # reductions allowed, 10 seats
    locked_sub: Subscription  # reductions disallowed (QRB), 5 seats
    invoice: Invoice  # issued, 360.00 USD open
    draft: Invoice
    other_account: Account
    other_contract: BillingContract
    other_sub: Subscription
    other_invoice: Invoice
    job: Job  # failed
    waiting_job: Job
    suspended_sub: Subscription
    scheduled: ScheduledLicenseChangeLog
    product: Product
    price_list: PriceList
    payment: Payment


@pytest.fixture
def tenant(db: None, today: dt.date) -> Tenant:
    account = factories.account(name="Contoso")
    contact = Contact.objects.create(
        account=account, first_name="Ada", last_name="Lovelace", email="ada@contoso.test", is_primary=True
    )
    contract = factories.contract(account, name="Contoso CSP")
    sub = factories.subscription(contract, name="Microsoft 365 E3", quantity=10)
    locked_sub = factories.subscription(contract, name="Teams Rooms", quantity=5, qrb="disallowed")
    invoice = generate_regular_invoice(
        contract=contract, cycle_start=dt.date(2018, 1, 1), run_date=dt.date(2018, 1, 2)
    )
    assert invoice is not None and invoice.number
    draft = Invoice.objects.create(
        contract=contract,
        account=account,
        kind="manual",
        currency="USD",
        generated_on=TODAY,
        invoice_date=TODAY,
        due_date=TODAY + dt.timedelta(days=30),
        subtotal=Decimal("50.00"),
        total=Decimal("50.00"),
        balance=Decimal("50.00"),
    )
    other_account = factories.account(name="Fabrikam")
    other_contract = factories.contract(other_account, name="Fabrikam CSP")
    other_sub = factories.subscription(other_contract, name="Fabrikam E5", quantity=3)
    other_invoice = generate_regular_invoice(
        contract=other_contract, cycle_start=dt.date(2018, 1, 1), run_date=dt.date(2018, 1, 2)
    )
    assert other_invoice is not None
    job = enqueue("update_next_invoice_date", parameters={"contract_id": contract.pk})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, attempts=6, error="boom")
    job.refresh_from_db()
    waiting_job = enqueue("update_next_invoice_date", parameters={"contract_id": other_contract.pk})
    suspended_sub = factories.subscription(contract, name="Visio Plan 2", quantity=2)
    deactivate_subscription(subscription=suspended_sub, on=dt.date(2018, 2, 1))
    scheduled = schedule_change(subscription=sub, effective=dt.date(2018, 4, 1), quantity=15)
    product = Product.objects.create(name="Microsoft 365 E3", part_number="CFQ7TTC0LFLX:0001")
    price_list = PriceList.objects.create(name="USD list", currency="USD", is_default=True)
    PriceListItem.objects.create(
        price_list=price_list, product=product, selling_price=Decimal("36.00"), cost=Decimal("32.4000")
    )
    other_payment = record_payment(invoice=other_invoice, amount=Decimal("10.00"), transaction_id="wire-1")
    return Tenant(
        account=account,
        contact=contact,
        contract=contract,
        sub=sub,
        locked_sub=locked_sub,
        invoice=invoice,
        draft=draft,
        other_account=other_account,
        other_contract=other_contract,
        other_sub=other_sub,
        other_invoice=other_invoice,
        job=job,
        waiting_job=waiting_job,
        suspended_sub=suspended_sub,
        scheduled=scheduled,
        product=product,
        price_list=price_list,
        payment=other_payment,
    )


def make_user(username: str, role: str | None, *, superuser: bool = False) -> User:
    if Group.objects.filter(name__in=ROLES).count() != len(ROLES):
        ensure_roles()
    # no password (none needed): hashing one per test would cost more than the test
    user = User.objects.create_user(
        username, f"{username}@seatline.test", None, is_staff=True, is_superuser=superuser
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def client_for(db: None) -> Callable[..., APIClient]:
    """An API client authenticated with a fresh token of a user in `role` (None: no role)."""

    def build(
        role: str | None, *, scope: str = ApiToken.Scope.READ_WRITE, superuser: bool = False
    ) -> APIClient:
        name = (role or "norole").lower().replace(" ", "-").replace("_", "-") + ("-su" if superuser else "")
        user = User.objects.filter(username=name).first() or make_user(name, role, superuser=superuser)
        issued = create_token(user=user, name="tests", scope=scope)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
        client.token = issued.token  # type: ignore[attr-defined]
        client.user = user  # type: ignore[attr-defined]
        return client

    return build


@pytest.fixture
def admin_client_api(client_for: Callable[..., APIClient]) -> APIClient:
    return client_for("Billing administrator")
