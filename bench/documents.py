# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmark of document rendering: 10,000 ten-line invoice PDFs by 2 worker processes.

    .venv/bin/python bench/documents.py [--invoices 10000] [--lines 10] [--workers 2]
        [--database postgres|sqlite] [--dsn postgresql://postgres@127.0.0.1:5432] [--render-only 500]
        [--png docs/img/invoice-page.png] [--db seatline_bench_documents] [--keep]

1. A fresh database (PostgreSQL `seatline_bench_documents`, or a SQLite file), migrated and
   seeded with --invoices issued invoices of --lines lines and two taxes each (accounts in five
   languages: en-US, de-DE, fr-FR, nl-NL, es-ES), a letterhead with bank details, and one
   Create PDF job per invoice, as an invoice run leaves them. Not timed.
2. Render only (one process, no database writes): the content and PDF of --render-only
   invoices, ms per PDF.
3. Timed: --workers `seatline worker` processes started; the time is from the first job
   started to the last finished (job rows; the wall time with the workers' start-up is printed
   too). Inside the timing, per invoice: the job claimed, the invoice
   and its lines read, the PDF laid out, hashed, written to file storage (the data directory),
   its DocumentFile row and audit record inserted, the job finished.
4. Reported: time, PDFs per second, average file size and pages; the job failures (expected 0);
   the workers' CPU time per PDF and the load average before and after the timed part (the
   machine is shared: a busy machine slows the time, much less the CPU per PDF).

Not run in CI. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DB_NAME = "seatline_bench_documents"
LANGUAGES = ("en-US", "de-DE", "fr-FR", "nl-NL", "es-ES")
PRODUCTS = (
    ("Microsoft 365 Business Premium", "22.00"),
    ("Microsoft 365 E3", "36.00"),
    ("Exchange Online (Plan 1)", "4.00"),
    ("Microsoft Teams Essentials", "4.00"),
    ("Power BI Pro", "10.00"),
    ("Microsoft 365 Business Basic", "6.00"),
    ("Visio Plan 2", "15.00"),
    ("Project Plan 3", "30.00"),
    ("Defender for Office 365 (Plan 1)", "2.00"),
    ("Microsoft 365 Apps for business", "8.25"),
)


