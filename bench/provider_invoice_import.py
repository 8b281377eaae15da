# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmark of a provider invoice file import on PostgreSQL: a generated NCE reconciliation CSV.

    .venv/bin/python bench/provider_invoice_import.py [--lines 1000000 100000]
        [--dsn postgres://postgres@127.0.0.1:5432] [--db seatline_bench_provider_invoices] [--keep]

1. Creates a fresh database and migrates it (not timed).
2. For each size: writes an NCE reconciliation CSV (the 46 columns of Partner Center's file,
   2,000 customers, licence rows with add/remove pairs, usage rows; not timed), then imports it
   with `seatline provider-invoice import` in a fresh process (`microsoft_nce_reconciliation`
   template, one transaction, COPY of the parsed lines, checksum) and reads that process's peak
   RSS (`ru_maxrss` of the child) and wall time.
3. The write limit: a bare `COPY ... FROM STDIN (FORMAT csv)` of the same file into a scratch
   table of 46 text columns, in the same database, timed; the ratio import / bare COPY says what
   parsing, typing, matching and the checksum cost on top of moving the bytes.

Not run in CI. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
HEADER = [
    "PartnerId", "CustomerId", "CustomerName", "CustomerDomainName", "CustomerCountry", "InvoiceNumber",
    "MPNID", "ResellerMPNID", "OrderId", "OrderDate", "ProductId", "SkuId", "AvailabilityId", "SkuName",
    "ProductName", "ChargeType", "UnitPrice", "Quantity", "Subtotal", "TaxTotal", "Total", "Currency",
    "PriceAdjustmentDescription", "PublisherName", "PublisherId", "SubscriptionDescription", "SubscriptionId",
    "ChargeStartDate", "ChargeEndDate", "TermAndBillingCycle", "EffectiveUnitPrice", "UnitType", "AlternateId",
    "BillableQuantity", "BillingFrequency", "PricingCurrency", "PCToBCExchangeRate", "PCToBCExchangeRateDate",
    "MeterDescription", "ReservationOrderId", "CreditReasonCode", "SubscriptionStartDate",
    "SubscriptionEndDate", "ReferenceID", "ProductQualifiers", "PromotionID",
]  # fmt: skip
PRODUCTS = [
    ("CFQ7TTC0LH18", "0001", "Microsoft 365 Business Basic", Decimal("6.00")),
    ("CFQ7TTC0LDPB", "0001", "Microsoft 365 Business Standard", Decimal("12.50")),
    ("CFQ7TTC0LCHC", "0002", "Microsoft 365 Business Premium", Decimal("22.00")),
    ("CFQ7TTC0LF8Q", "0001", "Office 365 E3", Decimal("23.00")),
]
NUMBER = "G000990001"


def generate(path: Path, lines: int, seed: int = 11) -> Decimal:
    """Write the file; returns the sum of its Total column (the header total of the invoice)."""
    rng = random.Random(seed)
    total = Decimal(0)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(lines):
            customer = n % 2000
            product_id, sku, name, price = PRODUCTS[n % len(PRODUCTS)]
            quantity = rng.randint(1, 300)
            kind = n % 10
            if kind == 9:
                charge, eup, quantity = "usage", Decimal(rng.randint(1, 90000)) / 100, 1
            elif kind in (7, 8):
                charge, eup = "addQuantity", (price * rng.randint(1, 30) / 31).quantize(Decimal("0.000001"))
                eup = -eup if kind == 7 else eup
            else:
                charge, eup = "cycleCharge", price
            subtotal = eup.quantize(Decimal("0.01"), rounding="ROUND_DOWN") * quantity
            tax = (subtotal * Decimal("0.08")).quantize(Decimal("0.01"))
            total += subtotal + tax
            tenant = f"{customer:08x}-0000-4000-8000-{customer:012x}"
            writer.writerow([
                "5d6f1e3a-0000-4c1b-9a8e-5ea71111e000", tenant, f"Customer {customer}", f"c{customer}.onmicrosoft.com",
                "US", NUMBER, "6001234", "", f"order-{n // 3}", "2026-03-02T10:00:00Z", product_id, sku,
                "CFQ7TTC0K971", name, name, charge, str(price), quantity, str(subtotal), str(tax),
                str(subtotal + tax), "USD", "", "Microsoft Corporation", "", name,
                f"{n // 3:08x}-1111-4000-8000-{customer:012x}", "03/01/2026", "03/31/2026",
                "One-Year commitment for monthly/yearly billing", str(eup), "Licenses", f"alt{n}", quantity,
                "Monthly", "USD", "1", "03/01/2026", "", "", "", "03/01/2026", "02/28/2027", f"ref-{n // 2}",
                "[]", "",
            ])  # fmt: skip
    return total


def django_env(db_url: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "seatline.settings"}
    env.setdefault("SEATLINE_DATA_DIR", tempfile.mkdtemp(prefix="seatline-bench-"))
    return env


def child_import(args: argparse.Namespace) -> None:
    """In a fresh process: import the file, print seconds, peak RSS and the outcome as JSON."""
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from seatline.provider_invoices import services
    from seatline.providers.models import Provider

    provider, _ = Provider.objects.get_or_create(name="Microsoft", defaults={"type": "do_nothing"})
    started = time.perf_counter()
    invoice = services.import_file(
        provider=provider,
        template=services.template_by_key("microsoft_nce_reconciliation"),
        number=f"{NUMBER}-{args.child_lines}",
        period_start=dt.date(2026, 3, 1),
        period_end=dt.date(2026, 3, 31),
        total=args.child_total,
        tax="0",
        file=Path(args.child_file),
    )
    seconds = time.perf_counter() - started
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rss_kb": rss_kb, "state": invoice.state, "lines": invoice.line_count,
                      "difference": str(invoice.difference)}))  # fmt: skip


