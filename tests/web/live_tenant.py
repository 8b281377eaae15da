# SPDX-License-Identifier: AGPL-3.0-or-later
"""Seed a throwaway database with a small tenant for a live `seatline serve` (schemathesis):

    SEATLINE_DATA_DIR=/tmp/x python -m tests.web.live_tenant

migrates, loads two accounts with contracts, subscriptions, invoices (issued, draft, paid), a
product and price list, a failed and a waiting job, and a Billing administrator with a read-write
API token, printed as JSON ({"token": ..., "read_token": ...}).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from decimal import Decimal


def seed() -> dict[str, str]:
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from seatline import clock
    from seatline.api.services import create_token
    from seatline.catalog.models import PriceList, PriceListItem, Product
    from seatline.contracts.models import BillingContract
    from seatline.customers.models import Account, Contact
    from seatline.invoicing.models import Invoice
    from seatline.invoicing.services import generate_regular_invoice
    from seatline.jobs.models import Job, JobStatus
    from seatline.jobs.services import enqueue
    from seatline.payments.services import record_payment
    from seatline.subscriptions.services import create_subscription, deactivate_subscription, schedule_change

    today = clock.today()
    start = (today - dt.timedelta(days=70)).replace(day=1)
    product = Product.objects.create(name="Microsoft 365 E3", part_number="CFQ7TTC0LFLX:0001")
    price_list = PriceList.objects.create(name="USD", currency="USD", is_default=True)
    PriceListItem.objects.create(
        price_list=price_list, product=product, selling_price=Decimal("36.00"), cost=Decimal("32.40")
    )
    for index, name in enumerate(("Contoso", "Fabrikam")):
        account = Account.objects.create(name=name, country="US", region="WA", currency="USD")
        Contact.objects.create(
            account=account,
            first_name="Ada",
            last_name=f"Admin{index}",
            email=f"ada@{name.lower()}.test",
            is_primary=True,
        )
        contract = BillingContract.objects.create(
            name=f"{name} CSP", account=account, frequency="monthly", start_date=start, currency="USD"
        )
        allowed = create_subscription(
            contract=contract,
            name="Microsoft 365 E3",
            quantity=10,
            price=Decimal("36.00"),
            start_date=start,
            product=product,
        )
        create_subscription(
            contract=contract,
            name="Teams Rooms",
            quantity=4,
            price=Decimal("40.00"),
            start_date=start,
            qrb="disallowed",
        )
        suspended = create_subscription(
            contract=contract, name="Visio Plan 2", quantity=2, price=Decimal("15.00"), start_date=start
        )
        deactivate_subscription(subscription=suspended, on=today - dt.timedelta(days=1))
        schedule_change(subscription=allowed, effective=today + dt.timedelta(days=20), quantity=12)
        invoice = generate_regular_invoice(
            contract=contract, cycle_start=start, run_date=start + dt.timedelta(days=1)
        )
        if invoice is not None and index == 0:
            record_payment(invoice=invoice, amount=Decimal("50.00"), transaction_id=f"wire-{index}")
        Invoice.objects.create(
            contract=contract,
            account=account,
            kind="manual",
            currency="USD",
            generated_on=today,
            invoice_date=today,
            due_date=today + dt.timedelta(days=30),
            subtotal=Decimal("99.00"),
            total=Decimal("99.00"),
            balance=Decimal("99.00"),
        )
        failed = enqueue("update_next_invoice_date", parameters={"contract_id": contract.pk})
        Job.objects.filter(pk=failed.pk).update(status=JobStatus.FAILED, attempts=6, error="seeded failure")
    user = User.objects.create_user("api-admin", "api-admin@seatline.test", None, is_staff=True)
    user.groups.add(Group.objects.get(name="Billing administrator"))
    token = create_token(user=user, name="schemathesis", scope="read_write").secret
    read_token = create_token(user=user, name="schemathesis-read", scope="read").secret
    return {"token": token, "read_token": read_token}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seatline.settings")
    import django

    django.setup()
    json.dump(seed(), sys.stdout)


if __name__ == "__main__":
    main()