def setup_django(database_url: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["SEATLINE_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seatline.settings")
    import django

    django.setup()


def sample_logo() -> bytes:
    """A made-up letterhead logo (a blue mark and the name), drawn with Pillow."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (640, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 30, 150, 170), radius=28, fill=(31, 94, 168))
    draw.polygon([(45, 140), (80, 60), (115, 140)], fill="white")
    draw.text((180, 62), "Contoso", fill=(31, 41, 51), font=ImageFont.load_default(size=72))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def seed(invoices: int, lines: int) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.utils import timezone

    from seatline.configuration.models import Configuration
    from seatline.contracts.models import BillingContract
    from seatline.customers.models import Account
    from seatline.documents.models import CompanyProfile
    from seatline.invoicing.models import Invoice, InvoiceLine, InvoiceTax, NumberSequence
    from seatline.jobs.models import Job

    call_command("migrate", interactive=False, verbosity=0)
    now = timezone.now()
    config = Configuration.get()
    config.seller_name, config.seller_tax_id = "Contoso Cloud Partner Ltd", "US-99-1234567"
    config.seller_address = "1 Main Street\n98101 Seattle, WA"
    config.save()
    profile = CompanyProfile(
        registration_id="WA 604 123 456",
        email="billing@contoso.example",
        phone="+1 206 555 0100",
        bank_name="Contoso Bank",
        bank_account_holder="Contoso Cloud Partner Ltd",
        iban="DE89 3704 0044 0532 0130 00",
        bic="COBADEFFXXX",
        payment_instructions="Bank transfer or card payment (see the link in the e-mail).",
        footer_text="Contoso Cloud Partner Ltd · 1 Main Street, Seattle, WA 98101 · Registered in Washington",
    )
    profile.logo.save("contoso.png", ContentFile(sample_logo()), save=False)
    profile.save()
    accounts = Account.objects.bulk_create(
        [
            Account(
                name=f"Customer {n:05d}",
                language=LANGUAGES[n % len(LANGUAGES)],
                country="US",
                region="CA",
                city="Fresno",
                postal_code="93650",
                address_line1=f"{n + 1} Harbour Road",
                currency="USD",
                created_at=now,
                updated_at=now,
            )
            for n in range(invoices)
        ],
        batch_size=2000,
    )
    contracts = BillingContract.objects.bulk_create(
        [
            BillingContract(
                name=f"CSP {n:05d}",
                account=account,
                frequency="monthly",
                start_date=dt.date(2026, 1, 1),
                currency="USD",
                created_at=now,
                updated_at=now,
            )
            for n, account in enumerate(accounts)
        ],
        batch_size=2000,
    )
    net = sum(Decimal(price) * (index + 1) for index, (_, price) in enumerate(PRODUCTS[:lines]))
    state, county = (
        (net * Decimal("0.06")).quantize(Decimal("0.01")),
        (net * Decimal("0.0125")).quantize(Decimal("0.01")),
    )
    rows = Invoice.objects.bulk_create(
        [
            Invoice(
                contract=contract,
                account=contract.account,
                kind="regular",
                status="billed",
                series="invoice",
                sequence=n + 1,
                number=f"INV-{n + 1:06d}",
                currency="USD",
                generated_on=dt.date(2026, 1, 2),
                invoice_date=dt.date(2026, 1, 1),
                due_date=dt.date(2026, 1, 31),
                period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 1, 31),
                subtotal=net,
                tax_total=state + county,
                total=net + state + county,
                balance=net + state + county,
                issued_at=now,
                seller_name=config.seller_name,
                seller_address=config.seller_address,
                seller_tax_id=config.seller_tax_id,
                buyer_name=contract.account.name,
                buyer_address="\n".join(contract.account.address_lines()),
                buyer_country="US",
                buyer_region="CA",
                created_at=now,
                updated_at=now,
            )
            for n, contract in enumerate(contracts)
        ],
        batch_size=2000,
    )
    NumberSequence.objects.update_or_create(series="invoice", defaults={"last_number": invoices})
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                position=position,
                type="recurring",
                description=name,
                quantity=Decimal(position + 1),
                unit_price=Decimal(price),
                period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 1, 31),
                amount=Decimal(price) * (position + 1),
                net=Decimal(price) * (position + 1),
            )
            for invoice in rows
            for position, (name, price) in enumerate((PRODUCTS * (lines // len(PRODUCTS) + 1))[:lines])
        ],
        batch_size=5000,
    )
    InvoiceTax.objects.bulk_create(
        [
            InvoiceTax(invoice=invoice, position=position, name=name, percent=percent, amount=amount)
            for invoice in rows
            for position, (name, percent, amount) in enumerate(
                (("State", Decimal("6"), state), ("County", Decimal("1.25"), county))
            )
        ],
        batch_size=5000,
    )
    invoice_type = ContentType.objects.get_for_model(Invoice)
    Job.objects.bulk_create(
        [
            Job(
                job_type="create_pdf",
                parameters={"invoice_id": invoice.pk, "number": invoice.number},
                scheduled_for=now,
                created_at=now,
                content_type=invoice_type,
                object_id=str(invoice.pk),
            )
            for invoice in rows
        ],
        batch_size=5000,
    )


def render_only(count: int) -> float:
    """ms per PDF of content + layout in this process (no database writes, no storage)."""
    from seatline.documents.content import document_content
    from seatline.documents.pdf import render_pdf
    from seatline.invoicing.models import Invoice

    invoices = list(
        Invoice.objects.select_related("account", "credited_invoice").prefetch_related("lines", "taxes")[
            :count
        ]
    )
    render_pdf(document_content(invoices[0]))  # warm-up (font metrics, imports)
    started = time.perf_counter()
    for invoice in invoices:
        render_pdf(document_content(invoice, lines=list(invoice.lines.all())))
    return (time.perf_counter() - started) * 1000 / len(invoices)


def run_workers(workers: int, env: dict[str, str], total: int) -> tuple[float, float, dict[str, int], float]:
    """(seconds from the first job started to the last finished, wall seconds with the workers'
    start-up, job counts by status, CPU seconds the worker processes used)."""
    import resource

    from django.db import connections
    from django.db.models import Count, Max, Min

    from seatline.jobs.models import Job

    connections.close_all()
    command = [sys.executable, "-m", "seatline.cli", "worker", "--poll-interval", "0.05"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [*command, "--name", f"bench-{n}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for n in range(workers)
    ]
    try:
        while True:
            time.sleep(0.25)
            left = Job.objects.filter(
                job_type="create_pdf", status__in=("waiting", "retry", "in_progress")
            ).count()
            if not left:
                break
            if any(process.poll() is not None for process in processes):
                raise RuntimeError("a worker stopped: " + processes[0].stderr.read().decode()[-2000:])
        elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    jobs = Job.objects.filter(job_type="create_pdf")
    statuses = dict(jobs.values_list("status").annotate(n=Count("id")).order_by())
    span = jobs.aggregate(first=Min("started_at"), last=Max("finished_at"))
    return (span["last"] - span["first"]).total_seconds(), elapsed, statuses, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--render-only", type=int, default=500)
    parser.add_argument("--png", help="also write page 1 of the first invoice as a PNG (pypdfium2)")
    parser.add_argument("--db", default=DB_NAME, help="PostgreSQL database name (dropped and re-created)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="seatline-bench-documents-"))
    if args.database == "postgres":
        import psycopg

        with psycopg.connect(f"{args.dsn}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.db}"')
        database_url = f"{args.dsn}/{args.db}"
    else:
        database_url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    setup_django(database_url, data_dir)
    print(f"seeding {args.invoices} invoices x {args.lines} lines ({args.database})...", flush=True)
    seed_started = time.perf_counter()
    seed(args.invoices, args.lines)
    print(f"seeded in {time.perf_counter() - seed_started:.1f} s", flush=True)
    if args.render_only:
        per_pdf = render_only(min(args.render_only, args.invoices))
        print(f"render only (1 process): {per_pdf:.2f} ms per PDF, {1000 / per_pdf:.0f} PDFs/s")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SEATLINE_DATA_DIR": str(data_dir),
        "SEATLINE_LOG_LEVEL": "WARNING",
    }
    load_before = os.getloadavg()
    elapsed, wall, statuses, cpu = run_workers(args.workers, env, args.invoices)
    load_after = os.getloadavg()

    from django.db.models import Avg, Sum

    from seatline.documents.models import DocumentFile

    stats = DocumentFile.objects.aggregate(size=Avg("size"), pages=Sum("pages"))
    done = DocumentFile.objects.count()
    print(
        f"{args.workers} worker(s): {done} PDFs in {elapsed:.1f} s = {done / elapsed:.0f} PDFs/s "
        f"(first job started to last finished; {wall:.1f} s with the workers' start-up)"
    )
    print(f"average file size {stats['size'] / 1024:.1f} KiB, {stats['pages']} pages; jobs: {statuses}")
    print(
        f"worker CPU {cpu * 1000 / max(done, 1):.2f} ms per PDF (user + system, start-up included); "
        "load average (1, 5, 15 min) before %.2f %.2f %.2f, after %.2f %.2f %.2f"
        % (*load_before, *load_after)
    )
    if args.png:
        import pypdfium2

        from seatline.documents.services import document_bytes

        first = DocumentFile.objects.order_by("invoice_id").first()
        pdf = pypdfium2.PdfDocument(document_bytes(document=first))
        page = pdf[0].render(scale=150 / 72).to_pil().convert("RGB")
        page.quantize(colors=64).save(args.png, optimize=True)
        print(f"page 1 of {first.invoice.number} written to {args.png}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        if args.database == "postgres":
            import psycopg

            with psycopg.connect(f"{args.dsn}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        print(f"kept: {database_url}, files in {data_dir}")


if __name__ == "__main__":
    main()
