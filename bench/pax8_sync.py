# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmark of a Pax8 invoice sync on PostgreSQL, against the Pax8 simulator in its own process.

    .venv/bin/python bench/pax8_sync.py [--items 20000] [--subscriptions 2000] [--port 8601]
        [--dsn postgres://postgres@127.0.0.1:5432] [--db seatline_bench_pax8] [--keep]

1. Creates a fresh database and migrates it; starts `python -m seatline.simulators.pax8.server`
   on the port and seeds it with 200 companies, the subscriptions and one invoice of N items
   (not timed).
2. Times `provider_invoices.sync.sync_invoice` for a `pax8` provider in this process: the token,
   every page of the invoice list, of the items and of the subscriptions (200 a page) over HTTP,
   typing each item, the import (COPY, checksum, one transaction). Prints items/s, the pages read
   and this process's peak RSS.

Not run in CI. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]


def wait_for(url: str) -> None:
    for _ in range(100):
        try:
            httpx.get(f"{url}/_sim/clock", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"the simulator at {url} did not start")


def seed(url: str, items: int, subscriptions: int) -> None:
    http = httpx.Client(base_url=url, timeout=120)
    http.post("/_sim/companies", json=[{"id": f"co-{n}", "name": f"Company {n:04d}"} for n in range(200)])
    http.post(
        "/_sim/subscriptions",
        json=[
            {
                "id": f"p8-{n}", "companyId": f"co-{n % 200}", "productName": "Microsoft 365 Business Basic",
                "vendorSubscriptionId": f"ms-{n:08d}", "vendorSkuId": "CFQ7TTC0LH18:0001",
                "quantity": 1 + n % 50, "partnerCost": "5.40", "price": "6.00",
            }
            for n in range(subscriptions)
        ],
    )  # fmt: skip
    rows = [
        {"subscriptionId": f"p8-{n % subscriptions}", "type": "prorate" if n % 5 == 4 else "subscription",
         "startPeriod": "2026-03-17" if n % 5 == 4 else "2026-04-01", "quantity": 1 + n % 7}
        for n in range(items)
    ]  # fmt: skip
    answer = http.post("/_sim/invoices", json={"id": "inv-bench", "invoiceDate": "2026-04-01", "items": rows})
    answer.raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--subscriptions", type=int, default=2_000)
    parser.add_argument("--port", type=int, default=8601)
    parser.add_argument("--dsn", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="seatline_bench_pax8")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with psycopg.connect(f"{args.dsn}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
        admin.execute(f'CREATE DATABASE "{args.db}"')
    os.environ.update(DATABASE_URL=f"{args.dsn}/{args.db}", DJANGO_SETTINGS_MODULE="seatline.settings")
    os.environ["SEATLINE_BENCH_PAX8_SECRET"] = "bench"
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], check=True)
    url = f"http://127.0.0.1:{args.port}"
    sim = subprocess.Popen(
        [sys.executable, "-m", "seatline.simulators.pax8.server", "--port", str(args.port)],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for(url)
        seed(url, args.items, args.subscriptions)
        import django

        django.setup()
        from seatline.provider_invoices.sync import sync_invoice
        from seatline.providers.models import Provider

        provider = Provider.objects.create(
            name="Pax8",
            type="automatic",
            connector="pax8",
            settings={
                "base_url": f"{url}/v1",
                "token_url": f"{url}/oauth/token",
                "client_id": "bench",
                "client_secret_env": "SEATLINE_BENCH_PAX8_SECRET",
            },
        )
        pages_before = httpx.get(f"{url}/_sim/stats").json()["pagesServed"]
        started = time.perf_counter()
        invoice = sync_invoice(provider=provider)
        elapsed = time.perf_counter() - started
        pages = httpx.get(f"{url}/_sim/stats").json()["pagesServed"] - pages_before
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{invoice.line_count} items ({args.subscriptions} subscriptions): {invoice.state}, difference "
            f"{invoice.difference}, {elapsed:.2f} s = {invoice.line_count / elapsed:,.0f} items/s, "
            f"{pages} pages read, peak RSS {rss:.0f} MB, load average {os.getloadavg()[0]:.1f}"
        )
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{args.dsn}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.db}"')


if __name__ == "__main__":
    main()