def bare_copy(dsn: str, db: str, path: Path) -> float:
    columns = ", ".join(f'"{name}" text' for name in HEADER)
    with psycopg.connect(f"{dsn}/{db}") as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw_copy")
        conn.execute(f"CREATE TABLE bench_raw_copy ({columns})")
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy("COPY bench_raw_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as handle,
        ):
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_raw_copy")
        conn.commit()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 100_000])
    parser.add_argument("--dsn", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="seatline_bench_provider_invoices")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child-file", help=argparse.SUPPRESS)
    parser.add_argument("--child-lines", help=argparse.SUPPRESS)
    parser.add_argument("--child-total", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_file:
        child_import(args)
        return
    db_url = f"{args.dsn}/{args.db}"
    with psycopg.connect(f"{args.dsn}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db}"')
    env = django_env(db_url)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, check=True)
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="seatline-bench-") as tmp:
            for lines in args.lines:
                path = Path(tmp) / f"recon-{lines}.csv"
                total = generate(path, lines)
                size_mb = path.stat().st_size / 1e6
                proc = subprocess.run(
                    [sys.executable, __file__, "--child-file", str(path), "--child-lines", str(lines),
                     "--child-total", str(total)],
                    env=env, check=True, capture_output=True, text=True,
                )  # fmt: skip
                outcome = json.loads(proc.stdout.strip().splitlines()[-1])
                copy_seconds = bare_copy(args.dsn, args.db, path)
                results.append((lines, size_mb, outcome, copy_seconds))
                path.unlink()
    finally:
        if not args.keep:
            with psycopg.connect(f"{args.dsn}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    print("| lines | file | state | import | lines/s | peak RSS | bare COPY | import / COPY |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for lines, size_mb, outcome, copy_seconds in results:
        print(
            f"| {lines:,} | {size_mb:.0f} MB | {outcome['state']} (difference {outcome['difference']}) "
            f"| {outcome['seconds']:.1f} s | {lines / outcome['seconds']:,.0f} | {outcome['rss_kb'] / 1024:.0f} MB "
            f"| {copy_seconds:.1f} s | {outcome['seconds'] / copy_seconds:.1f}x |"
        )


if __name__ == "__main__":
    main()
