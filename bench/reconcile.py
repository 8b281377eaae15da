# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmark of the reconciliation of one provider invoice on PostgreSQL.

    .venv/bin/python bench/reconcile.py [--customers 10000] [--lines 100000]
        [--dsn postgres://postgres@127.0.0.1:5432] [--db seatline_i12_reconciliation] [--keep]

1. Drops and creates the database, migrates it (not timed).
2. Seeds with bulk inserts (not timed): `--customers` accounts with a tenant at one provider, one
   monthly contract each, 5 licence subscriptions each (4 with a provider subscription id, 1 to be
   matched by tenant + product), their `create` change logs, one issued invoice per customer for
   March 2026 with a recurring line per subscription (some with a lower quantity: leakage, some
   higher: overbilled), and an active provider invoice of `--lines` lines: per subscription a
   cycleCharge row, then addQuantity wipe/recreate pairs on random subscriptions, plus unknown
   tenants and SKUs (unmapped), until `--lines`.
3. Times `reconciliation.services.reconcile_invoice` twice (the first computation, then a rerun that
   replaces the result) and prints lines, groups, seconds, groups/s, lines/s, the status counts and
   the load average (`uptime`) before and after.

Not run in CI. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = [
    ("CFQ7TTC0LH18", "0001", "Microsoft 365 Business Basic", Decimal("5.00"), Decimal("6.00")),
    ("CFQ7TTC0LDPB", "0001", "Microsoft 365 Business Standard", Decimal("10.00"), Decimal("12.50")),
    ("CFQ7TTC0LCHC", "0002", "Microsoft 365 Business Premium", Decimal("18.00"), Decimal("22.00")),
    ("CFQ7TTC0LF8Q", "0001", "Office 365 E3", Decimal("19.00"), Decimal("23.00")),
    ("CFQ7TTC0LFLX", "0001", "Microsoft 365 E3", Decimal("30.00"), Decimal("36.00")),
]
W0, W1 = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
SUBS_PER_CUSTOMER = 5


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def setup_database(dsn: str, name: str) -> str:
    with psycopg.connect(f"{dsn}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{dsn}/{name}"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "seatline.settings"
    os.environ.setdefault("SEATLINE_DATA_DIR", tempfile.mkdtemp(prefix="seatline-bench-"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def seed(customers: int, lines: int, rng: random.Random) -> int:
    from django.db import transaction

    from seatline import clock
    from seatline.catalog.models import Product
    from seatline.contracts.models import BillingContract
    from seatline.customers.models import Account
    from seatline.invoicing.models import Invoice, InvoiceLine
    from seatline.provider_invoices.models import ProviderInvoice, ProviderInvoiceLine
    from seatline.providers.models import Provider, ProviderAccount
    from seatline.subscriptions.models import LicenseChangeLog, Subscription

    batch = 5000
    now = clock.now()

    def stamped(objects: list) -> list:  # type: ignore[type-arg]
        for obj in objects:  # bulk_create skips TimestampedModel.save
            obj.created_at = obj.updated_at = now
        return objects

    with transaction.atomic():
        provider = Provider.objects.create(name="Microsoft", type="do_nothing")
        products = [
            Product.objects.create(name=name, part_number=f"{pid}:{sku}") for pid, sku, name, _, _ in PRODUCTS
        ]
        accounts = Account.objects.bulk_create(
            stamped([Account(name=f"Customer {n}", country="US", currency="USD") for n in range(customers)]),
            batch_size=batch,
        )
        ProviderAccount.objects.bulk_create(
            stamped(
                [
                    ProviderAccount(provider=provider, account=a, provider_customer_id=f"tenant-{n:06d}")
                    for n, a in enumerate(accounts)
                ]
            ),
            batch_size=batch,
        )
        contracts = BillingContract.objects.bulk_create(
            stamped(
                [
                    BillingContract(
                        name=f"CSP {n}",
                        account=a,
                        frequency="monthly",
                        policy="advance",
                        start_date=W0,
                        currency="USD",
                    )
                    for n, a in enumerate(accounts)
                ]
            ),
            batch_size=batch,
        )
        subs: list[Subscription] = []
        for n, (account, contract) in enumerate(zip(accounts, contracts, strict=True)):
            for k in range(SUBS_PER_CUSTOMER):
                pid, sku, name, _cost, price = PRODUCTS[k]
                subs.append(
                    Subscription(
                        contract=contract,
                        account=account,
                        product=products[k],
                        name=name,
                        quantity=rng.randint(1, 50),
                        price=price,
                        start_date=W0,
                        provider=provider,
                        provider_subscription_id="" if k == 4 else f"sub-{n:06d}-{k}",
                    )
                )
        subs = Subscription.objects.bulk_create(stamped(subs), batch_size=batch)
        LicenseChangeLog.objects.bulk_create(
            stamped([
                LicenseChangeLog(
                    subscription=s, kind="create", effective_date=W0, delta=s.quantity, quantity_after=s.quantity,
                    price=s.price, cost=Decimal(0), sales_unit="monthly",
                )
                for s in subs
            ]),
            batch_size=batch,
        )  # fmt: skip
        invoices = Invoice.objects.bulk_create(
            stamped([
                Invoice(
                    contract=c, account=c.account, kind="regular", status="billed", series="invoice",
                    sequence=n + 1, number=f"INV-{n + 1:07d}", currency="USD", generated_on=W0, invoice_date=W0,
                    due_date=W1, period_start=W0, period_end=W1, issued_at=now,
                )
                for n, c in enumerate(contracts)
            ]),
            batch_size=batch,
        )  # fmt: skip
        by_contract = {i.contract_id: i for i in invoices}
        billed = []
        for s in subs:
            drift = rng.random()
            quantity = (
                s.quantity - 1
                if drift < 0.05 and s.quantity > 1
                else s.quantity + 1
                if drift < 0.08
                else s.quantity
            )
            amount = s.price * quantity
            billed.append(
                InvoiceLine(
                    invoice=by_contract[s.contract_id], type="recurring", subscription=s, description=s.name,
                    quantity=quantity, unit_price=s.price, unit_months=1, period_start=W0, period_end=W1,
                    amount=amount, discount=Decimal(0), net=amount,
                )
            )  # fmt: skip
        InvoiceLine.objects.bulk_create(billed, batch_size=batch)
        invoice = ProviderInvoice.objects.create(
            provider=provider, number="G000990001", period_start=W0, period_end=W1, currency="USD",
            total=Decimal(0), tax=Decimal(0), state="active", source="file",
        )  # fmt: skip
        rows: list[ProviderInvoiceLine] = []

        def add(
            tenant: str, psid: str, k: int, charge: str, quantity: int, eup: Decimal, start: dt.date
        ) -> None:
            pid, sku, name, _cost, _price = PRODUCTS[k]
            subtotal = eup * quantity
            rows.append(
                ProviderInvoiceLine(
                    invoice=invoice, row_number=len(rows) + 2, kind="credit" if subtotal < 0 else "license",
                    customer_tenant_id=tenant, provider_subscription_id=psid, product_id=pid, sku_id=sku,
                    sku_name=name, charge_type=charge, unit_price=abs(eup), effective_unit_price=eup,
                    quantity=quantity, billable_quantity=quantity, subtotal=subtotal, total=subtotal,
                    charge_start=start, charge_end=W1, raw="[]",
                )
            )  # fmt: skip

        for index, s in enumerate(subs):
            n, k = divmod(index, SUBS_PER_CUSTOMER)
            add(f"tenant-{n:06d}", s.provider_subscription_id or f"unknown-{n}-{k}", k, "cycleCharge", s.quantity,
                PRODUCTS[k][3], W0)  # fmt: skip
        while len(rows) < lines:
            roll = rng.random()
            n = rng.randrange(customers)
            k = rng.randrange(SUBS_PER_CUSTOMER)
            if roll < 0.02:
                add(f"tenant-x{n:06d}", f"lost-{len(rows)}", k, "new", 1, PRODUCTS[k][3], W0)
                continue
            start = W0 + dt.timedelta(days=rng.randrange(1, 30))
            days = (W1 - start).days + 1
            eup = (PRODUCTS[k][3] / 31 * days).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
            s = subs[n * SUBS_PER_CUSTOMER + k]
            psid = s.provider_subscription_id or f"unknown-{n}-{k}"
            add(f"tenant-{n:06d}", psid, k, "addQuantity", s.quantity, -eup, start)
            add(f"tenant-{n:06d}", psid, k, "addQuantity", s.quantity + 1, eup, start)
        del rows[lines:]
        ProviderInvoiceLine.objects.bulk_create(rows, batch_size=batch)
        ProviderInvoice.objects.filter(pk=invoice.pk).update(line_count=len(rows))
    return invoice.pk


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--dsn", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="seatline_i12_reconciliation")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the first computation")
    args = parser.parse_args()
    setup_database(args.dsn, args.db)
    started = time.perf_counter()
    invoice_id = seed(args.customers, args.lines, random.Random(args.seed))
    print(f"seeded {args.customers} customers, {args.customers * SUBS_PER_CUSTOMER} subscriptions and "
          f"{args.lines} provider lines in {time.perf_counter() - started:.1f} s (not timed)")  # fmt: skip
    from django.db import connection
    from django.db.models import Count

    from seatline.provider_invoices.models import ProviderInvoice
    from seatline.reconciliation.services import reconcile_invoice

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    try:
        for label in ("first computation", "rerun"):
            before = uptime()
            invoice = ProviderInvoice.objects.get(pk=invoice_id)
            profiler = cProfile.Profile() if args.profile and label == "first computation" else None
            started, cpu = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            recon = reconcile_invoice(invoice=invoice)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            if profiler is not None:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            counts = dict(
                recon.groups.order_by("status")
                .values_list("status")
                .annotate(n=Count("id"))
                .values_list("status", "n")
            )
            print(
                f"{label}: {args.lines} lines, {recon.group_count} groups, {recon.unmapped_count} unmapped in "
                f"{seconds:.2f} s (Python CPU {cpu:.2f} s) = {recon.group_count / seconds:,.0f} groups/s, "
                f"{args.lines / seconds:,.0f} lines/s; "
                f"{counts}; leakage {recon.leakage_amount}, margin {recon.margin}"
            )
            print(f"  load before: {before}\n  load after:  {uptime()}")
    finally:
        if not args.keep:
            connection.close()
            with psycopg.connect(f"{args.dsn}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')


if __name__ == "__main__":
    main()
